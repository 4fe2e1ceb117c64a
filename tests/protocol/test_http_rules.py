"""What any request gets, whatever route it aims at: JSON errors, never HTML, never a 500."""

from __future__ import annotations

import pytest
import requests

from mock_baanx import BaanxMock, create_app
from mock_baanx.protocol import Options
from mock_baanx.protocol.messages import MAX_BODY_BYTES

from ..helpers import ORDER_BODY, assert_error, assert_valid, create, headers, poll


@pytest.mark.parametrize("path", [
    "/v1",
    "/v1/order/",
    "/v1/orders",
    "/v2/order/products/available",
    "/v1/order/products/available/extra",
    "/v1/order/a/b",
    "/" + "a" * 20_000,
    "/v1/order/%2e%2e/%2e%2e/etc/passwd",
    "/\u202e/v1/order",
])
def test_unknown_routes_answer_404_json(client, path):
    assert_error(client.get(path, headers=headers()), 404, "Not found")


@pytest.mark.parametrize(("method", "path", "allowed"), [
    ("DELETE", "/v1/order/products/available", "GET"),
    ("POST", "/v1/order/products/available", "GET"),
    ("GET", "/v1/order", "POST"),
    ("PUT", "/v1/order", "POST"),
    ("PATCH", "/v1/order/ord_1", "GET"),
    ("HEAD", "/v1/order/ord_1", "GET"),
    ("PROPFIND", "/v1/order", "POST"),
])
def test_wrong_method_answers_405_json_with_allow(client, method, path, allowed):
    response = client.open(path, method=method, headers=headers())
    assert response.status_code == 405
    assert response.headers["Allow"] == allowed
    if method != "HEAD":
        assert_error(response, 405, "Method not allowed")
    elif client.name in ("served", "in_process"):
        assert response.data == b""


def test_the_root_sends_a_browser_to_the_dashboard_and_is_404_without_control(client, backend):
    for prefix in ("", "/ns/someone"):
        home = client.get(prefix + "/")
        assert (home.status_code, home.headers["Location"]) == (302, prefix + "/__mock/ui")
        for page in ("/__mock/ui", "/__mock/ui/"):
            dashboard = client.get(prefix + page)
            assert dashboard.status_code == 200
            assert dashboard.headers["Content-Type"] == "text/html; charset=utf-8"
    assert_error(create_app(backend, Options(control=False)).test_client().get("/"), 404,
                 "Not found")
    assert client.get("/__mock/requests").get_json() == {"requests": []}


def test_an_order_id_may_be_any_percent_encoded_text(client):
    order_ids = ["%00", "%e2%80%ae", "%ff%fe", "...", "a" * 5000, "%0d%0aSet-Cookie:x"]
    if client.name in ("handler", "flask"):
        # `requests` resolves a dot segment before it sends the path: only these two doors
        # can bring one to the mock.
        order_ids.append("..")
    for order_id in order_ids:
        assert_error(client.get(f"/v1/order/{order_id}", headers=headers()), 404,
                     "Order not found")


def test_a_body_over_1_mib_answers_413(client, backend):
    response = client.post("/v1/order", data=b" " * (MAX_BODY_BYTES + 1),
                           headers=headers(**{"Content-Type": "application/json"}))
    assert_error(response, 413, "Request body is larger than 1 MiB")
    assert backend.orders() == []


def test_a_body_of_exactly_1_mib_is_read(client):
    raw = b'{"productId": "METAL_CARD", "paymentMethod": "CRYPTO_EXTERNAL_DAIMO"}'
    raw += b" " * (MAX_BODY_BYTES - len(raw))
    response = client.post("/v1/order", data=raw,
                           headers=headers(**{"Content-Type": "application/json"}))
    assert_valid(response, "create-order-response.json")


def test_bad_input_loses_no_stored_order(client):
    order_id = create(client)["orderId"]
    client.post("/v1/order", data=b"[" * 100_000, headers=headers(
        **{"Content-Type": "application/json"}))
    client.post("/v1/order", data=b"x" * (MAX_BODY_BYTES + 10), headers=headers())
    client.get("/" + "%00" * 1000)
    client.open("/v1/order", method="TRACE")
    assert [poll(client, order_id)["status"] for _ in range(3)] == ["STARTED", "STARTED",
                                                                    "COMPLETED"]


def test_cors_preflight_lets_a_browser_app_call_the_mock(client):
    response = client.options("/v1/order", headers={
        "Origin": "http://localhost:3000", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type, x-client-id"})
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    allowed = response.headers["Access-Control-Allow-Headers"].lower()
    assert {"authorization", "content-type", "x-client-id"} <= {
        name.strip() for name in allowed.split(",")}
    created = client.post("/v1/order", json=ORDER_BODY, headers=headers())
    assert created.headers["Access-Control-Allow-Origin"] == "*"


def test_preflight_of_an_unknown_path_is_404(client):
    assert_error(client.options("/v1/nothing"), 404, "Not found")


def test_a_bug_in_the_mock_is_a_json_500_in_every_adapter(backend, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(backend, "authenticate", broken)
    served = create_app(backend).test_client().get("/v1/order/products/available",
                                                   headers=headers())
    assert_error(served, 500, "Internal server error")
    with BaanxMock() as mock:
        monkeypatch.setattr(mock.backend, "authenticate", broken)
        reply = requests.get(mock.base_url + "/v1/order/products/available",
                             headers=mock.headers())
    assert reply.status_code == 500
    assert reply.json() == {"message": "Internal server error"}
    assert "simulated bug" in caplog.text


def test_a_route_added_to_the_flask_app_is_served_beside_the_mock(backend):
    app = create_app(backend)
    app.add_url_rule("/health", "health", lambda: {"status": "fine"})
    client = app.test_client()
    assert client.get("/health").json == {"status": "fine"}
    assert client.get("/v1/order/products/available", headers=headers()).status_code == 200
