"""The contract checks: what the Baanx docs promise, checked against any target.

The same checks run in `contract_tests/` (pytest) and in `mock-baanx verify` (a drift
report). Replies are validated with the very schemas the mock itself is held to. A check
returns findings — each a JSON path, the rule broken, and the value seen — and never
raises for drift; it raises `Skip` when it cannot run against this target, and
`Unreachable` when the target does not answer.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

from ..core import FINAL_STATUSES
from ..protocol.routes import route
from ..testing.control_client import ControlClient, HttpControl
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
from .whole_replies import ReplyTooLarge, whole_reply_session

# The Baanx paths the checks call, from the route table.
PRODUCTS = route("getAvailableProducts").template
ORDERS = route("createOrder").template
PAYMENT_METHOD = "CRYPTO_EXTERNAL_DAIMO"
MAX_POLLS = 40


class Skip(Exception):
    """This check cannot run against this target: `reason` says why, `remedy` what would
    let it run. `applies=False`: it can never run against a target of this kind (the
    scripted lifecycles of a live API), so it is not a promise left unverified."""

    def __init__(self, reason: str, remedy: str = "", *, applies: bool = True) -> None:
        super().__init__(reason)
        self.remedy = remedy
        self.applies = applies


class Unreachable(Exception):
    """The target did not answer at all; the message says how (DNS, TLS, connection,
    timeout): the environment, not drift."""


ALLOW_ORDERS = "pass --allow-orders"
# Retry-After beyond this is not waited for: the check reports what it got.
MAX_RETRY_AFTER_SECONDS = 60
RETRIES_AFTER_RETRY_AFTER = 2


@dataclass
class Target:
    """Where the checks send their requests, and with which credentials."""

    base_url: str
    client_id: str
    token: str
    session: requests.Session = field(default_factory=whole_reply_session)
    allow_orders: bool = False
    poll_interval: float = 3.0
    # Set when the target is a mock-baanx with its control API: scripting checks need it,
    # and polls move its clock instead of sleeping.
    control: ControlClient | None = None
    # A user with at least one product they may not order, for the 403 check.
    ineligible_token: str | None = None
    timeout: float = 30.0
    # Orders a run may create on a live target (never exceeded); None: no limit (a mock).
    max_orders: int | None = None
    # Least seconds between two requests to a live target.
    pace: float = 0.0
    orders_created: int = 0
    order_rules: OrderRules = field(default_factory=OrderRules)
    _order: dict[str, Any] | None = field(default=None, repr=False)
    _last_sent: float = field(default=0.0, repr=False)

    def headers(self, **changes: str | None) -> dict[str, str]:
        """The valid headers, with some replaced or (None) removed."""
        base: dict[str, str | None] = {"X-Client-ID": self.client_id,
                                       "Authorization": f"Bearer {self.token}"}
        base.update(changes)
        return {name: value for name, value in base.items() if value is not None}

    def send(self, method: str, path: str, *, headers: dict[str, str] | None = None,
             body: Any = None) -> requests.Response:
        """One request, paced, and sent again after a 429 or 503's Retry-After (a few
        times, each wait at most a minute)."""
        for attempt in range(RETRIES_AFTER_RETRY_AFTER + 1):
            wait = self._last_sent + self.pace - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            self._last_sent = time.monotonic()
            try:
                # Never redirected: a redirect is no answer of the API's, and the hop to
                # another origin would drop the credentials and pass for a 401.
                response = self.session.request(
                    method, self.base_url.rstrip("/") + path, timeout=self.timeout,
                    headers=self.headers() if headers is None else headers, json=body,
                    allow_redirects=False)
            except requests.RequestException as error:
                raise Unreachable(environment_failure(error, self.base_url, self.timeout)
                                  ) from None
            if response.is_redirect:
                raise Unreachable(redirected(response, self.base_url))
            retry_after = _retry_after(response)
            if retry_after is None or attempt == RETRIES_AFTER_RETRY_AFTER:
                return response
            time.sleep(retry_after)
        raise AssertionError("unreachable")

    def create(self, body: dict[str, Any], headers: dict[str, str] | None = None
               ) -> requests.Response:
        """A request that creates an order if the target takes it: counted against the
        order budget, and refused (a skip) once the budget is spent."""
        if not self.allow_orders:
            raise Skip("creates an order", ALLOW_ORDERS)
        if self.max_orders is not None and self.orders_created >= self.max_orders:
            raise Skip(f"the order budget of {self.max_orders} is spent",
                       "raise --max-orders")
        self.orders_created += 1
        return self.send("POST", ORDERS, headers=headers, body=body)

    def wait_between_polls(self) -> None:
        """The docs' interval between polls: a mock's clock moves on instead."""
        if self.control is not None:
            if self.poll_interval:
                self.control.advance_clock(self.poll_interval)
        else:
            time.sleep(self.poll_interval)

    def created_order(self) -> dict[str, Any]:
        """One order created for this run (and reused by the checks that need one)."""
        if self._order is None:
            product_id = self.eligible_product()
            response = self.create({"productId": product_id, "paymentMethod": PAYMENT_METHOD})
            body = _json(response)
            if response.status_code != 200 or not isinstance(body, dict) or not isinstance(
                    body.get("orderId"), str):
                raise Skip(f"could not create an order (status {response.status_code})")
            self._order = body
            self.order_rules.created(body, product_id, time.monotonic())
        return self._order

    def eligible_product(self) -> str:
        products = _json(self.send("GET", PRODUCTS))
        eligible = product_ids(products, eligible=True)
        if not eligible:
            raise Skip("the target's user has no eligible product to order",
                       "give a user who may order something with --token")
        return eligible[0]


def _retry_after(response: requests.Response) -> float | None:
    """Seconds to wait before sending again, when a 429 or 503 asks for it."""
    if response.status_code not in (429, 503):
        return None
    try:
        seconds = float(response.headers.get("Retry-After", ""))
    except ValueError:
        return None
    return seconds if 0 <= seconds <= MAX_RETRY_AFTER_SECONDS else None


def environment_failure(error: Exception, base_url: str, timeout: float) -> str:
    """What went wrong, in the words of the environment: DNS, TLS, connection, timeout."""
    host = urlsplit(base_url).hostname or base_url
    text = repr(error)
    if isinstance(error, requests.exceptions.SSLError):
        return f"TLS handshake with {host} failed"
    if isinstance(error, requests.Timeout):
        return f"{host} did not answer within {timeout:g} s"
    if isinstance(error, ReplyTooLarge):
        return f"the reply from {host} was {error}"
    if any(sign in text for sign in ("NameResolution", "Name or service not known",
                                     "nodename nor servname", "getaddrinfo failed",
                                     "Temporary failure in name resolution")):
        return f"DNS lookup of {host} failed"
    if "refused" in text.lower():
        return f"connection to {public_url(base_url)} refused"
    if not isinstance(error, requests.ConnectionError):
        # The reply came but cannot be read: cut short, its chunks or its gzip broken.
        return f"the reply from {host} could not be read ({type(error).__name__})"
    return f"connection to {public_url(base_url)} failed ({type(error).__name__})"


def redirected(response: requests.Response, base_url: str) -> str:
    """What a redirect says of the base URL the run was given."""
    location = response.headers.get("Location", "")
    try:
        shown_location = public_url(urljoin(response.url, location))
    except ValueError:  # a Location that is no URL (a port that is not a number)
        shown_location = shown(location)
    return (f"{public_url(base_url)} answered {response.status_code}, a redirect to "
            f"{shown_location}: give --base-url the address it redirects to")


def product_ids(products: Any, *, eligible: bool) -> list[str]:
    """The ids of the products listed with `isEligible` equal to `eligible`, from whatever
    the target answered (which need not be the documented array)."""
    if not isinstance(products, list):
        return []
    return [item["id"] for item in products if isinstance(item, dict)
            and item.get("isEligible") is eligible and isinstance(item.get("id"), str)]


def detect_control(target: Target, control_token: str | None = None) -> ControlClient | None:
    """The target's control API if it is a mock-baanx (with the token it asks for), else
    None."""
    try:
        response = target.session.get(target.base_url.rstrip("/") + "/__mock/health",
                                      timeout=target.timeout, allow_redirects=False)
    except requests.RequestException:
        return None
    body = _json(response)
    if response.status_code == 200 and isinstance(body, dict) and body.get("status") == "ok":
        return HttpControl(target.base_url, target.session, target.timeout, control_token)
    if response.status_code == 503 and isinstance(body, dict) and isinstance(
            body.get("message"), str):
        # A mock-baanx whose shared state is away answers its health so (a live API has
        # no such path): nothing could be checked meanwhile.
        raise Unreachable(f"{public_url(target.base_url)}/__mock/health answered 503: "
                          f"{shown(body['message'])}")
    return None


# --- Findings ------------------------------------------------------------------------


def reply_findings(response: requests.Response, status: int, schema: str,
                   status_rule: str) -> list[Finding]:
    """Status, JSON content type, and body against `schemas/<schema>`; a status other than
    `status` breaks the rule `status_rule` of the ledger."""
    findings = []
    if response.status_code != status:
        findings.append(Finding("(status)", f"expected {status}", str(response.status_code),
                                status_rule))
    body = _json(response)
    findings += media_findings(SHAPE_RULES[schema], response.headers.get("Content-Type", ""),
                               response.content, body)
    if body is NOT_JSON:
        return findings
    if response.status_code == status:
        findings.extend(schema_findings(schema, body))
    return findings


def error_findings(response: requests.Response, status: int, status_rule: str,
                   message: str | None = None) -> list[Finding]:
    findings = reply_findings(response, status, "error.json", status_rule)
    body = _json(response)
    if message is not None and not _drift(findings) and body.get("message") != message:
        findings.append(Finding("$.message", f"expected {shown(message)}",
                                shown(body.get("message")), "error.body"))
    return findings


# --- The checks ----------------------------------------------------------------------


CheckFunction = Callable[[Target], list[Finding]]


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    endpoint: str
    rule: str
    # The fidelity-ledger rule the check holds the target to.
    rule_id: str
    # What a skip of this check leaves unverified, in a reader's words.
    promise: str
    run: CheckFunction


CHECKS: list[Check] = []


def check(name: str, endpoint: str, rule: str, rule_id: str, promise: str
          ) -> Callable[[CheckFunction], CheckFunction]:
    def register(function: CheckFunction) -> CheckFunction:
        CHECKS.append(Check(name, endpoint, rule, rule_id, promise, function))
        return function

    return register


GET_PRODUCTS = f"GET {PRODUCTS}"
POST_ORDER = f"POST {ORDERS}"
GET_ORDER = f"GET {route('getOrderStatus').template}"
HEADER_RULES = "the header rules"


@check("products_conform", GET_PRODUCTS, "200 with a bare array of id, description, isEligible",
       "products.shape", "available products")
def products_conform(target: Target) -> list[Finding]:
    return reply_findings(target.send("GET", PRODUCTS), 200, "available-products-response.json",
                          "products.shape")


@check("missing_client_key_is_499", GET_PRODUCTS, "no client-id header answers 499",
       "client-key.missing", HEADER_RULES)
def missing_client_key(target: Target) -> list[Finding]:
    response = target.send("GET", PRODUCTS, headers=target.headers(**{"X-Client-ID": None}))
    return error_findings(response, 499, "client-key.missing", "Missing client key")


@check("unknown_client_key_is_498", GET_PRODUCTS, "an unknown client id answers 498",
       "client-key.invalid", HEADER_RULES)
def unknown_client_key(target: Target) -> list[Finding]:
    response = target.send("GET", PRODUCTS, headers=target.headers(
        **{"X-Client-ID": "mock-baanx-contract-check-unknown-client"}))
    return error_findings(response, 498, "client-key.invalid", "Invalid client key")


@check("missing_token_is_401", GET_PRODUCTS, "no bearer token answers 401", "token.required",
       HEADER_RULES)
def missing_token(target: Target) -> list[Finding]:
    response = target.send("GET", PRODUCTS, headers=target.headers(Authorization=None))
    return error_findings(response, 401, "token.required", "Not authenticated")


@check("invalid_token_is_401", GET_PRODUCTS, "an invalid bearer token answers 401",
       "token.required", HEADER_RULES)
def invalid_token(target: Target) -> list[Finding]:
    response = target.send("GET", PRODUCTS, headers=target.headers(
        Authorization="Bearer mock-baanx-contract-check-invalid-token"))
    return error_findings(response, 401, "token.required", "Not authenticated")


@check("x_client_key_is_accepted", GET_PRODUCTS, "the client id may come as x-client-key",
       "client-key.header-names", HEADER_RULES)
def x_client_key(target: Target) -> list[Finding]:
    headers = target.headers(**{"X-Client-ID": None, "x-client-key": target.client_id})
    return reply_findings(target.send("GET", PRODUCTS, headers=headers), 200,
                          "available-products-response.json", "client-key.header-names")


@check("unknown_order_is_404", GET_ORDER, "an unknown order id answers 404",
       "status.unknown-order", "unknown orders")
def unknown_order(target: Target) -> list[Finding]:
    response = target.send("GET", f"{ORDERS}/mock-baanx-contract-check-unknown-order")
    return error_findings(response, 404, "status.unknown-order")


@check("missing_product_id_is_422", POST_ORDER, "a body without productId answers 422",
       "create.validation", "create validation")
def missing_product_id(target: Target) -> list[Finding]:
    # Without a productId no order can come of it, even on a target that drifted.
    response = target.send("POST", ORDERS, body={"paymentMethod": PAYMENT_METHOD})
    return error_findings(response, 422, "create.validation")


@check("unsupported_payment_method_is_422", POST_ORDER,
       "a paymentMethod other than CRYPTO_EXTERNAL_DAIMO answers 422", "create.validation",
       "create validation")
def unsupported_payment_method(target: Target) -> list[Finding]:
    response = target.send("POST", ORDERS, body={
        "productId": "MOCK_BAANX_CONTRACT_CHECK_UNKNOWN", "paymentMethod": "CASH"})
    return error_findings(response, 422, "create.validation")


@check("ineligible_product_is_403", POST_ORDER, "ordering a product the user is not "
       "eligible for answers 403", "create.ineligible", "ineligible products")
def ineligible_product(target: Target) -> list[Finding]:
    token = target.ineligible_token or target.token
    headers = target.headers(Authorization=f"Bearer {token}")
    products = _json(target.send("GET", PRODUCTS, headers=headers))
    ineligible = product_ids(products, eligible=False)
    if not ineligible:
        raise Skip("the user is eligible for every product",
                   "name one who is not with --ineligible-token")
    # Would create an order if the target drifted: it counts against the budget.
    response = target.create({"productId": ineligible[0], "paymentMethod": PAYMENT_METHOD},
                             headers)
    return error_findings(response, 403, "create.ineligible")


@check("create_order_conforms", POST_ORDER, "200 with orderId, requestId and paymentConfig",
       "create.shape", "order creation")
def create_order_conforms(target: Target) -> list[Finding]:
    product_id = target.eligible_product()
    response = target.create({"productId": product_id, "paymentMethod": PAYMENT_METHOD})
    findings = reply_findings(response, 200, "create-order-response.json", "create.shape")
    if not _drift(findings):
        target._order = _json(response)
        target.order_rules.created(target._order, product_id, time.monotonic())
    return findings


@check("order_status_conforms", GET_ORDER, "200 with orderId, status, and the create's "
       "requestId", "status.shape", "order status")
def order_status_conforms(target: Target) -> list[Finding]:
    created = target.created_order()
    order_id = created["orderId"]
    response = target.send("GET", f"{ORDERS}/{order_id}")
    findings = reply_findings(response, 200, "order-status-response.json", "status.shape")
    if response.status_code == 200:
        findings += target.order_rules.polled(order_id, _json(response), time.monotonic())
    return findings


@check("lifecycles_reach_their_final_status", GET_ORDER,
       "complete, fail and expire orders end COMPLETED, FAILED and EXPIRED within 40 polls, "
       "and stay there", "status.forward-only", "lifecycles")
def lifecycles_reach_final_status(target: Target) -> list[Finding]:
    if target.control is None:
        raise Skip("needs scripted lifecycles (/__mock/): only a mock-baanx target has them",
                   applies=False)
    product_id = target.eligible_product()
    findings = []
    for lifecycle, final in (("complete", "COMPLETED"), ("fail", "FAILED"),
                             ("expire", "EXPIRED")):
        response = target.send("POST", ORDERS, headers=target.headers(
            **{"X-Mock-Lifecycle": lifecycle}), body={"productId": product_id,
                                                      "paymentMethod": PAYMENT_METHOD})
        problems = reply_findings(response, 200, "create-order-response.json", "create.shape")
        if _drift(problems):
            findings.extend(problems)
            continue
        created = _json(response)
        target.order_rules.created(created, product_id, time.monotonic())
        seen = _poll_to_the_end(target, created["orderId"], findings)
        if seen != final:
            findings.append(Finding("$.status", f"expected {final} for lifecycle {lifecycle}",
                                    shown(seen), "status.forward-only"))
    return findings


def _poll_to_the_end(target: Target, order_id: str, findings: list[Finding]) -> str | None:
    """Poll as the docs advise: every poll_interval, at most 40 times, until final; then
    once more, since a final status must never change."""
    status = None
    polls_after_final = 0
    for _ in range(MAX_POLLS + 1):
        response = target.send("GET", f"{ORDERS}/{order_id}")
        problems = reply_findings(response, 200, "order-status-response.json", "status.shape")
        body = _json(response)
        if response.status_code == 200:
            problems += target.order_rules.polled(order_id, body, time.monotonic())
        findings.extend(problems)
        if _drift(problems):
            return None
        status = body["status"]
        if status in FINAL_STATUSES:
            if polls_after_final:
                return str(status)
            polls_after_final += 1
        target.wait_between_polls()
    return status


def _drift(findings: list[Finding]) -> bool:
    return any(finding.severity is Severity.DRIFT for finding in findings)


# --- Running -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CheckResult:
    check: Check
    # "pass", "fail", "skip", or "n/a" (a check that can never run on this kind of target)
    outcome: str
    findings: tuple[Finding, ...] = ()
    reason: str = ""
    remedy: str = ""

    @property
    def novelties(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.NOVELTY)


def run_check(target: Target, item: Check, *, strict: bool = False) -> CheckResult:
    """One check's result: a fail when it found drift (or, `strict`, any novelty)."""
    try:
        findings = item.run(target)
    except Skip as skipped:
        return CheckResult(item, "skip" if skipped.applies else "n/a", reason=str(skipped),
                           remedy=skipped.remedy)
    failed = _drift(findings) or (strict and bool(findings))
    return CheckResult(item, "fail" if failed else "pass", tuple(findings))


def run_checks(target: Target, *, strict: bool = False) -> list[CheckResult]:
    """Every check, in order. Raises Unreachable if the target does not answer."""
    return [run_check(target, item, strict=strict) for item in CHECKS]


def _json(response: requests.Response) -> Any:
    return parsed_json(response.content)


def public_url(url: str) -> str:
    """`url` without any credentials written into it (`https://user:secret@host`)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    netloc = host + (f":{parts.port}" if parts.port else "")
    return parts._replace(netloc=netloc).geturl()
