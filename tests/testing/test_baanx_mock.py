"""BaanxMock: hosts, passthrough, control methods, and activation.

That it answers as the other doors do is tests/protocol's business (every behaviour test
runs through it) and tests/transports/test_served_parity.py's."""

from __future__ import annotations

import contextlib
import subprocess
import sys

import pytest
import requests
import responses

from mock_baanx import BaanxMock
from mock_baanx.testing.control_client import ControlError

from ..helpers import ORDER_BODY

PRODUCTS = "/v1/order/products/available"


def test_default_hosts_and_custom_base_urls():
    with BaanxMock() as mock:
        for host in ("https://api.baanx.com", "https://dev.api.baanx.com"):
            assert requests.get(host + PRODUCTS, headers=mock.headers()).status_code == 200
    with BaanxMock(base_urls=["http://baanx.local/"], passthrough=False) as mock:
        assert requests.get("http://baanx.local" + PRODUCTS,
                            headers=mock.headers()).status_code == 200
        # A base URL is not a prefix of host names.
        with pytest.raises(requests.ConnectionError, match="BaanxMock lets no request through"):
            requests.get("http://baanx.local.evil" + PRODUCTS, timeout=1)


def test_passthrough_false_refuses_other_hosts():
    with BaanxMock(passthrough=False), pytest.raises(requests.ConnectionError,
                                                     match="BaanxMock lets no request through"):
        requests.get("http://127.0.0.1:9/anything", timeout=1)


def test_passthrough_list_lets_only_those_through():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as outer:
        outer.get("https://allowed.example/x", json={"ok": 1})
        outer.get("https://blocked.example/x", json={"ok": 2})
        outer.get("https://allowed.example.evil.test/x", json={"ok": 3})
        with BaanxMock(passthrough=["https://allowed.example"]):
            assert requests.get("https://allowed.example/x").json() == {"ok": 1}
            with pytest.raises(requests.ConnectionError):
                requests.get("https://blocked.example/x")
            # A host whose name begins with an allowed one's is another host.
            with pytest.raises(requests.ConnectionError):
                requests.get("https://allowed.example.evil.test/x")


def test_two_mocks_in_one_process_share_nothing():
    with BaanxMock(base_urls=["https://one.test"]) as one, \
            BaanxMock(base_urls=["https://two.test"]) as two:
        requests.post("https://one.test/v1/order", json=ORDER_BODY, headers=one.headers())
        assert len(one.orders()) == 1
        assert two.orders() == []


def test_control_methods_refuse_like_the_http_api():
    with BaanxMock() as mock:
        with pytest.raises(ControlError) as refused:
            mock.inject_fault("deleteOrder", status=500)
        assert refused.value.status == 422
        with pytest.raises(ControlError, match="404: Order not found"):
            mock.force_status("ord_nope", "FAILED")
        assert mock.health()["status"] == "ok"


def test_control_methods_script_the_mock():
    with BaanxMock() as mock:
        order_id = requests.post(mock.base_url + "/v1/order", json=ORDER_BODY,
                                 headers=mock.headers()).json()["orderId"]
        mock.advance_clock(10)
        requests.get(f"{mock.base_url}/v1/order/{order_id}", headers=mock.headers())
        assert len(mock.poll_times(order_id)) == 1
        assert mock.force_status(order_id, "FAILED", note="payment_bounced")["status"] == (
            "FAILED")
        assert [entry["endpoint"] for entry in mock.journal()] == ["createOrder",
                                                                  "getOrderStatus"]
        mock.clear_journal()
        assert mock.journal() == []
        mock.reset()
        assert mock.orders() == []


def test_a_chunked_body_is_read():
    def chunks():
        yield b'{"productId": "METAL_CARD", '
        yield b'"paymentMethod": "CRYPTO_EXTERNAL_DAIMO"}'

    with BaanxMock() as mock:
        reply = requests.post(mock.base_url + "/v1/order", data=chunks(),
                              headers=mock.headers(**{"Content-Type": "application/json"}))
        assert reply.status_code == 200


def test_decorator_starts_and_stops():
    mock = BaanxMock()

    @mock
    def call() -> int:
        return requests.get(mock.base_url + PRODUCTS, headers=mock.headers()).status_code

    assert call() == 200
    # Stopped after the call: the host is the network's again (nothing answers on .invalid).
    with pytest.raises(requests.ConnectionError):
        requests.get("https://api.baanx.invalid" + PRODUCTS, timeout=1)
    with BaanxMock(base_urls=["https://api.baanx.invalid"]) as other:
        assert requests.get(other.base_url + PRODUCTS, headers=other.headers()).ok
    with pytest.raises(requests.ConnectionError):
        requests.get("https://api.baanx.invalid" + PRODUCTS, timeout=1)


def test_max_orders_bounds_what_the_mock_keeps():
    with BaanxMock(max_orders=2) as baanx:
        for _ in range(3):
            requests.post(f"{baanx.base_url}/v1/order", json=ORDER_BODY,
                          headers=baanx.headers()).raise_for_status()
        assert len(baanx.backend.orders()) == 2


def test_the_in_process_mock_and_the_plugin_import_no_web_framework():
    """BaanxMock serves `requests` in-process: Flask, Werkzeug and the HTTP servers are the
    served mock's, and loading the pytest plugin imports nothing of the mock at all."""
    script = (
        "import sys\n"
        "import mock_baanx.testing.pytest_plugin\n"
        "loaded = {name.split('.')[0] for name in sys.modules}\n"
        "assert not {'flask', 'werkzeug', 'requests', 'jsonschema_rs'} & loaded, loaded\n"
        "from mock_baanx import BaanxMock\n"
        "with BaanxMock():\n"
        "    pass\n"
        "loaded = {name.split('.')[0] for name in sys.modules}\n"
        "print(sorted({'flask', 'werkzeug', 'granian', 'waitress'} & loaded))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=60, check=True)
    assert result.stdout.strip() == "[]"


def test_your_responses_mocks_work_beside_it_whichever_starts_first():
    for ours_first in (True, False):
        with contextlib.ExitStack() as stack:
            if ours_first:
                baanx = stack.enter_context(BaanxMock())
                yours = stack.enter_context(responses.RequestsMock())
            else:
                yours = stack.enter_context(responses.RequestsMock())
                baanx = stack.enter_context(BaanxMock())
            yours.get("https://pricing.example/rate", json={"USDC": 1.0})
            assert requests.get("https://pricing.example/rate").json() == {"USDC": 1.0}
            assert requests.get(baanx.base_url + PRODUCTS, headers=baanx.headers()).ok


def test_it_answers_through_a_responses_mock_of_its_own_that_holds_no_calls():
    with BaanxMock() as baanx:
        door = baanx.adapter_for(baanx.base_url).door
        assert isinstance(door.responses, responses.RequestsMock)
        assert responses.mock.registered() == []  # yours stays untouched
        session = requests.Session()
        for _ in range(50):
            assert session.get(baanx.base_url + PRODUCTS, headers=baanx.headers()).ok
        assert session.get(baanx.base_url + "/v1/nowhere").status_code == 404
        assert len(door.responses.calls) <= 1
        assert all(len(route.calls) <= 1 for route in door.responses.registered())


def test_responses_activate_inside_a_test_that_uses_the_fixture(pytester):
    pytester.makepyfile(test_both="""
import requests
import responses

@responses.activate
def test_both(baanx_mock):
    responses.get("https://pricing.example/rate", json={"USDC": 1.0})
    assert requests.get("https://pricing.example/rate").json() == {"USDC": 1.0}
    reply = requests.get(baanx_mock.base_url + "/v1/order/products/available",
                         headers=baanx_mock.headers())
    assert reply.status_code == 200

def test_started_inside(baanx_mock):
    with responses.RequestsMock() as yours:
        yours.get("https://pricing.example/rate", json={"USDC": 2.0})
        assert requests.get("https://pricing.example/rate").json() == {"USDC": 2.0}
        assert requests.get(baanx_mock.base_url + "/v1/order/products/available",
                            headers=baanx_mock.headers()).ok
""")
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_headers_spells_keyword_names_as_headers():
    mock = BaanxMock()
    assert mock.headers(x_mock_fault="503")["X-Mock-Fault"] == "503"
    assert mock.headers(**{"X-Mock-Delay-Ms": "5"})["X-Mock-Delay-Ms"] == "5"
    assert "x_mock_fault" not in mock.headers(x_mock_fault="503")
    with mock:
        reply = requests.get(mock.base_url + PRODUCTS, headers=mock.headers(x_mock_fault="503"))
    assert reply.status_code == 503


def test_fixtures_may_be_a_dict_shaped_like_a_fixtures_file():
    with BaanxMock(fixtures={"users": {"add": [{"token": "carol-token", "id": "carol"}]}}) as mock:
        assert requests.get(mock.base_url + PRODUCTS, headers=mock.headers("carol-token")).ok
        assert requests.get(mock.base_url + PRODUCTS, headers=mock.headers()).ok
