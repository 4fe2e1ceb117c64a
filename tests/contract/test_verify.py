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
from mock_baanx.protocol import Options
from mock_baanx.protocol.messages import Reply, Request
from mock_baanx.testing.control_client import ControlError, HttpControl
from mock_baanx.transports.thread_server import BackgroundServer

from .stand_ins import (
    BusyOnce,
    ChangesAfterFinal,
    added_field,
    amount_as_text,
    echoes_the_token,
    no_order_id,
    other_error_shape,
    pending,
    refuses_every_token,
    wrapped_array,
)

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


def verify_stand_in(capsys, *args: str) -> tuple[int, str]:
    """verify against the stand-in upstream, unpaced: it is in this process."""
    return verify(capsys, "--base-url", DRIFTED, *CREDENTIALS, "--pace", "0", *args)


def test_verify_passes_on_the_in_process_mock(capsys):
    with BaanxMock():
        code, out = verify(capsys, "--base-url", "https://api.baanx.com", *CREDENTIALS,
                           "--poll-interval", "0")
    assert code == 0, out
    assert "0 failed" in out
    assert "(a mock-baanx with its control API)" in out


def test_verify_passes_on_the_served_mock_without_credentials_and_in_its_own_namespace(
        served, monkeypatch):
    monkeypatch.delenv("BAANX_ACCESS_TOKEN", raising=False)
    monkeypatch.delenv("BAANX_CLIENT_ID", raising=False)
    # The docs' 3 s between polls, which the mock's clock covers: no real waiting.
    result = subprocess.run(
        [sys.executable, "-m", "mock_baanx", "verify", "--base-url", served.url,
         "--require-all"],
        capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.rstrip().endswith(
        "13 checks: 13 passed, 0 failed, 0 skipped: the target conforms")
    # Nothing of the run is left where another consumer of the mock would see it.
    assert requests.get(served.url + "/__mock/orders").json()["orders"] == []
    assert requests.get(served.url + "/__mock/clock").json()["offsetSeconds"] == 0


@pytest.mark.slow
def test_the_contract_suite_passes_against_the_served_mock(served):
    env = {**os.environ, "BAANX_BASE_URL": served.url, "BAANX_CLIENT_ID": "demo-client",
           "BAANX_ACCESS_TOKEN": "demo-token", "BAANX_INELIGIBLE_TOKEN": "ineligible-token"}
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                             str(ROOT / "contract_tests")], cwd=ROOT, capture_output=True,
                            text=True, timeout=120, check=False, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"\b13 passed\b", result.stdout), result.stdout


@pytest.mark.slow
def test_the_contract_suite_skips_what_a_target_without_the_control_api_cannot_run():
    live = BackgroundServer(create_app(options=Options(control=False)))
    try:
        env = {**os.environ, "BAANX_BASE_URL": live.url, "BAANX_CLIENT_ID": "demo-client",
               "BAANX_ACCESS_TOKEN": "demo-token"}
        result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p",
                                 "no:cacheprovider", str(ROOT / "contract_tests")], cwd=ROOT,
                                capture_output=True, text=True, timeout=120, check=False,
                                env=env)
    finally:
        live.stop()
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"SKIPPED \[1\] contract_tests/test_contract.py:\d+: needs scripted "
                     r"lifecycles \(/__mock/\)", result.stdout), result.stdout


class Drifted:
    """A stand-in upstream: answers like the mock, but with replies rewritten. A rewrite
    returns (status, body) or (status, body, extra headers). With `control`, it is a
    mock-baanx with its control API (whose own replies are never rewritten)."""

    def __init__(self, rewrite: Callable[[Request, Any], Any], control: bool = False) -> None:
        self.inner = BaanxMock(control=control, strict=False)
        self.rewrite = rewrite

    def respond(self, prepared: requests.PreparedRequest) -> tuple[int, dict, bytes]:
        path = prepared.path_url.split("?")[0]
        body = prepared.body or b""
        request = Request.build(str(prepared.method), path, prepared.headers.items(),
                                body.encode() if isinstance(body, str) else body)
        reply = self.inner.handle(request)
        if "/__mock/" in path:
            return reply.status, dict(reply.headers), reply.body
        payload = self.rewrite(request, (reply.status, json.loads(reply.body)))
        changed = Reply.json(payload[0], payload[1])
        return changed.status, {**dict(changed.headers), **dict(payload[2:] and payload[2])}, \
            changed.body

    def __enter__(self) -> Drifted:
        self.mock = responses.RequestsMock(assert_all_requests_are_fired=False)
        for method in ("GET", "POST"):
            self.mock.add_callback(method, re.compile(re.escape(DRIFTED) + r"/.*"),
                                   callback=self.respond, content_type=None)
        self.mock.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.mock.stop()


@pytest.mark.parametrize(("rewrite", "expected"), [
    (pending, "GET /v1/order/{orderId}  $.status  [status.enum]  expected one of "
              'STARTED|COMPLETED|FAILED|EXPIRED  got "PENDING"'),
    (amount_as_text, "POST /v1/order  $.paymentConfig.paymentAmount  [create.shape]  "
                     'expected type number  got "199"'),
    (no_order_id, "POST /v1/order  $.orderId  [create.shape]  required field  "
                  "got nothing (missing)"),
    (other_error_shape, "GET /v1/order/products/available  $.message  [error.body]  "
                        "required field  got nothing (missing)"),
    (wrapped_array, "GET /v1/order/products/available  $  [products.shape]  expected type "
                    'array  got {"products": [{"id": "PREMIUM_SUBSCRIPTION"'),
])
def test_drift_exits_1_and_names_the_field_and_the_rule(capsys, rewrite, expected):
    with Drifted(rewrite):
        code, out = verify_stand_in(capsys, "--allow-orders", "--poll-interval", "0")
    assert code == 1, out
    assert expected in out
    assert "drift found" in out.splitlines()[-2:][0] + out.splitlines()[-1]


def test_a_final_status_that_changes_is_drift(capsys):
    with Drifted(ChangesAfterFinal(), control=True):
        code, out = verify_stand_in(capsys)
    assert code == 1, out
    assert ("GET /v1/order/{orderId}  $.status  [status.forward-only]  expected COMPLETED: a "
            'final status never changes  got "FAILED"') in out


def test_an_added_field_is_novelty_not_drift(capsys):
    with Drifted(added_field):
        code, out = verify_stand_in(capsys, "--allow-orders", "--poll-interval", "0")
    assert code == 0, out
    assert ("GET /v1/order/{orderId}  $.riskScore  [reply.added-fields] (novelty)  a field "
            "the docs do not mention  got 3") in out
    assert "1 novelties" in out
    with Drifted(added_field):
        code, out = verify_stand_in(capsys, "--allow-orders", "--poll-interval", "0",
                                    "--strict")
    assert code == 1, out


def test_an_error_in_another_shape_is_drift_and_its_new_field_novelty(capsys):
    with Drifted(other_error_shape):
        code, out = verify_stand_in(capsys)
    assert code == 1
    assert ("GET /v1/order/products/available  $.error  [reply.added-fields] (novelty)  "
            'a field the docs do not mention  got {"code": 499, "detail": "Missing client key"}'
            ) in out


def test_the_last_line_names_what_was_not_verified_and_require_all_fails_it(capsys):
    with Drifted(lambda request, reply: reply):
        code, out = verify_stand_in(capsys)
        assert code == 0, out
        assert out.splitlines()[-1] == (
            "not verified: ineligible products — name one who is not with --ineligible-token;"
            " order creation, order status — pass --allow-orders")
        code, out = verify_stand_in(capsys, "--require-all")
    assert code == 1
    assert "not everything was verified (--require-all)" in out


def test_the_json_report_counts_zeros_and_lists_each_skip_with_its_reason(capsys):
    with Drifted(lambda request, reply: reply):
        code, out = verify_stand_in(capsys, "--json")
    assert code == 0
    document = json.loads(out)
    assert document["summary"] == {"pass": 9, "fail": 0, "skip": 3, "notApplicable": 1,
                                   "novelty": 0}
    assert {"check": "create_order_conforms", "promise": "order creation",
            "reason": "creates an order", "remedy": "pass --allow-orders"
            } in document["unverified"]


def test_the_order_budget_is_never_exceeded(capsys):
    with Drifted(lambda request, reply: reply) as stand_in:
        code, out = verify_stand_in(capsys, "--allow-orders", "--max-orders", "0")
        assert code == 0, out
        assert stand_in.inner.backend.orders() == []
        assert "create_order_conforms (200 with orderId, requestId and paymentConfig): the " \
               "order budget of 0 is spent" in out
        code, out = verify_stand_in(capsys, "--allow-orders", "--max-orders", "1")
        assert len(stand_in.inner.backend.orders()) == 1, out
        # A request that would create an order on a target that drifted counts too.
        code, out = verify_stand_in(capsys, "--allow-orders", "--max-orders", "1",
                                    "--ineligible-token", "ineligible-token")
        assert code == 0, out
        assert len(stand_in.inner.backend.orders()) == 1, out
        assert "order creation, order status — raise --max-orders" in out


def test_retry_after_is_honoured(capsys):
    with Drifted(BusyOnce()):
        code, out = verify_stand_in(capsys)
    assert code == 0, out
    assert "PASS  GET /v1/order/products/available  products_conform" in out


def test_refused_credentials_are_not_drift(capsys):
    with Drifted(refuses_every_token):
        code = main(["verify", "--base-url", DRIFTED, *CREDENTIALS, "--pace", "0"])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert err == ("mock-baanx verify: the credentials, not drift: the target answered 401 to "
                   "GET /v1/order/products/available with them: check the token (expired or "
                   "mistyped?)\n")


def test_credentials_never_appear_in_any_report(capsys, tmp_path):
    junit = tmp_path / "report.xml"
    with Drifted(echoes_the_token):
        code, out = verify_stand_in(capsys, "--json", "--junit-xml", str(junit))
    assert code == 1
    written = junit.read_text()
    for text in (out, written):
        assert "demo-token" not in text
        assert "demo-client" not in text
    assert "<redacted>" in out


def test_json_and_junit_reports(capsys, tmp_path):
    junit = tmp_path / "report.xml"
    with Drifted(pending):
        code, out = verify_stand_in(capsys, "--allow-orders", "--poll-interval", "0", "--json",
                                    "--junit-xml", str(junit))
    assert code == 1
    document = json.loads(out)
    assert document["conforms"] is False
    failed = [check for check in document["checks"] if check["outcome"] == "fail"]
    assert [check["name"] for check in failed] == ["order_status_conforms"]
    assert failed[0]["findings"][0] == {
        "jsonPath": "$.status", "ruleId": "status.enum", "severity": "drift",
        "rule": "expected one of STARTED|COMPLETED|FAILED|EXPIRED", "actual": '"PENDING"'}
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite.get("failures") == "1"
    assert suite.find("testcase[@name='order_status_conforms']/failure") is not None


def test_without_allow_orders_a_live_target_gets_no_order(capsys):
    with Drifted(lambda request, reply: reply) as drifted:
        code, out = verify_stand_in(capsys)
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
    assert (f"the environment, not drift: connection to http://127.0.0.1:{port} refused"
            in err)
    assert "secret" not in err


UNREADABLE = "https://unreadable.baanx.test"


@pytest.mark.parametrize(("reply", "said"), [
    ({"body": requests.exceptions.ChunkedEncodingError("cut short")},
     "the reply from unreadable.baanx.test could not be read (ChunkedEncodingError)"),
    ({"body": requests.exceptions.ContentDecodingError("not gzip")},
     "the reply from unreadable.baanx.test could not be read (ContentDecodingError)"),
    ({"status": 301, "headers": {"Location": "https://elsewhere.baanx.test/v1/x"}},
     f"{UNREADABLE} answered 301, a redirect to https://elsewhere.baanx.test/v1/x: give "
     "--base-url the address it redirects to"),
    ({"status": 302, "headers": {"Location": "http://elsewhere.baanx.test:abc/x"}},
     f'{UNREADABLE} answered 302, a redirect to "http://elsewhere.baanx.test:abc/x": give '
     "--base-url the address it redirects to"),
])
def test_a_reply_that_cannot_be_read_or_redirects_is_the_environment(capsys, reply, said):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as target:
        target.add(responses.GET, re.compile(re.escape(UNREADABLE) + r"/.*"), **reply)
        code = main(["verify", "--base-url", UNREADABLE, *CREDENTIALS])
    err = capsys.readouterr().err
    assert code == 2
    assert err == f"mock-baanx verify: the environment, not drift: {said}\n"


def test_a_mock_whose_shared_state_is_away_is_the_environment(capsys):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as target:
        target.add(responses.GET, f"{UNREADABLE}/__mock/health", status=503,
                   json={"message": "the state database does not answer"})
        code = main(["verify", "--base-url", UNREADABLE])
    assert code == 2
    assert capsys.readouterr().err == (
        f"mock-baanx verify: the environment, not drift: {UNREADABLE}/__mock/health answered "
        '503: "the state database does not answer"\n')


@pytest.mark.parametrize("control_reply", [b"<html>not the control API</html>", b"[" * 100_000])
def test_a_health_that_says_ok_over_a_control_api_that_is_not_one_is_refused(capsys,
                                                                            control_reply):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as target:
        target.add(responses.GET, f"{UNREADABLE}/__mock/health", json={"status": "ok"})
        target.add(responses.GET, re.compile(re.escape(UNREADABLE) + r"/__mock/.+"),
                   body=control_reply)
        code = main(["verify", "--base-url", UNREADABLE])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith(f"mock-baanx verify: the mock-baanx at {UNREADABLE} refused its "
                          "control API: answered what is no JSON object")
    assert err.count("\n") == 1


def test_a_control_api_that_fails_mid_run_is_the_environment(capsys, monkeypatch):
    def store_gone(self, seconds):
        raise ControlError(503, "the mock's state database does not answer")

    monkeypatch.setattr(HttpControl, "advance_clock", store_gone)
    with Drifted(lambda request, reply: reply, control=True):
        code = main(["verify", "--base-url", DRIFTED])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("mock-baanx verify: the environment, not drift: the mock's control "
                          "API failed: ")
    assert err.count("\n") == 1


def test_a_host_that_does_not_resolve_is_the_environment(capsys):
    code = main(["verify", "--base-url", "http://mock-baanx-check.invalid", *CREDENTIALS])
    assert code == 2
    assert ("mock-baanx verify: the environment, not drift: DNS lookup of "
            "mock-baanx-check.invalid failed") in capsys.readouterr().err


def test_missing_credentials_exit_2(capsys, monkeypatch):
    monkeypatch.delenv("BAANX_ACCESS_TOKEN", raising=False)
    monkeypatch.delenv("BAANX_CLIENT_ID", raising=False)
    assert main(["verify", "--base-url", "http://127.0.0.1:9"]) == 2
    # Nothing answers there: that, not the credentials, is what to fix first.
    assert "the environment, not drift: connection to http://127.0.0.1:9 refused" in \
        capsys.readouterr().err
    with Drifted(lambda request, reply: reply):
        assert main(["verify", "--base-url", DRIFTED]) == 2
    assert "only a mock-baanx target needs none" in capsys.readouterr().err


@pytest.mark.parametrize("command", [["verify", "--base-url"], ["proxy", "--upstream"]])
def test_a_url_that_cannot_be_parsed_exits_2_with_one_line(capsys, command):
    assert main([*command, "http://[::1:4010"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "'http://[::1:4010' is not a URL" in err


@pytest.mark.parametrize(("place", "problem"), [
    ("missing/report.xml", ": no such folder to write it into"),
    (".", " is a folder, not a file"),
])
def test_a_junit_file_that_cannot_be_written_is_said_before_anything_is_sent(
        capsys, tmp_path, place, problem):
    with Drifted(lambda request, reply: reply) as drifted:
        code = main(["verify", "--base-url", DRIFTED, *CREDENTIALS, "--pace", "0",
                     "--junit-xml", str(tmp_path / place)])
    err = capsys.readouterr().err
    assert code == 2
    assert err == f"mock-baanx verify: --junit-xml {tmp_path / place}{problem}\n"
    assert len(drifted.mock.calls) == 0


def test_every_missing_and_every_added_field_is_named():
    from mock_baanx.contract.findings import schema_findings

    found = [(finding.json_path, finding.severity.value)
             for finding in schema_findings("available-products-response.json",
                                            [{"x": 1, "y": 2}])]
    assert found == [("$[0].id", "drift"), ("$[0].description", "drift"),
                     ("$[0].isEligible", "drift"), ("$[0].x", "novelty"),
                     ("$[0].y", "novelty")]
