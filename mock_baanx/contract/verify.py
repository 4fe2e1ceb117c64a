"""`mock-baanx verify`: the contract checks run against a target, and a report that never
gives a false green.

Before any check, one request with the given credentials tells apart what is not drift:
a target that does not answer (the environment: DNS, TLS, connection, timeout) and
credentials it refuses (401, 498 or 499 where a valid request is expected). Either exits
2 with one line saying which. Against a mock-baanx, no credentials are needed (its demo
ones are used), the checks run in a namespace of their own, and polls move its clock
instead of sleeping. With `--stubs`, each stub with a schema is held to the target too
(stub_checks.py).
"""

from __future__ import annotations

import contextlib
import secrets
import sys
from dataclasses import dataclass

import requests

from ..core import Stub
from ..testing.control_client import (
    DEFAULT_CLIENT_ID,
    DEFAULT_TOKEN,
    ControlError,
    HttpControl,
)
from . import checks, report
from .stub_checks import stub_checks

USAGE_ERROR = 2
# The default fixtures' user with nothing eligible: the 403 check's user on a mock.
MOCK_INELIGIBLE_TOKEN = "ineligible-token"
REFUSED_CREDENTIALS = {401: "the token", 498: "the client id", 499: "the client id"}


@dataclass(frozen=True, slots=True)
class Settings:
    client_id: str | None
    token: str | None
    ineligible_token: str | None = None
    allow_orders: bool = False
    poll_interval: float = 3.0
    max_orders: int = 2
    pace: float = 0.5
    require_all: bool = False
    strict: bool = False
    json: bool = False
    junit_xml: str | None = None
    # The control token of a mock-baanx target, if it asks for one.
    control_token: str | None = None
    # Stubs to hold to the target (verify --stubs), and whether a stub whose method may
    # change the target's state is called.
    stubs: tuple[Stub, ...] = ()
    allow_writes: bool = False


def run(base_url: str, settings: Settings) -> int:
    """Run every check against `base_url`, print the report; the exit status."""
    redact = report.Redactor((settings.token or "", settings.client_id or "",
                              settings.ineligible_token or ""))
    target = checks.Target(base_url, settings.client_id or DEFAULT_CLIENT_ID,
                           settings.token or DEFAULT_TOKEN, allow_orders=settings.allow_orders,
                           poll_interval=settings.poll_interval,
                           ineligible_token=settings.ineligible_token,
                           max_orders=settings.max_orders, pace=settings.pace)
    refused = _prepared(target, settings)
    if refused is not None:
        return _refuse(redact(refused))
    try:
        refused = _refused_credentials(target)
        if refused:
            return _refuse(redact(refused))
        results = checks.run_checks(target, strict=settings.strict) + [
            checks.run_check(target, item, strict=settings.strict)
            for item in stub_checks(settings.stubs, settings.allow_writes)]
    except checks.Unreachable as error:
        return _refuse(redact(f"the environment, not drift: {error}"))
    except (requests.RequestException, ControlError) as error:
        # The mock's control API, which the checks script it through, failed mid-run (its
        # shared state gone away, a reply cut short).
        return _refuse(redact(f"the environment, not drift: the mock's control API failed: "
                              f"{error}"))
    finally:
        if target.control is not None:
            with contextlib.suppress(requests.RequestException, ControlError):
                target.control.reset()
    return _reported(checks.public_url(base_url), target.control is not None, results,
                     redact, settings)


def _prepared(target: checks.Target, settings: Settings) -> str | None:
    """Ready `target` for the checks: against a mock-baanx, in a namespace of its own with
    its clock; a live API needs credentials. Why it cannot be checked, if it cannot."""
    try:
        control = checks.detect_control(target, settings.control_token)
    except checks.Unreachable as error:
        return f"the environment, not drift: {error}"
    if control is None:
        if settings.client_id and settings.token:
            return None
        try:
            # Whether anything answers at all, before asking for credentials.
            answered = target.send("GET", checks.PRODUCTS, headers={})
        except checks.Unreachable as error:
            return f"the environment, not drift: {error}"
        if not _speaks_baanx(answered):
            return _not_baanx(answered)
        return ("give --client-id and --token (or set BAANX_CLIENT_ID and "
                "BAANX_ACCESS_TOKEN): only a mock-baanx target needs none")
    try:
        control.namespaces()  # a call that needs the token, if the mock asks for one
    except ControlError as error:
        return (f"the mock-baanx at {checks.public_url(target.base_url)} refused its control "
                f"API: {error.message} (give --control-token, or $MOCK_BAANX_CONTROL_TOKEN)")
    # A namespace of its own: the run neither sees nor disturbs anyone else's orders,
    # faults or clock on a shared mock.
    target.base_url = f"{target.base_url.rstrip('/')}/ns/verify-{secrets.token_hex(4)}"
    target.control = HttpControl(target.base_url, target.session, target.timeout,
                                 settings.control_token)
    target.allow_orders = True  # a mock's orders cost nothing
    if not settings.token:
        target.ineligible_token = settings.ineligible_token or MOCK_INELIGIBLE_TOKEN
    target.max_orders = None
    target.pace = 0.0
    return None


def _reported(shown_url: str, is_mock: bool, results: list[checks.CheckResult],
              redact: report.Redactor, settings: Settings) -> int:
    """Print the report (and write the JUnit file); the exit status."""
    if settings.json:
        print(report.json_report(shown_url, is_mock, results, redact, settings.require_all))
    else:
        print(report.text_report(shown_url, is_mock, results, redact, settings.require_all))
    if settings.junit_xml:
        try:
            with open(settings.junit_xml, "w", encoding="utf-8") as file:
                file.write(report.junit_report(results, redact))
        except OSError as error:
            return _refuse(f"cannot write --junit-xml {settings.junit_xml}: "
                           f"{error.strerror or error}")
    return report.verdict(results, settings.require_all)[0]


def _refused_credentials(target: checks.Target) -> str | None:
    """A line saying the credentials were refused, or that what answered is no Baanx API;
    None when they were taken."""
    response = target.send("GET", checks.PRODUCTS)
    if not _speaks_baanx(response):
        return _not_baanx(response)
    what = REFUSED_CREDENTIALS.get(response.status_code)
    if what is None:
        return None
    return (f"the credentials, not drift: the target answered {response.status_code} to "
            f"{checks.GET_PRODUCTS} with them: check {what} (expired or mistyped?)")


def _speaks_baanx(response: requests.Response) -> bool:
    """Whether a reply to GET /v1/order/products/available could be Baanx's: JSON, from a
    server that knows the path (a Baanx API answers even a request without credentials with
    its JSON 499). Anything else is the environment — a wrong base URL, a proxy's page —
    rather than drift."""
    media_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    return media_type == "application/json" and response.status_code not in (404, 405)


def _not_baanx(response: requests.Response) -> str:
    media_type = response.headers.get("Content-Type", "").split(";")[0].strip() or \
        "no content type"
    return (f"the environment, not drift: {checks.GET_PRODUCTS} answered "
            f"{response.status_code} {media_type} — is this a Baanx base URL?")


def _refuse(line: str) -> int:
    print(f"mock-baanx verify: {line}", file=sys.stderr)
    return USAGE_ERROR
