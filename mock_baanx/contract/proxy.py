"""`mock-baanx proxy`: a validating proxy between an app and the real API.

Every request is forwarded to the upstream unchanged (headers and body) and every reply
returned to the app byte for byte, while the reply is judged against the contract: the
schemas, the header rules' statuses and bodies, and the rules across an order's replies
(order_rules.py). Each finding is printed as it happens, in `verify`'s form; on exit a
report (`--report-json`, `--junit-xml`) and the exit status: 0 conforming, 1 drift seen.
An upstream that does not answer gets the app a 502 `{"message"}` naming the cause, counted
apart from drift. Credentials are never printed or written: every client id and token the
app sends is redacted from what the proxy says.
"""

from __future__ import annotations

import json
import sys
import threading
import time
import xml.etree.ElementTree as ET
import zlib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.cookiejar import DefaultCookiePolicy
from pathlib import Path
from typing import Any, TextIO

import requests
import urllib3
from urllib3.util import SKIP_HEADER

from ..core.errors import DOCUMENTED_ERRORS, BaanxError
from ..protocol import Request
from ..protocol.fidelity_ledger import CREATE as CREATE_ORDER
from ..protocol.fidelity_ledger import PRODUCTS, STATUS
from ..protocol.handler import resolve
from ..protocol.routes import WITHOUT_CONTROL, route
from ..transports.thread_server import BackgroundServer
from .checks import GET_ORDER, GET_PRODUCTS, POST_ORDER, environment_failure, public_url
from .findings import (
    NOT_JSON,
    SHAPE_RULES,
    Finding,
    Severity,
    media_findings,
    parsed_json,
    schema_findings,
    shown,
)
from .order_rules import OrderRules
from .recorder import Recorder, RecordingError
from .report import Redactor

# The methods a stub may have (schemas/fixtures/stub.json).
STUB_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})
# Replies larger than this are forwarded but not judged.
MAX_JUDGED_BYTES = 1024 * 1024
DEFAULT_UPSTREAM_TIMEOUT = 30.0
# Headers urllib3 adds to a request that has none, unless told to skip them
# (urllib3.util.SKIP_HEADER): the upstream sees only what the app sent.
DEFAULTED_HEADERS = frozenset({"user-agent", "accept-encoding"})
HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
              "trailer", "trailers", "transfer-encoding", "upgrade", "host"}
# From the one route table: each operation's statuses and the schema of its success.
DOCUMENTED_STATUSES = {operation: (route(operation).reply_status, *route(operation).errors)
                       for operation in (PRODUCTS, CREATE_ORDER, STATUS)}
REPLY_SCHEMAS = {operation: str(route(operation).reply_schema)
                 for operation in (PRODUCTS, CREATE_ORDER, STATUS)}
ENDPOINTS = {PRODUCTS: GET_PRODUCTS, CREATE_ORDER: POST_ORDER, STATUS: GET_ORDER}
# The error texts the Baanx docs show (404's and 422's are the mock's own choice).
DOCUMENTED_MESSAGES = {status: DOCUMENTED_ERRORS[status].default_message
                       for status in (401, 403, 498, 499, 500)}


def operation_of(method: str, path: str) -> tuple[str, str | None] | None:
    """The Baanx operation a request is, and the order id it names; None for any other.
    Found by the route table's own resolution, as every door of the mock finds it."""
    try:
        found, params = resolve(Request.build(method, path), WITHOUT_CONTROL)
    except BaanxError:  # a path or method the Baanx API does not take
        return None
    return found.operation, params.get("orderId")


class ContractJudge:
    """Judges exchanges against the contract; keeps what the rules across replies need."""

    def __init__(self) -> None:
        self.order_rules = OrderRules()

    def judge(self, operation: str, order_id: str | None, headers: dict[str, str],
              request: Any, status: int, content_type: str, data: bytes, body: Any
              ) -> list[Finding]:
        """`headers` are the request's (lower-case names), `request` its JSON body; `data`
        the reply's body and `body` its JSON (either `NOT_JSON` when it is not JSON)."""
        documented = DOCUMENTED_STATUSES[operation]
        findings = []
        if status not in documented:
            findings.append(Finding("(status)", "expected one of " + "|".join(map(
                str, documented)), str(status), "status.documented"))
        has_client = bool(headers.get("x-client-id") or headers.get("x-client-key"))
        if not has_client and status != 499:
            findings.append(Finding("(status)", "expected 499: the request has no client key",
                                    str(status), "client-key.missing"))
        elif has_client and not headers.get("authorization") and status not in (401, 498):
            findings.append(Finding("(status)", "expected 401: the request has no bearer "
                                    "token", str(status), "token.required"))
        schema = REPLY_SCHEMAS[operation] if status == 200 else "error.json"
        findings += media_findings(SHAPE_RULES[schema], content_type, data, body)
        if body is NOT_JSON:
            return findings
        if status != 200 and status not in documented:
            return findings
        findings.extend(schema_findings(schema, body))
        message = DOCUMENTED_MESSAGES.get(status)
        if (message and isinstance(body, dict) and isinstance(body.get("message"), str)
                and body["message"] != message):
            findings.append(Finding("$.message", f"expected {shown(message)}",
                                    shown(body["message"]), "error.body"))
        if status == 200 and operation == CREATE_ORDER:
            product = request.get("productId") if isinstance(request, dict) else None
            self.order_rules.created(body, product if isinstance(product, str) else None,
                                     time.monotonic())
        elif status == 200 and operation == STATUS and order_id is not None:
            findings.extend(self.order_rules.polled(order_id, body, time.monotonic()))
        return findings


@dataclass
class ProxyReport:
    upstream: str
    strict: bool = False
    exchanges: int = 0
    judged: int = 0
    unchecked: int = 0
    findings: list[tuple[str, Finding]] = field(default_factory=list)
    upstream_failures: list[str] = field(default_factory=list)
    judged_by_endpoint: Counter[str] = field(default_factory=Counter)

    def counts(self) -> dict[str, int]:
        severities = Counter(finding.severity for _, finding in self.findings)
        return {"exchanges": self.exchanges, "judged": self.judged, "unchecked": self.unchecked,
                "drift": severities[Severity.DRIFT], "novelty": severities[Severity.NOVELTY],
                "upstreamFailures": len(self.upstream_failures)}

    def drifted(self) -> bool:
        return any(finding.severity is Severity.DRIFT or self.strict
                   for _, finding in self.findings)

    def never_answered(self) -> bool:
        """Whether the upstream failed every exchange it was sent: nothing was judged, so
        nothing can be said to conform."""
        return 0 < self.exchanges == len(self.upstream_failures)

    def exit_status(self) -> int:
        """0 the upstream conformed, 1 drift seen, 2 the upstream never answered."""
        return 2 if self.never_answered() else 1 if self.drifted() else 0

    def summary(self) -> str:
        tally = self.counts()
        verdict = ("the upstream never answered: nothing judged" if self.never_answered()
                   else "drift seen" if self.drifted() else "the upstream conformed")
        return (f"{tally['exchanges']} exchanges, {tally['judged']} judged: {tally['drift']} "
                f"drift, {tally['novelty']} novelty, {tally['upstreamFailures']} upstream "
                f"failures, {tally['unchecked']} unchecked: {verdict}")

    def as_json(self) -> str:
        return json.dumps({
            "upstream": self.upstream, "conforms": self.exit_status() == 0,
            "summary": self.counts(),
            "findings": [{"endpoint": endpoint, **finding.as_json()}
                         for endpoint, finding in self.findings],
            "upstreamFailures": self.upstream_failures,
        }, indent=2, ensure_ascii=False)

    def as_junit(self) -> str:
        root = ET.Element("testsuites")
        suite = ET.SubElement(root, "testsuite", name="mock-baanx proxy")
        cases = 0
        failures = 0
        for endpoint in ENDPOINTS.values():
            if not self.judged_by_endpoint[endpoint]:
                continue
            cases += 1
            case = ET.SubElement(suite, "testcase", classname="mock-baanx proxy", name=endpoint)
            lines = [finding.line(endpoint) for where, finding in self.findings
                     if where == endpoint]
            drift = [finding for where, finding in self.findings if where == endpoint
                     and (finding.severity is Severity.DRIFT or self.strict)]
            if drift:
                failures += 1
                failure = ET.SubElement(case, "failure", message=f"{len(drift)} drift findings")
                failure.text = "\n".join(lines)
            elif lines:
                ET.SubElement(case, "system-out").text = "\n".join(lines)
        if self.upstream_failures:
            cases += 1
            case = ET.SubElement(suite, "testcase", classname="mock-baanx proxy",
                                 name="upstream")
            error = ET.SubElement(case, "error", message="the upstream did not answer")
            error.text = "\n".join(self.upstream_failures)
        suite.set("tests", str(cases))
        suite.set("failures", str(failures))
        suite.set("errors", str(int(bool(self.upstream_failures))))
        return ET.tostring(root, encoding="unicode", xml_declaration=True)


class ValidatingProxy:
    """The WSGI app: forward, answer the app, judge, print."""

    def __init__(self, upstream: str, out: TextIO, *, strict: bool = False,
                 recorder: Recorder | None = None,
                 timeout: float = DEFAULT_UPSTREAM_TIMEOUT) -> None:
        self.upstream = upstream.rstrip("/")
        self.out = out
        self.timeout = timeout
        self.recorder = recorder
        self.judge = ContractJudge()
        self.report = ProxyReport(public_url(upstream), strict)
        self.redact = Redactor(())
        self._session = requests.Session()
        # Forwarded unchanged: none of requests' own default headers are added, and no
        # cookie one reply set is sent with a later request (of another user, perhaps).
        self._session.headers.clear()
        self._session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        method = environ["REQUEST_METHOD"]
        path = environ.get("PATH_INFO", "") or "/"
        query = environ.get("QUERY_STRING", "")
        headers = _request_headers(environ)
        for name in DEFAULTED_HEADERS - headers.keys():
            headers[name] = SKIP_HEADER
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length > 0 else b""
        self._learn_secrets(headers)
        try:
            upstream = self._session.request(
                method, self.upstream + path + (f"?{query}" if query else ""), headers=headers,
                data=body, timeout=self.timeout, allow_redirects=False, stream=True)
            try:
                raw = upstream.raw.read(decode_content=False)
            finally:
                upstream.close()
        except (requests.ConnectionError, requests.Timeout) as error:
            cause = environment_failure(error, self.upstream, self.timeout)
            return self._upstream_failed(method, path, cause, start_response)
        except (requests.RequestException, urllib3.exceptions.HTTPError) as error:
            # A reply cut short, or one the HTTP library cannot read at all.
            cause = f"its reply could not be read ({type(error).__name__})"
            return self._upstream_failed(method, path, cause, start_response)
        reply_headers = [(name, value) for name, value in upstream.raw.headers.items()
                         if name.lower() not in HOP_BY_HOP]
        start_response(f"{upstream.status_code} {upstream.reason or ''}".rstrip(),
                       reply_headers)
        self._judge(method, path, headers, body, upstream, raw)
        return [raw]

    def _learn_secrets(self, headers: dict[str, str]) -> None:
        secrets = [headers.get("x-client-id", ""), headers.get("x-client-key", ""),
                   headers.get("authorization", "")]
        token = headers.get("authorization", "").partition(" ")[2].strip()
        with self._lock:
            self.redact.add([*secrets, token])

    def _upstream_failed(self, method: str, path: str, cause: str,
                         start_response: Callable[..., Any]) -> Iterable[bytes]:
        line = f"{method} {path}: upstream did not answer: {cause}"
        with self._lock:
            self.report.exchanges += 1
            self.report.upstream_failures.append(line)
            self._print(f"UPSTREAM  {line}")
        reply = json.dumps({"message": f"mock-baanx proxy: the upstream did not answer: "
                                       f"{cause}"}).encode()
        start_response("502 Bad Gateway", [("Content-Type", "application/json"),
                                           ("Content-Length", str(len(reply)))])
        return [reply]

    def _judge(self, method: str, path: str, headers: dict[str, str], body: bytes,
               upstream: requests.Response, raw: bytes) -> None:
        baanx_operation = operation_of(method, path)
        with self._lock:
            self.report.exchanges += 1
            decoded = _decoded(raw, upstream.headers.get("Content-Encoding", ""))
            if baanx_operation is None:
                self._record_elsewhere(method, path, headers, body, upstream.status_code,
                                       decoded)
                return
            operation, order_id = baanx_operation
            endpoint = ENDPOINTS[operation]
            if decoded is None or len(decoded) > MAX_JUDGED_BYTES:
                self.report.unchecked += 1
                self._print(f"UNCHECKED  {endpoint}: a reply of {len(raw):,} bytes, too large "
                            "or in an encoding the proxy cannot read")
                return
            request = parsed_json(body)
            reply = parsed_json(decoded)
            findings = self.judge.judge(operation, order_id, headers, request,
                                        upstream.status_code,
                                        upstream.headers.get("Content-Type", ""), decoded,
                                        reply)
            self.report.judged += 1
            self.report.judged_by_endpoint[endpoint] += 1
            for finding in findings:
                self.report.findings.append((endpoint, finding))
                label = "DRIFT" if finding.severity is Severity.DRIFT else "NOVELTY"
                self._print(f"{label}  {finding.line(endpoint)}")
            if self.recorder is not None and reply is not NOT_JSON:
                self.recorder.saw(headers, operation, upstream.status_code,
                                  None if request is NOT_JSON else request, reply)

    def _record_elsewhere(self, method: str, path: str, headers: dict[str, str], body: bytes,
                          status: int, decoded: bytes | None) -> None:
        """An exchange outside the order API, for the recorder to make a stub of: one whose
        reply is JSON (or empty), and not too large to keep."""
        if self.recorder is None or decoded is None or len(decoded) > MAX_JUDGED_BYTES \
                or method not in STUB_METHODS:
            return
        reply = parsed_json(decoded) if decoded.strip() else None
        request = parsed_json(body) if body.strip() else None
        if reply is not NOT_JSON:
            self.recorder.saw_elsewhere(method, path, headers,
                                        None if request is NOT_JSON else request, status, reply)

    def _print(self, line: str) -> None:
        print(self.redact(line), file=self.out, flush=True)


def _request_headers(environ: dict[str, Any]) -> dict[str, str]:
    headers = {key[5:].replace("_", "-").lower(): value for key, value in environ.items()
               if key.startswith("HTTP_")}
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            headers[key.replace("_", "-").lower()] = environ[key]
    return {name: value for name, value in headers.items() if name not in HOP_BY_HOP}


def _decoded(raw: bytes, encoding: str) -> bytes | None:
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return raw
    if encoding in ("gzip", "deflate"):
        try:
            # 32 + MAX_WBITS: a gzip or zlib header, whichever it is.
            decompressor = zlib.decompressobj(32 + zlib.MAX_WBITS)
            decoded = decompressor.decompress(raw, MAX_JUDGED_BYTES + 1)
        except zlib.error:
            return None
        return decoded
    return None


class Proxy:
    """A validating proxy served on a thread of this process, until `stop()`."""

    def __init__(self, upstream: str, *, host: str = "127.0.0.1", port: int = 0,
                 out: TextIO | None = None, strict: bool = False,
                 recorder: Recorder | None = None,
                 timeout: float = DEFAULT_UPSTREAM_TIMEOUT) -> None:
        self.app = ValidatingProxy(upstream, out or sys.stdout, strict=strict,
                                   recorder=recorder, timeout=timeout)
        self._server = BackgroundServer(self.app, host, port)
        self.url = self._server.url

    @property
    def report(self) -> ProxyReport:
        return self.app.report

    def stop(self) -> ProxyReport:
        self._server.stop()
        return self.app.report

    def __enter__(self) -> Proxy:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def write_reports(report: ProxyReport, redact: Redactor, report_json: Path | None,
                  junit_xml: Path | None) -> None:
    if report_json is not None:
        report_json.write_text(redact(report.as_json()) + "\n", encoding="utf-8")
    if junit_xml is not None:
        junit_xml.write_text(redact(report.as_junit()), encoding="utf-8")


def run(upstream: str, *, host: str, port: int, strict: bool, timeout: float,
        record: Path | None, force: bool, report_json: Path | None, junit_xml: Path | None,
        stop: threading.Event) -> int:
    """Serve the proxy until `stop` is set (Ctrl-C, SIGTERM), then report and record;
    the exit status: 0 the upstream conformed, 1 drift seen, 2 the upstream never answered
    or the recording or a report failed."""
    recorder = Recorder() if record is not None else None
    try:
        proxy = Proxy(upstream, host=host, port=port, strict=strict, recorder=recorder,
                      timeout=timeout)
    except OSError as error:
        print(f"mock-baanx proxy: cannot listen on {host}:{port}: {error.strerror or error}",
              file=sys.stderr)
        return 2
    print(f"mock-baanx proxy: {proxy.url} forwards to {public_url(upstream)}, judging every "
          "reply against the contract; Ctrl-C to stop and report", flush=True)
    stop.wait()
    report = proxy.stop()
    redact = proxy.app.redact
    print(redact(report.summary()), flush=True)
    # The recording first: a report that cannot be written must not cost the session's
    # recording with it.
    recorded = _recorded(recorder, record, proxy, force, redact)
    try:
        write_reports(report, redact, report_json, junit_xml)
    except OSError as error:
        print(f"mock-baanx proxy: cannot write the report: {error}", file=sys.stderr)
        return 2
    if not recorded:
        return 2
    return report.exit_status()


def _recorded(recorder: Recorder | None, record: Path | None, proxy: Proxy, force: bool,
              redact: Callable[[str], str]) -> bool:
    """Write what `recorder` kept into `record`, saying what it left out; False if the
    recording could not be written."""
    if recorder is not None and record is not None and not recorder.fixtures(
            proxy.app.judge.order_rules):
        print("nothing to record: the proxy saw no Baanx reply it could keep", flush=True)
    elif recorder is not None and record is not None:
        try:
            written = recorder.write(record, proxy.app.judge.order_rules, force)
        except (RecordingError, OSError) as error:
            print(redact(f"mock-baanx proxy: nothing recorded: {error}"), file=sys.stderr)
            return False
        for what in recorder.skipped:
            print(redact(f"not recorded, as it drifted from the contract: {what}"), flush=True)
        for what in recorder.left_out:
            print(redact(f"not recorded: {what}"), flush=True)
        for what in recorder.review:
            print(redact(f"review the path of {what}"), flush=True)
        print(f"recorded {len(written)} files into {record}: replay with "
              f"mock-baanx serve --fixtures {record}", flush=True)
    return True
