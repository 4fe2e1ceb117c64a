"""`mock-baanx proxy`: replies forwarded byte for byte, drift named with its rule, the
upstream's failures told apart, and a session recorded as fixtures that replay."""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator

import pytest
import requests

from mock_baanx import create_app
from mock_baanx.cli import main
from mock_baanx.contract.proxy import Proxy, ProxyReport
from mock_baanx.contract.recorder import Recorder
from mock_baanx.transports.thread_server import BackgroundServer

from ..helpers import address_of
from ..served import Served
from .stand_ins import (
    ChangesAfterFinal,
    StandInUpstream,
    added_field,
    amount_as_text,
    echoes_the_token,
    faithful,
    no_order_id,
    other_error_shape,
    pending,
    wrapped_array,
)

PRODUCTS = "/v1/order/products/available"
DEMO = {"X-Client-ID": "demo-client", "Authorization": "Bearer demo-token"}
START_TIMEOUT = 30


def undocumented_status(request, reply):
    if request.path == PRODUCTS and reply[0] == 200:
        return 429, {"message": "Too Many Requests"}
    return reply


def serve(rewrite=faithful) -> BackgroundServer:
    return BackgroundServer(StandInUpstream(rewrite))


@pytest.fixture
def upstream() -> Iterator[BackgroundServer]:
    server = serve()
    yield server
    server.stop()


def app_session(base: str, headers: dict[str, str], lifecycles: dict[str, str] | None = None
                ) -> list[list[str]]:
    """What an app does: list the products, order each eligible one, poll each order to its
    end (at most 40 polls). The statuses it saw, per order."""
    seen = []
    products = requests.get(base + PRODUCTS, headers=headers, timeout=10).json()
    for product in products:
        if not product["isEligible"]:
            continue
        extra = {"X-Mock-Lifecycle": lifecycles[product["id"]]} if lifecycles else {}
        created = requests.post(base + "/v1/order", headers={**headers, **extra}, timeout=10,
                                json={"productId": product["id"],
                                      "paymentMethod": "CRYPTO_EXTERNAL_DAIMO"}).json()
        statuses: list[str] = []
        for _ in range(40):
            status = requests.get(f"{base}/v1/order/{created['orderId']}", headers=headers,
                                  timeout=10).json()["status"]
            statuses.append(status)
            if status != "STARTED":
                break
        seen.append(statuses)
    return seen


def error_requests(base: str) -> None:
    requests.get(base + PRODUCTS, headers={"Authorization": "Bearer demo-token"}, timeout=10)
    requests.get(base + PRODUCTS, headers={**DEMO, "Authorization": "Bearer nope"}, timeout=10)
    requests.get(base + "/v1/order/no-such-order", headers=DEMO, timeout=10)
    requests.post(base + "/v1/order", headers=DEMO, json={"productId": "X"}, timeout=10)


def test_a_request_reaches_the_upstream_with_the_apps_headers_and_no_others(upstream):
    with Proxy(upstream.url, out=io.StringIO()) as proxy, \
            socket.create_connection(address_of(proxy.url), timeout=10) as app:
        app.sendall(b"GET " + PRODUCTS.encode() + b" HTTP/1.1\r\nHost: the-app\r\n"
                    b"X-Client-ID: demo-client\r\nAuthorization: Bearer demo-token\r\n"
                    b"X-Custom: 1\r\nConnection: close\r\n\r\n")
        assert app.makefile("rb").readline().startswith(b"HTTP/1.1 200")
    (entry,) = requests.get(upstream.url + "/__mock/requests", timeout=10).json()["requests"]
    assert sorted(entry["headers"]) == ["authorization", "host", "x-client-id", "x-custom"]


def test_a_faithful_upstream_passes_and_every_reply_comes_back_byte_for_byte(upstream):
    out = io.StringIO()
    with Proxy(upstream.url, out=out) as proxy:
        assert app_session(proxy.url, DEMO) == [["STARTED", "STARTED", "COMPLETED"]] * 2
        error_requests(proxy.url)
        direct = requests.get(upstream.url + "/v1/order/no-such-order", headers=DEMO, timeout=10)
        through = requests.get(proxy.url + "/v1/order/no-such-order", headers=DEMO, timeout=10)
    assert through.status_code == direct.status_code == 404
    assert through.content == direct.content
    assert through.headers["Content-Type"] == direct.headers["Content-Type"]
    report = proxy.report
    assert out.getvalue() == ""
    assert report.counts() == {"exchanges": 14, "judged": 14, "unchecked": 0, "drift": 0,
                               "novelty": 0, "upstreamFailures": 0}
    assert not report.drifted()


@pytest.mark.parametrize(("rewrite", "expected"), [
    (pending, "DRIFT  GET /v1/order/{orderId}  $.status  [status.enum]  expected one of "
              'STARTED|COMPLETED|FAILED|EXPIRED  got "PENDING"'),
    (amount_as_text, "DRIFT  POST /v1/order  $.paymentConfig.paymentAmount  [create.shape]  "
                     'expected type number  got "199"'),
    (no_order_id, "DRIFT  POST /v1/order  $.orderId  [create.shape]  required field  "
                  "got nothing (missing)"),
    (other_error_shape, "DRIFT  GET /v1/order/products/available  $.message  [error.body]  "
                        "required field  got nothing (missing)"),
    (wrapped_array, "DRIFT  GET /v1/order/products/available  $  [products.shape]  expected "
                    'type array  got {"products": [{"id": "PREMIUM_SUBSCRIPTION"'),
    (undocumented_status, "DRIFT  GET /v1/order/products/available  (status)  "
                          "[status.documented]  expected one of 200|401|403|498|499|500  got 429"),
    (ChangesAfterFinal(), "DRIFT  GET /v1/order/{orderId}  $.status  [status.forward-only]  "
                          'expected COMPLETED: a final status never changes  got "FAILED"'),
])
def test_each_drift_is_printed_as_it_happens_with_path_and_rule(rewrite, expected):
    out, report = judged_session(rewrite)
    assert any(line.startswith(expected) for line in out.splitlines()), out
    assert report.drifted()


def judged_session(rewrite) -> tuple[str, ProxyReport]:
    """What the proxy printed, and its report, for one app session in front of a stand-in
    upstream that answers with `rewrite`."""
    server = serve(rewrite)
    out = io.StringIO()
    try:
        with Proxy(server.url, out=out) as proxy:
            session_through(proxy.url)
    finally:
        server.stop()
    return out.getvalue(), proxy.report


def session_through(base: str) -> None:
    """The app's session, tolerant of a drifted upstream; then one more poll of each order
    after its end (a final status must not change)."""
    products = requests.get(base + PRODUCTS, headers=DEMO, timeout=10)
    requests.get(base + PRODUCTS, headers={"Authorization": "Bearer demo-token"}, timeout=10)
    created = requests.post(base + "/v1/order", headers=DEMO, timeout=10, json={
        "productId": "PREMIUM_SUBSCRIPTION", "paymentMethod": "CRYPTO_EXTERNAL_DAIMO"}).json()
    assert products.status_code in (200, 429)
    order_id = created.get("orderId") or created.get("requestId")
    for _ in range(4):
        requests.get(f"{base}/v1/order/{order_id}", headers=DEMO, timeout=10)


def test_an_added_field_is_novelty_and_the_upstream_still_conforms():
    out, report = judged_session(added_field)
    assert ("NOVELTY  GET /v1/order/{orderId}  $.riskScore  [reply.added-fields] (novelty)  a "
            "field the docs do not mention  got 3") in out
    assert not report.drifted()
    assert report.counts()["novelty"] == 4


def test_an_unreachable_upstream_is_a_502_naming_the_cause_counted_apart_from_drift():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    out = io.StringIO()
    with Proxy(f"http://127.0.0.1:{port}", out=out) as proxy:
        reply = requests.get(proxy.url + PRODUCTS, headers=DEMO, timeout=10)
    assert reply.status_code == 502
    assert reply.json() == {"message": "mock-baanx proxy: the upstream did not answer: "
                                       f"connection to http://127.0.0.1:{port} refused"}
    assert proxy.report.counts()["upstreamFailures"] == 1
    assert proxy.report.counts()["drift"] == 0
    assert not proxy.report.drifted()
    # Nothing judged: the upstream is not said to conform.
    assert proxy.report.summary().endswith("the upstream never answered: nothing judged")
    assert proxy.report.exit_status() == 2
    assert json.loads(proxy.report.as_json())["conforms"] is False
    # An upstream that answered anything, if nothing judged, did answer.
    answered_elsewhere = ProxyReport("http://upstream.test", exchanges=2, judged=0,
                                     upstream_failures=["GET /v1/order: refused"])
    assert answered_elsewhere.exit_status() == 0


# An upstream that takes a second, to outlast the proxy's timeout.
@pytest.mark.slow
def test_a_slow_upstream_is_a_502_after_the_timeout():
    def slow(request, reply):
        time.sleep(1)
        return reply

    server = serve(slow)
    try:
        with Proxy(server.url, out=io.StringIO(), timeout=0.2) as proxy:
            reply = requests.get(proxy.url + PRODUCTS, headers=DEMO, timeout=10)
    finally:
        server.stop()
    assert reply.status_code == 502
    assert "did not answer within 0.2 s" in reply.json()["message"]


def test_credentials_are_never_printed_or_written(tmp_path):
    server = serve(echoes_the_token)
    out = io.StringIO()
    try:
        with Proxy(server.url, out=out) as proxy:
            requests.get(proxy.url + PRODUCTS, timeout=10, headers={
                "X-Client-ID": "demo-client", "Authorization": "Bearer expired-token"})
    finally:
        server.stop()
    assert "<redacted>" in out.getvalue()
    for text in (out.getvalue(), proxy.app.redact(proxy.report.as_json()),
                 proxy.app.redact(proxy.report.as_junit())):
        assert "expired-token" not in text
        assert "demo-client" not in text


def test_a_recorded_session_replays_through_the_mock_with_the_same_statuses(upstream,
                                                                          tmp_path):
    recorder = Recorder()
    lifecycles = {"PREMIUM_SUBSCRIPTION": "complete", "METAL_CARD": "fail"}
    with Proxy(upstream.url, out=io.StringIO(), recorder=recorder) as proxy:
        recorded = app_session(proxy.url, DEMO, lifecycles)
        requests.get(proxy.url + PRODUCTS, timeout=10, headers={
            "X-Client-ID": "demo-client", "Authorization": "Bearer subscribed-token"})
    folder = tmp_path / "recorded"
    written = recorder.write(folder, proxy.app.judge.order_rules, force=False)
    assert written == ["clients.json", "lifecycles/recorded-1.json",
                       "lifecycles/recorded-2.json", "products.json", "users.json"]
    text = "".join(path.read_text() for path in folder.rglob("*.json"))
    for secret in ("demo-token", "subscribed-token", "demo-client"):
        assert secret not in text
    users = json.loads((folder / "users.json").read_text())
    assert users[1] == {"token": "recorded-user-2", "id": "recorded-user-2",
                        "description": "A user seen by the proxy",
                        "ineligibleProducts": ["PREMIUM_SUBSCRIPTION"]}
    failed = json.loads((folder / "lifecycles/recorded-2.json").read_text())
    assert failed["steps"] == [{"status": "FAILED", "afterPolls": 2, "note": "payment_refunded"}]
    replay = Served("--fixtures", str(folder))
    try:
        replayed = app_session(replay.url, {"X-Client-ID": "recorded-client-1",
                                            "Authorization": "Bearer recorded-user-1"})
    finally:
        replay.stop()
    assert replayed == recorded == [["STARTED", "STARTED", "COMPLETED"],
                                    ["STARTED", "STARTED", "FAILED"]]


def proxied_session(*arguments: str, before_stop: Callable[[], object] = lambda: None
                    ) -> tuple[int, str, str]:
    """`mock-baanx proxy` with `arguments` on a free port, an app's session through it,
    `before_stop`, then Ctrl-C: its exit status, output and errors. The process never
    outlives the call."""
    command = [sys.executable, "-m", "mock_baanx", "proxy", "--port", "0", *arguments]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        url = process.stdout.readline().split()[2]
        app_session(url, DEMO)
        before_stop()
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=START_TIMEOUT)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    return process.returncode, out, err


def test_the_command_reports_and_records_on_sigint_and_exits_1_on_drift(tmp_path):
    server = serve(pending)
    folder, report, junit = tmp_path / "rec", tmp_path / "report.json", tmp_path / "j.xml"
    folder.mkdir()
    (folder / "old.json").write_text("[]")
    try:
        returncode, out, err = proxied_session(
            "--upstream", server.url, "--record", str(folder), "--force",
            "--report-json", str(report), "--junit-xml", str(junit))
    finally:
        server.stop()
    assert returncode == 1, out + err
    assert "DRIFT  GET /v1/order/{orderId}  $.status  [status.enum]" in out
    assert "drift seen" in out
    document = json.loads(report.read_text())
    assert document["conforms"] is False
    assert document["summary"]["drift"] == 2
    assert document["findings"][0]["ruleId"] == "status.enum"
    assert ET.parse(junit).getroot().find("testsuite").get("failures") == "1"
    assert not (folder / "old.json").exists()
    assert (folder / "products.json").exists()


def test_a_report_that_cannot_be_written_costs_the_session_its_report_not_its_recording(
        upstream, tmp_path):
    folder, report = tmp_path / "rec", tmp_path / "gone" / "report.json"
    report.parent.mkdir()
    returncode, out, err = proxied_session("--upstream", upstream.url, "--record", str(folder),
                                           "--report-json", str(report),
                                           before_stop=report.parent.rmdir)
    assert returncode == 2, out + err
    assert err.startswith("mock-baanx proxy: cannot write the report: ")
    assert (folder / "products.json").exists()


@pytest.mark.parametrize(("arguments", "message"), [
    (["--upstream", "dev.api.baanx.com"], "--upstream 'dev.api.baanx.com' is not an http://"),
    (["--upstream", "http://127.0.0.1:4010", "--record", "{full}"], "is not empty (pass --force"),
    (["--upstream", "http://127.0.0.1:4010", "--upstream-timeout", "0"],
     "--upstream-timeout must be more than 0"),
    (["--upstream", "http://127.0.0.1:4010", "--report-json", "{full}/nowhere/r.json"],
     "no such folder to write it into"),
    (["--upstream", "http://127.0.0.1:4010", "--junit-xml", "{full}/nowhere/j.xml"],
     "no such folder to write it into"),
    (["--upstream", "http://127.0.0.1:4010", "--report-json", "{full}"],
     "--report-json {full} is a folder, not a file"),
    (["--upstream", "http://127.0.0.1:4010", "--junit-xml", "{full}"],
     "--junit-xml {full} is a folder, not a file"),
    (["--upstream", "http://127.0.0.1:4010", "--record", "{full}/users.json/recording"],
     "users.json cannot be written into"),
])
def test_bad_usage_exits_2_with_one_line(capsys, tmp_path, arguments, message):
    full = tmp_path / "full"
    full.mkdir()
    (full / "users.json").write_text("[]")
    code = main(["proxy", *[argument.format(full=full) for argument in arguments]])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1
    assert message.format(full=full) in err


def sets_a_cookie(request, reply):
    return (*reply, {"Set-Cookie": "session=upstream-set; Path=/"})


def test_a_cookie_the_upstream_sets_is_not_sent_back_by_the_proxy():
    stand_in = StandInUpstream(sets_a_cookie)
    server = BackgroundServer(stand_in)
    try:
        with Proxy(server.url, out=io.StringIO()) as proxy:
            first = requests.get(proxy.url + PRODUCTS, headers=DEMO, timeout=10)
            requests.get(proxy.url + PRODUCTS, headers=DEMO, timeout=10)
    finally:
        server.stop()
    assert first.headers["Set-Cookie"] == "session=upstream-set; Path=/"
    assert [("cookie" in entry["headers"]) for entry in stand_in.mock.journal()] == [False,
                                                                                     False]


def test_an_upstream_reply_cut_short_is_a_502_counted_apart():
    server = BackgroundServer(create_app())
    try:
        with Proxy(server.url, out=io.StringIO()) as proxy:
            reply = requests.get(proxy.url + PRODUCTS, timeout=10,
                                 headers={**DEMO, "X-Mock-Fault": "truncated"})
    finally:
        server.stop()
    assert reply.status_code == 502
    assert reply.json()["message"].startswith("mock-baanx proxy: the upstream did not answer: "
                                              "its reply could not be read")
    assert proxy.report.counts()["upstreamFailures"] == 1


def test_the_upstreams_own_credentials_are_never_shown(upstream, tmp_path):
    with_credentials = upstream.url.replace("http://", "http://someone:s3cret@")
    with Proxy(with_credentials, out=io.StringIO()) as proxy:
        requests.get(proxy.url + PRODUCTS, headers=DEMO, timeout=10)
    assert "s3cret" not in proxy.report.as_json()
    assert proxy.report.upstream == upstream.url


def test_what_drifted_is_left_out_of_a_recording_and_the_rest_recorded(tmp_path):
    server = serve(amount_as_text)
    recorder = Recorder()
    try:
        with Proxy(server.url, out=io.StringIO(), recorder=recorder) as proxy:
            app_session(proxy.url, DEMO)
    finally:
        server.stop()
    folder = tmp_path / "recorded"
    written = recorder.write(folder, proxy.app.judge.order_rules, force=False)
    assert written == ["clients.json", "lifecycles/recorded-1.json",
                       "lifecycles/recorded-2.json", "products.json", "users.json"]
    assert [what.split(":")[0] for what in recorder.skipped] == [
        "the paymentConfig of product PREMIUM_SUBSCRIPTION",
        "the paymentConfig of product METAL_CARD"]
    products = json.loads((folder / "products.json").read_text())
    assert all("paymentConfig" not in product for product in products)


def test_a_session_with_no_traffic_records_nothing_and_says_so(upstream, tmp_path, capsys):
    from mock_baanx.contract import proxy

    stop = threading.Event()
    stop.set()
    code = proxy.run(upstream.url, host="127.0.0.1", port=0, strict=False, timeout=5,
                     record=tmp_path / "empty", force=False, report_json=None, junit_xml=None,
                     stop=stop)
    assert code == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        "nothing to record: the proxy saw no Baanx reply it could keep")
    assert not (tmp_path / "empty").exists()
