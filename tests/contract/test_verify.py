"""`mock-baanx verify` and the contract suite: green on the mock, and drift named exactly."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import responses

from mock_baanx import BaanxMock, create_app
from mock_baanx.cli import main
from mock_baanx.protocol.messages import Reply, Request
from mock_baanx.transports.thread_server import BackgroundServer

ROOT = Path(__file__).resolve().parents[2]
DRIFTED = "https://drifted.baanx.test"
CREDENTIALS = ["--client-id", "demo-client", "--token", "demo-token"]


@pytest.fixture(scope="module")
def served() -> Iterator[BackgroundServer]:
    server = BackgroundServer(create_app())
    yield server
    server.stop()


def verify(capsys, *args: str) -> tuple[int, str]:
    code = main(["verify", *args])
    return code, capsys.readouterr().out


def test_verify_passes_on_the_in_process_mock(capsys):
    with BaanxMock():
        code, out = verify(capsys, "--base-url", "https://api.baanx.com", *CREDENTIALS,
                           "--poll-interval", "0")
    assert code == 0, out
    assert "0 failed" in out
    assert "(a mock-baanx with its control API)" in out


def test_verify_passes_on_the_served_mock_in_a_child_process(served):
    result = subprocess.run(
        [sys.executable, "-m", "mock_baanx", "verify", "--base-url", served.url,
         "--ineligible-token", "ineligible-token", "--poll-interval", "0"],
        capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "BAANX_CLIENT_ID": "demo-client", "BAANX_ACCESS_TOKEN": "demo-token"})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "13 checks: 13 passed, 0 failed, 0 skipped: the target conforms" in result.stdout


@pytest.mark.slow
def test_the_contract_suite_passes_against_the_served_mock(served):
    env = {**os.environ, "BAANX_BASE_URL": served.url, "BAANX_CLIENT_ID": "demo-client",
           "BAANX_ACCESS_TOKEN": "demo-token", "BAANX_INELIGIBLE_TOKEN": "ineligible-token"}
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                             str(ROOT / "contract_tests")], cwd=ROOT, capture_output=True,
                            text=True, timeout=120, check=False, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"\b13 passed\b", result.stdout), result.stdout


class Drifted:
    """A target that answers like the mock, but with one reply rewritten."""

    def __init__(self, rewrite: Callable[[Request, Any], Any]) -> None:
        self.inner = BaanxMock(control=False, strict=False)
        self.rewrite = rewrite

    def respond(self, prepared: requests.PreparedRequest) -> tuple[int, dict, bytes]:
        path = prepared.path_url.split("?")[0]
        body = prepared.body or b""
        request = Request.build(str(prepared.method), path, prepared.headers.items(),
                                body.encode() if isinstance(body, str) else body)
        reply = self.inner.handle(request)
        payload = self.rewrite(request, (reply.status, json.loads(reply.body)))
        changed = Reply.json(payload[0], payload[1])
        return changed.status, dict(changed.headers), changed.body

    def __enter__(self) -> Drifted:
        self.mock = responses.RequestsMock(assert_all_requests_are_fired=False)
        for method in ("GET", "POST"):
            self.mock.add_callback(method, re.compile(re.escape(DRIFTED) + r"/.*"),
                                   callback=self.respond, content_type=None)
        self.mock.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.mock.stop()


def pending(request, reply):
    status, body = reply
    if request.method == "GET" and request.path.startswith("/v1/order/ord_"):
        body = {**body, "status": "PENDING"}
    return status, body


def amount_as_text(request, reply):
    status, body = reply
    if request.method == "POST" and status == 200:
        body["paymentConfig"]["paymentAmount"] = str(body["paymentConfig"]["paymentAmount"])
    return status, body


def no_order_id(request, reply):
    status, body = reply
    if request.method == "POST" and status == 200:
        del body["orderId"]
    return status, body


def other_error_shape(request, reply):
    status, body = reply
    if status >= 400:
        body = {"error": {"code": status, "detail": body["message"]}}
    return status, body


def wrapped_array(request, reply):
    status, body = reply
    if request.path == "/v1/order/products/available" and status == 200:
        body = {"products": body}
    return status, body


def echoes_the_token(request, reply):
    status, body = reply
    if status == 401:
        body = {"message": f"Not authenticated: {request.header('authorization')}",
                "hint": "demo-client"}
    return status, body


@pytest.mark.parametrize(("rewrite", "expected"), [
    (pending, 'GET /v1/order/{orderId}  $.status  expected one of '
              'STARTED|COMPLETED|FAILED|EXPIRED  got "PENDING"'),
    (amount_as_text, 'POST /v1/order  $.paymentConfig.paymentAmount  expected type number  '
                     'got "199"'),
    (no_order_id, "POST /v1/order  $.orderId  required field  got nothing (missing)"),
    (other_error_shape, "GET /v1/order/products/available  $.message  required field  "
                        "got nothing (missing)"),
    (other_error_shape, 'GET /v1/order/products/available  $.error  undocumented field  '
                        'got {"code": 499, "detail": "Missing client key"}'),
    (wrapped_array, 'GET /v1/order/products/available  $  expected type array  got '
                    '{"products": [{"id": "PREMIUM_SUBSCRIPTION"'),
])
def test_drift_exits_1_and_names_the_field(capsys, rewrite, expected):
    with Drifted(rewrite):
        code, out = verify(capsys, "--base-url", DRIFTED, *CREDENTIALS, "--allow-orders",
                           "--poll-interval", "0")
    assert code == 1, out
    assert expected in out
    assert out.rstrip().endswith("drift found")


def test_credentials_never_appear_in_any_report(capsys, tmp_path):
    junit = tmp_path / "report.xml"
    with Drifted(echoes_the_token):
        code, out = verify(capsys, "--base-url", DRIFTED, *CREDENTIALS, "--json",
                           "--junit-xml", str(junit))
    assert code == 1
    written = junit.read_text()
    for text in (out, written):
        assert "demo-token" not in text
        assert "demo-client" not in text
    assert "<redacted>" in out


def test_json_and_junit_reports(capsys, tmp_path):
    junit = tmp_path / "report.xml"
    with Drifted(pending):
        code, out = verify(capsys, "--base-url", DRIFTED, *CREDENTIALS, "--allow-orders",
                           "--json", "--junit-xml", str(junit))
    assert code == 1
    document = json.loads(out)
    assert document["conforms"] is False
    failed = [check for check in document["checks"] if check["outcome"] == "fail"]
    assert [check["name"] for check in failed] == ["order_status_conforms"]
    assert failed[0]["findings"][0] == {
        "jsonPath": "$.status", "rule": "expected one of STARTED|COMPLETED|FAILED|EXPIRED",
        "actual": '"PENDING"'}
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite.get("failures") == "1"
    assert suite.find("testcase[@name='order_status_conforms']/failure") is not None


def test_without_allow_orders_a_live_target_gets_no_order(capsys):
    with Drifted(lambda request, reply: reply) as drifted:
        code, out = verify(capsys, "--base-url", DRIFTED, *CREDENTIALS)
        created = drifted.inner.backend.orders()
    assert code == 0, out
    assert created == []
    assert "SKIP  POST /v1/order                    create_order_conforms" in out


def test_an_unreachable_target_exits_2_with_one_line(capsys):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    code = main(["verify", "--base-url", f"http://user:secret@127.0.0.1:{port}", *CREDENTIALS])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1
    assert f"target unreachable: ConnectionError talking to http://127.0.0.1:{port}" in err
    assert "secret" not in err


def test_missing_credentials_exit_2(capsys, monkeypatch):
    monkeypatch.delenv("BAANX_ACCESS_TOKEN", raising=False)
    monkeypatch.delenv("BAANX_CLIENT_ID", raising=False)
    assert main(["verify", "--base-url", "http://127.0.0.1:9"]) == 2
    assert "give --client-id and --token" in capsys.readouterr().err
