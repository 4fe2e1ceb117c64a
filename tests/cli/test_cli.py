"""`mock-baanx serve` as a user runs it: a real process, real HTTP, real signals."""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest
import requests

from ..helpers import ORDER_BODY, address_of, headers
from ..served import START_TIMEOUT, Served, run_cli

pytestmark = pytest.mark.served


@pytest.fixture
def served() -> Iterator[Served]:
    server = Served()
    yield server
    if server.process.poll() is None:
        server.stop()


def test_serves_the_three_endpoints_over_http(served):
    session = requests.Session()
    products = session.get(f"{served.url}/v1/order/products/available", headers=headers())
    assert products.status_code == 200
    assert products.headers["Content-Type"] == "application/json"
    created = session.post(f"{served.url}/v1/order", json=ORDER_BODY, headers=headers())
    assert created.status_code == 200
    order_id = created.json()["orderId"]
    statuses = [session.get(f"{served.url}/v1/order/{order_id}", headers=headers())
                .json()["status"] for _ in range(3)]
    assert statuses == ["STARTED", "STARTED", "COMPLETED"]
    assert session.get(f"{served.url}/__mock/health").json()["status"] == "ok"


def test_one_log_line_per_request_and_never_a_token(served):
    requests.get(f"{served.url}/v1/order/products/available",
                 headers=headers("demo-token"))
    requests.get(f"{served.url}/v1/order/ord_x?token=secret-in-query",
                 headers=headers("demo-token"))
    requests.get(f"{served.url}/evil%0d%0aFORGED 200")
    assert served.stop() == 0
    output = served.output()
    request_lines = [line for line in output if line.startswith(("GET ", "POST "))]
    assert len(request_lines) == 3
    assert re.fullmatch(r"GET /v1/order/products/available 200 \d+\.\d ms", request_lines[0])
    assert re.fullmatch(r"GET /v1/order/ord_x 404 \d+\.\d ms", request_lines[1])
    assert re.fullmatch(r"GET /evil%0D%0AFORGED%20200 404 \d+\.\d ms", request_lines[2])
    text = "\n".join(output)
    assert "demo-token" not in text
    assert "secret-in-query" not in text
    assert output[-1] == "mock-baanx stopped", output


@pytest.mark.parametrize("log_control", [False, True])
def test_control_requests_are_logged_only_when_asked(log_control):
    served = Served(*(["--log-control"] if log_control else []))
    requests.get(f"{served.url}/__mock/orders", timeout=10)
    requests.get(f"{served.url}/ns/job/__mock/ui", timeout=10)
    requests.get(f"{served.url}/openapi.json", timeout=10)
    requests.get(f"{served.url}/ns/job/v1/order/products/available", headers=headers(),
                 timeout=10)
    assert served.stop() == 0
    logged = [line.rsplit(" ", 3)[0] for line in served.output() if line.startswith("GET ")]
    control = ["GET /__mock/orders", "GET /ns/job/__mock/ui", "GET /openapi.json"]
    assert logged == [*(control if log_control else []),
                      "GET /ns/job/v1/order/products/available"]


def test_ctrl_c_stops_cleanly(served):
    assert served.stop(signal.SIGINT) == 0
    assert served.output()[-1] == "mock-baanx stopped"


# A server whose announcement is interrupted by Ctrl-C between its two lines, as a user's
# Ctrl-C (or a test's SIGTERM) may come the moment the first line is read.
STOPPED_WHILE_ANNOUNCING = """
import os, signal, sys
from mock_baanx import create_app

from mock_baanx.transports import granian_server

def announce(port):
    print("first line of the announcement", file=sys.stderr, flush=True)
    os.kill(os.getpid(), signal.SIGINT)
    print("second line of the announcement", file=sys.stderr, flush=True)

deferred = granian_server.DeferredSleep()
granian_server.serve(create_app(), deferred, "127.0.0.1", 0, announce, lambda line: None,
                     lambda: print("stopped", file=sys.stderr, flush=True))
"""


def test_a_stop_during_the_announcement_waits_for_its_last_line():
    finished = subprocess.run([sys.executable, "-c", STOPPED_WHILE_ANNOUNCING],
                              capture_output=True, text=True, timeout=START_TIMEOUT)
    assert finished.returncode == 0, finished.stderr
    assert finished.stderr.splitlines() == ["first line of the announcement",
                                            "second line of the announcement", "stopped"]




def test_huge_and_hostile_requests_get_json_and_the_server_keeps_serving(served):
    too_big = requests.post(f"{served.url}/v1/order", data=b"x" * (2 * 1024 * 1024),
                            headers=headers(**{"Content-Type": "application/json"}))
    assert too_big.status_code == 413
    assert too_big.json() == {"message": "Request body is larger than 1 MiB"}
    deep = requests.post(f"{served.url}/v1/order", data=b"[" * 200_000,
                         headers=headers(**{"Content-Type": "application/json"}))
    assert deep.status_code == 422
    long_path = requests.get(f"{served.url}/v1/order/{'a' * 60_000}", headers=headers())
    assert long_path.status_code == 414
    assert long_path.json() == {"message": "Request URL is too long"}
    weird = requests.request("BREW", f"{served.url}/v1/order", headers=headers())
    assert weird.status_code == 405
    assert weird.json() == {"message": "Method not allowed"}
    assert requests.get(f"{served.url}/__mock/health").status_code == 200


def test_a_delayed_reply_holds_up_no_one_else(served):
    """A reply delayed on purpose is held back without holding the event loop: everyone
    else is answered while it still waits. The delay is the longest there is, so its reply
    cannot come during the test; the test waits for nothing but the others' replies."""
    delayed = socket.create_connection(address_of(served.url), timeout=10)
    try:
        delayed.sendall(b"GET /v1/order/products/available HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        b"X-Client-ID: demo-client\r\nAuthorization: Bearer demo-token\r\n"
                        b"X-Mock-Delay-Ms: 60000\r\n\r\n")
        for _ in range(5):
            reply = requests.get(f"{served.url}/v1/order/products/available",
                                 headers=headers(), timeout=10)
            assert reply.status_code == 200
        delayed.setblocking(False)
        with pytest.raises(BlockingIOError):
            delayed.recv(1)  # Nothing yet: the delayed reply is still held back.
    finally:
        delayed.close()


def test_a_chunked_create_is_read_whole(served):
    body = json.dumps(ORDER_BODY).encode()
    created = requests.post(f"{served.url}/v1/order", data=iter([body[:10], body[10:]]),
                            headers=headers(**{"Content-Type": "application/json"}), timeout=30)
    assert created.request.headers["Transfer-Encoding"] == "chunked"
    assert created.status_code == 200
    assert created.json()["orderId"].startswith("ord_")


def test_no_control_hides_every_mock_path():
    server = Served("--no-control")
    try:
        for path in ("/__mock/health", "/__mock/orders", "/__mock/reset"):
            response = requests.get(server.url + path)
            assert response.status_code == 404
            assert response.json() == {"message": "Not found"}
        # X-Mock-* headers are ignored, as the real API would ignore them.
        response = requests.get(f"{server.url}/v1/order/products/available",
                                headers=headers(**{"X-Mock-Fault": "500"}))
        assert response.status_code == 200
    finally:
        server.stop()


def test_a_missing_fixtures_path_exits_2_naming_it(tmp_path):
    result = run_cli("serve", "--port", "0", "--fixtures", str(tmp_path / "nope.json"))
    assert result.returncode == 2
    assert f"{tmp_path / 'nope.json'}: no such file or folder" in result.stderr


def test_a_malformed_fixtures_file_exits_2_naming_file_and_field(tmp_path):
    (tmp_path / "products.json").write_text(json.dumps(
        [{"id": "P", "description": "x", "paymentConfig": {"paymentAmount": "a lot"}}]))
    result = run_cli("serve", "--port", "0", "--fixtures", str(tmp_path))
    assert result.returncode == 2
    assert str(tmp_path / "products.json") in result.stderr
    assert "$[0].paymentConfig" in result.stderr


def test_an_unknown_default_lifecycle_exits_2():
    result = run_cli("serve", "--port", "0", "--lifecycle", "sometimes")
    assert result.returncode == 2
    assert "--lifecycle must be one of: complete, complete-after-30s" in result.stderr


def test_a_busy_port_is_a_clear_error(served):
    port = served.url.rsplit(":", 1)[1]
    result = run_cli("serve", "--port", port)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"mock-baanx: cannot listen on 127.0.0.1:{port}: Address already in use"]
    # The mock already there still answers alone: the second one never shared its port.
    assert requests.get(f"{served.url}/__mock/health", timeout=10).status_code == 200


@pytest.mark.parametrize(("host", "control", "warned"), [
    ("127.0.0.1", True, False),
    ("127.0.0.2", True, False),
    ("localhost", True, False),
    ("::1", True, False),
    ("0.0.0.0", True, True),
    ("::", True, True),
    ("192.168.1.20", True, True),
    ("0.0.0.0", False, False),
])
def test_binding_beyond_loopback_with_control_on_warns(host, control, warned):
    from mock_baanx.cli.serve import exposure_warning

    warning = exposure_warning(host, control)
    assert (warning is not None) == warned
    if warned:
        assert f"bound to {host} with the control API on" in warning


@pytest.mark.parametrize(("option", "value"), [("--port", "70000"), ("--port", "-1"),
                                               ("--port", "http"), ("--max-orders", "-5"),
                                               ("--max-orders", "0")])
def test_bad_numbers_are_usage_errors(option, value):
    result = run_cli("serve", option, value)
    assert result.returncode == 2
    assert f"argument {option}" in result.stderr
    assert "Traceback" not in result.stderr


def test_two_servers_with_the_same_seed_hand_out_the_same_first_ids():
    first_ids = []
    for _ in range(2):
        server = Served("--seed", "7")
        try:
            first_ids.append([requests.post(f"{server.url}/v1/order", json=ORDER_BODY,
                                            headers=headers(), timeout=10).json()["orderId"]
                              for _ in range(3)])
        finally:
            server.stop()
    assert first_ids[0] == first_ids[1]
    assert len(set(first_ids[0])) == 3


@pytest.mark.parametrize("value", ["-1", "seven", "1.5"])
def test_a_seed_that_is_not_a_whole_number_is_a_usage_error(value):
    result = run_cli("serve", "--port", "0", "--seed", value)
    assert result.returncode == 2
    assert "--seed" in result.stderr


@pytest.mark.parametrize("url", ["127.0.0.1:4010", "localhost:4010", "ftp://example.com",
                                 "http://", "http://host:notaport"])
def test_verify_refuses_a_base_url_it_cannot_use_in_one_line(url):
    result = run_cli("verify", "--base-url", url, "--client-id", "c", "--token", "t")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("mock-baanx verify: --base-url ")
    assert "Traceback" not in result.stderr


def test_version():
    result = run_cli("--version")
    assert (result.returncode, result.stdout.strip()) == (0, "mock-baanx 0.1.0")


def test_the_ready_file_says_where_the_mock_answers_and_goes_when_it_stops(tmp_path):
    ready = tmp_path / "ready.json"
    served = Served("--ready-file", str(ready))
    try:
        written = json.loads(ready.read_text())
        assert written == {"url": served.url, "pid": served.process.pid}
        assert requests.get(f"{written['url']}/__mock/health", timeout=10).ok
    finally:
        assert served.stop() == 0
    assert not ready.exists()


def test_a_second_server_on_one_state_file_exits_2_naming_the_first(tmp_path):
    state = tmp_path / "state.sqlite"
    first = Served("--state-file", str(state))
    (tmp_path / "link.sqlite").symlink_to(state)
    try:
        for spelling in (state, tmp_path / "link.sqlite"):
            second = run_cli("serve", "--port", "0", "--state-file", str(spelling))
            assert second.returncode == 2
            assert f"is in use by mock-baanx pid {first.process.pid}" in second.stderr
    finally:
        first.stop()
    third = Served("--state-file", str(state))  # free again once the first has stopped
    third.stop()


def test_without_control_the_mock_has_no_document_and_offers_no_mock_headers():
    served = Served("--no-control")
    try:
        assert requests.get(f"{served.url}/openapi.json", timeout=10).status_code == 404
        preflight = requests.options(f"{served.url}/v1/order", timeout=10, headers={
            "Origin": "http://localhost:3000", "Access-Control-Request-Method": "POST"})
        assert preflight.status_code == 204
        assert "X-Mock" not in preflight.headers["Access-Control-Allow-Headers"]
        assert "X-Client-ID" in preflight.headers["Access-Control-Allow-Headers"]
    finally:
        served.stop()
