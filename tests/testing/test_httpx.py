"""BaanxMock for httpx clients, sync and async: the same replies as for `requests`, the same
outcome for each fault as a served mock gives httpx, timeouts and virtual time honoured,
and respx mocks working beside it."""

from __future__ import annotations

import asyncio

import httpx
import pytest
import respx

from mock_baanx import BaanxMock

from ..helpers import ORDER_BODY, headers

PRODUCTS = "/v1/order/products/available"
EXPECTED = {
    "reset": "ReadError",
    "empty": "RemoteProtocolError",
    "malformed": "200 JSONDecodeError",
    "truncated": "RemoteProtocolError",
    "hang": "ReadTimeout",
    "503": "503 {'message': 'Service Unavailable'}",
}


def lifecycle_seen(client: httpx.Client, base_url: str) -> list[str]:
    order = client.post(base_url + "/v1/order", json=ORDER_BODY, headers=headers()).json()
    return [client.get(f"{base_url}/v1/order/{order['orderId']}", headers=headers()).json()
            ["status"] for _ in range(3)]


def test_a_sync_client_sees_what_requests_sees():
    with BaanxMock(seed=3) as mock, httpx.Client() as client:
        products = client.get(mock.base_url + PRODUCTS, headers=headers())
        assert products.status_code == 200
        assert products.headers["content-type"] == "application/json"
        assert [item["id"] for item in products.json()] == ["PREMIUM_SUBSCRIPTION",
                                                            "METAL_CARD"]
        assert lifecycle_seen(client, mock.base_url) == ["STARTED", "STARTED", "COMPLETED"]
        assert client.get(mock.base_url + PRODUCTS).status_code == 499
        assert [entry["method"] for entry in mock.journal()] == ["GET", "POST", "GET", "GET",
                                                                 "GET", "GET"]


def test_an_async_client_sees_the_same():
    async def session(base_url: str) -> list[str]:
        async with httpx.AsyncClient() as client:
            order = (await client.post(base_url + "/v1/order", json=ORDER_BODY,
                                       headers=headers())).json()
            return [(await client.get(f"{base_url}/v1/order/{order['orderId']}",
                                      headers=headers())).json()["status"] for _ in range(3)]

    with BaanxMock() as mock:
        assert asyncio.run(session(mock.base_url)) == ["STARTED", "STARTED", "COMPLETED"]


def outcome(base_url: str, fault: str) -> str:
    try:
        reply = httpx.get(base_url + PRODUCTS, timeout=0.3,
                          headers=headers(**{"X-Mock-Fault": fault}))
    except httpx.HTTPError as error:
        return type(error).__name__
    try:
        return f"{reply.status_code} {reply.json()}"
    except ValueError:
        return f"{reply.status_code} JSONDecodeError"


@pytest.mark.served
@pytest.mark.parametrize("fault", list(EXPECTED))
def test_each_fault_has_the_outcome_httpx_meets_on_a_real_socket(servers, fault):
    with BaanxMock() as mock:
        outcomes = {"in-process": outcome(mock.base_url, fault)}
    outcomes.update({name: outcome(url, fault) for name, url in servers.items()})
    assert outcomes == dict.fromkeys(outcomes, EXPECTED[fault])


def test_a_delay_past_the_read_timeout_is_a_read_timeout_at_once_under_virtual_time():
    with BaanxMock() as mock, mock.virtual_time():
        with pytest.raises(httpx.ReadTimeout):
            httpx.get(mock.base_url + PRODUCTS, timeout=0.5,
                      headers=headers(**{"X-Mock-Delay-Ms": "2000"}))
        assert mock.advance_clock(0)["offsetSeconds"] == pytest.approx(0.5)
        reply = httpx.get(mock.base_url + PRODUCTS, timeout=5,
                          headers=headers(**{"X-Mock-Delay-Ms": "2000"}))
        assert reply.status_code == 200
        assert mock.advance_clock(0)["offsetSeconds"] == pytest.approx(2.5)


def test_an_async_delay_lets_the_event_loop_run_other_tasks():
    async def main(base_url: str) -> tuple[int, int]:
        ticks = 0

        async def ticking() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.01)

        ticker = asyncio.create_task(ticking())
        await asyncio.sleep(0)
        before = ticks
        async with httpx.AsyncClient() as client:
            reply = await client.get(base_url + PRODUCTS,
                                     headers=headers(**{"X-Mock-Delay-Ms": "200"}))
        ticker.cancel()
        assert reply.status_code == 200
        return before, ticks

    with BaanxMock() as mock:
        before, after = asyncio.run(main(mock.base_url))
    assert after - before >= 5


def test_other_hosts_pass_through_to_respx_whichever_starts_first():
    route = "https://elsewhere.example/ping"
    with respx.mock() as router, BaanxMock() as mock:
        router.get(route).respond(204)
        assert httpx.get(route).status_code == 204
        assert httpx.get(mock.base_url + PRODUCTS, headers=headers()).status_code == 200
    with BaanxMock() as mock, respx.mock() as router:
        router.get(route).respond(204)
        assert httpx.get(route).status_code == 204
        assert httpx.get(mock.base_url + PRODUCTS, headers=headers()).status_code == 200


def test_without_passthrough_other_hosts_are_refused_and_after_stop_nothing_is_answered():
    with BaanxMock(passthrough=False) as mock, pytest.raises(httpx.ConnectError,
                                                             match="passthrough"):
        httpx.get("https://elsewhere.example/ping")
    assert httpx.HTTPTransport.handle_request.__module__ == "httpx._transports.default"
    with respx.mock() as router:
        router.get(mock.base_url + PRODUCTS).respond(418)
        assert httpx.get(mock.base_url + PRODUCTS).status_code == 418


def test_a_patch_made_after_the_mock_started_is_left_in_place():
    def theirs(transport, request):
        return httpx.Response(299, request=request)

    original = httpx.HTTPTransport.handle_request
    with BaanxMock():
        httpx.HTTPTransport.handle_request = theirs
    try:
        assert httpx.HTTPTransport.handle_request is theirs
    finally:
        httpx.HTTPTransport.handle_request = original
