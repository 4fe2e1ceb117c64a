"""The contract checks: what the Baanx docs promise, checked against any target.

The same checks run in `contract_tests/` (pytest) and in `mock-baanx verify` (a drift
report). Replies are validated with the very schemas the mock itself is held to. A check
returns findings — each a JSON path, the rule broken, and the value seen — and never
raises for drift; it raises `Skip` when it cannot run against this target, and
`Unreachable` when the target does not answer.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
from jsonschema.exceptions import ValidationError

from ..core import FINAL_STATUSES
from ..protocol import schemas
from ..testing.control_client import ControlClient, HttpControl

PRODUCTS = "/v1/order/products/available"
ORDERS = "/v1/order"
PAYMENT_METHOD = "CRYPTO_EXTERNAL_DAIMO"
MAX_POLLS = 40


class Skip(Exception):
    """This check cannot run against this target; the message says why."""


class Unreachable(Exception):
    """The target did not answer at all."""


@dataclass(frozen=True, slots=True)
class Finding:
    """One way a reply departs from the contract."""

    json_path: str
    rule: str
    actual: str

    def line(self, endpoint: str) -> str:
        return f"{endpoint}  {self.json_path}  {self.rule}  got {self.actual}"


@dataclass
class Target:
    """Where the checks send their requests, and with which credentials."""

    base_url: str
    client_id: str
    token: str
    session: requests.Session = field(default_factory=requests.Session)
    allow_orders: bool = False
    poll_interval: float = 3.0
    # Set when the target is a mock-baanx with its control API: scripting checks need it.
    control: ControlClient | None = None
    # A user with at least one product they may not order, for the 403 check.
    ineligible_token: str | None = None
    timeout: float = 30.0
    _order: dict[str, Any] | None = field(default=None, repr=False)

    def headers(self, **changes: str | None) -> dict[str, str]:
        """The valid headers, with some replaced or (None) removed."""
        base: dict[str, str | None] = {"X-Client-ID": self.client_id,
                                       "Authorization": f"Bearer {self.token}"}
        base.update(changes)
        return {name: value for name, value in base.items() if value is not None}

    def send(self, method: str, path: str, *, headers: dict[str, str] | None = None,
             body: Any = None) -> requests.Response:
        try:
            return self.session.request(
                method, self.base_url.rstrip("/") + path, timeout=self.timeout,
                headers=self.headers() if headers is None else headers,
                json=body)
        except (requests.ConnectionError, requests.Timeout) as error:
            raise Unreachable(f"{type(error).__name__} talking to {public_url(self.base_url)}"
                              ) from None

    def created_order(self) -> dict[str, Any]:
        """One order created for this run (and reused by the checks that need one)."""
        if not self.allow_orders:
            raise Skip("creates an order: allow it with --allow-orders (BAANX_ALLOW_ORDERS=1)")
        if self._order is None:
            product_id = self.eligible_product()
            response = self.send("POST", ORDERS, body={"productId": product_id,
                                                       "paymentMethod": PAYMENT_METHOD})
            body = _json(response)
            if response.status_code != 200 or not isinstance(body, dict) or not isinstance(
                    body.get("orderId"), str):
                raise Skip(f"could not create an order (status {response.status_code})")
            self._order = body
        return self._order

    def eligible_product(self) -> str:
        products = _json(self.send("GET", PRODUCTS))
        eligible = product_ids(products, eligible=True)
        if not eligible:
            raise Skip("the target's user has no eligible product to order")
        return eligible[0]


def product_ids(products: Any, *, eligible: bool) -> list[str]:
    """The ids of the products listed with `isEligible` equal to `eligible`, from whatever
    the target answered (which need not be the documented array)."""
    if not isinstance(products, list):
        return []
    return [item["id"] for item in products if isinstance(item, dict)
            and item.get("isEligible") is eligible and isinstance(item.get("id"), str)]


def detect_control(target: Target) -> ControlClient | None:
    """The target's control API if it is a mock-baanx, else None."""
    try:
        response = target.session.get(target.base_url.rstrip("/") + "/__mock/health",
                                      timeout=target.timeout)
    except (requests.ConnectionError, requests.Timeout):
        return None
    if response.status_code == 200 and _json(response) == {"status": "ok"}:
        return HttpControl(target.base_url, target.session, target.timeout)
    return None


# --- Findings ------------------------------------------------------------------------


def shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 120 else text[:117] + "..."


def schema_findings(schema: str, instance: Any) -> list[Finding]:
    errors = sorted(schemas.validator(schema).iter_errors(instance), key=lambda e: e.json_path)
    return [_finding(error) for error in errors]


def _finding(error: ValidationError) -> Finding:
    expected: Any = error.validator_value
    instance: Any = error.instance
    schema: Any = error.schema
    if error.validator == "required":
        missing = [name for name in expected if name not in instance]
        return Finding(f"{error.json_path}.{missing[0]}", "required field", "nothing (missing)")
    if error.validator == "additionalProperties":
        extra = sorted(set(instance) - set(schema.get("properties", {})))
        return Finding(f"{error.json_path}.{extra[0]}", "undocumented field",
                       shown(instance[extra[0]]))
    rule = {
        "enum": lambda: "expected one of " + "|".join(map(str, expected)),
        "const": lambda: f"expected {shown(expected)}",
        "type": lambda: f"expected type {expected}",
        "pattern": lambda: f"expected to match {expected}",
        "minLength": lambda: f"expected at least {expected} characters",
    }.get(str(error.validator), lambda: f"{error.validator}: {error.message}")()
    return Finding(error.json_path, rule, shown(instance))


def reply_findings(response: requests.Response, status: int, schema: str) -> list[Finding]:
    """Status, JSON content type, and body against `schemas/<schema>`."""
    findings = []
    if response.status_code != status:
        findings.append(Finding("(status)", f"expected {status}", str(response.status_code)))
    content_type = response.headers.get("Content-Type", "")
    if content_type.split(";")[0].strip().lower() != "application/json":
        findings.append(Finding("(Content-Type)", "expected application/json",
                                shown(content_type)))
    body = _json(response)
    if body is _NOT_JSON:
        findings.append(Finding("$", "expected a JSON body", shown(response.text[:80])))
        return findings
    if response.status_code == status:
        findings.extend(schema_findings(schema, body))
    return findings


def error_findings(response: requests.Response, status: int,
                   message: str | None = None) -> list[Finding]:
    findings = reply_findings(response, status, "error.json")
    body = _json(response)
    if message is not None and not findings and body.get("message") != message:
        findings.append(Finding("$.message", f"expected {shown(message)}",
                                shown(body.get("message"))))
    return findings


# --- The checks ----------------------------------------------------------------------


CheckFunction = Callable[[Target], list[Finding]]


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    endpoint: str
    rule: str
    run: CheckFunction


CHECKS: list[Check] = []


def check(name: str, endpoint: str, rule: str) -> Callable[[CheckFunction], CheckFunction]:
    def register(function: CheckFunction) -> CheckFunction:
        CHECKS.append(Check(name, endpoint, rule, function))
        return function

    return register


GET_PRODUCTS = f"GET {PRODUCTS}"
POST_ORDER = f"POST {ORDERS}"
GET_ORDER = "GET /v1/order/{orderId}"


@check("products_conform", GET_PRODUCTS, "200 with a bare array of id, description, isEligible")
def products_conform(target: Target) -> list[Finding]:
    return reply_findings(target.send("GET", PRODUCTS), 200, "available-products-response.json")


@check("missing_client_key_is_499", GET_PRODUCTS, "no client-id header answers 499")
def missing_client_key(target: Target) -> list[Finding]:
    response = target.send("GET", PRODUCTS, headers=target.headers(**{"X-Client-ID": None}))
    return error_findings(response, 499, "Missing client key")


@check("unknown_client_key_is_498", GET_PRODUCTS, "an unknown client id answers 498")
def unknown_client_key(target: Target) -> list[Finding]:
    response = target.send("GET", PRODUCTS, headers=target.headers(
        **{"X-Client-ID": "mock-baanx-contract-check-unknown-client"}))
    return error_findings(response, 498, "Invalid client key")


@check("missing_token_is_401", GET_PRODUCTS, "no bearer token answers 401")
def missing_token(target: Target) -> list[Finding]:
    response = target.send("GET", PRODUCTS, headers=target.headers(Authorization=None))
    return error_findings(response, 401, "Not authenticated")


@check("invalid_token_is_401", GET_PRODUCTS, "an invalid bearer token answers 401")
def invalid_token(target: Target) -> list[Finding]:
    response = target.send("GET", PRODUCTS, headers=target.headers(
        Authorization="Bearer mock-baanx-contract-check-invalid-token"))
    return error_findings(response, 401, "Not authenticated")


@check("x_client_key_is_accepted", GET_PRODUCTS, "the client id may come as x-client-key")
def x_client_key(target: Target) -> list[Finding]:
    headers = target.headers(**{"X-Client-ID": None, "x-client-key": target.client_id})
    return reply_findings(target.send("GET", PRODUCTS, headers=headers), 200,
                          "available-products-response.json")


@check("unknown_order_is_404", GET_ORDER, "an unknown order id answers 404")
def unknown_order(target: Target) -> list[Finding]:
    response = target.send("GET", f"{ORDERS}/mock-baanx-contract-check-unknown-order")
    return error_findings(response, 404)


@check("missing_product_id_is_422", POST_ORDER, "a body without productId answers 422")
def missing_product_id(target: Target) -> list[Finding]:
    # Without a productId no order can come of it, even on a target that drifted.
    response = target.send("POST", ORDERS, body={"paymentMethod": PAYMENT_METHOD})
    return error_findings(response, 422)


@check("unsupported_payment_method_is_422", POST_ORDER,
       "a paymentMethod other than CRYPTO_EXTERNAL_DAIMO answers 422")
def unsupported_payment_method(target: Target) -> list[Finding]:
    response = target.send("POST", ORDERS, body={
        "productId": "MOCK_BAANX_CONTRACT_CHECK_UNKNOWN", "paymentMethod": "CASH"})
    return error_findings(response, 422)


@check("ineligible_product_is_403", POST_ORDER, "ordering a product the user is not "
       "eligible for answers 403")
def ineligible_product(target: Target) -> list[Finding]:
    token = target.ineligible_token or target.token
    headers = target.headers(Authorization=f"Bearer {token}")
    products = _json(target.send("GET", PRODUCTS, headers=headers))
    ineligible = product_ids(products, eligible=False)
    if not ineligible:
        raise Skip("the user is eligible for every product: name one who is not with "
                   "--ineligible-token (BAANX_INELIGIBLE_TOKEN)")
    if not target.allow_orders:
        raise Skip("would create an order if the target drifted: allow it with --allow-orders")
    response = target.send("POST", ORDERS, headers=headers, body={
        "productId": ineligible[0], "paymentMethod": PAYMENT_METHOD})
    return error_findings(response, 403)


@check("create_order_conforms", POST_ORDER, "200 with orderId, requestId and paymentConfig")
def create_order_conforms(target: Target) -> list[Finding]:
    if not target.allow_orders:
        raise Skip("creates an order: allow it with --allow-orders (BAANX_ALLOW_ORDERS=1)")
    response = target.send("POST", ORDERS, body={"productId": target.eligible_product(),
                                                 "paymentMethod": PAYMENT_METHOD})
    findings = reply_findings(response, 200, "create-order-response.json")
    if not findings:
        target._order = _json(response)
    return findings


@check("order_status_conforms", GET_ORDER, "200 with orderId, status, and the create's "
       "requestId")
def order_status_conforms(target: Target) -> list[Finding]:
    created = target.created_order()
    response = target.send("GET", f"{ORDERS}/{created['orderId']}")
    findings = reply_findings(response, 200, "order-status-response.json")
    body = _json(response)
    if not findings and "requestId" in created and body.get("requestId") != created[
            "requestId"]:
        expected = shown(created["requestId"])
        findings.append(Finding("$.requestId", f"expected the create's {expected}",
                                shown(body.get("requestId"))))
    return findings


@check("lifecycles_reach_their_final_status", GET_ORDER,
       "complete, fail and expire orders end COMPLETED, FAILED and EXPIRED within 40 polls")
def lifecycles_reach_final_status(target: Target) -> list[Finding]:
    if target.control is None:
        raise Skip("needs scripted lifecycles (/__mock/): only a mock-baanx target has them")
    product_id = target.eligible_product()
    findings = []
    for lifecycle, final in (("complete", "COMPLETED"), ("fail", "FAILED"),
                             ("expire", "EXPIRED")):
        response = target.send("POST", ORDERS, headers=target.headers(
            **{"X-Mock-Lifecycle": lifecycle}), body={"productId": product_id,
                                                      "paymentMethod": PAYMENT_METHOD})
        problems = reply_findings(response, 200, "create-order-response.json")
        if problems:
            findings.extend(problems)
            continue
        order_id = _json(response)["orderId"]
        seen = _poll_to_the_end(target, order_id, findings)
        if seen != final:
            findings.append(Finding("$.status", f"expected {final} for lifecycle {lifecycle}",
                                    shown(seen)))
    return findings


def _poll_to_the_end(target: Target, order_id: str, findings: list[Finding]) -> str | None:
    """Poll as the docs advise: every poll_interval, at most 40 times, until final."""
    status = None
    for _ in range(MAX_POLLS):
        response = target.send("GET", f"{ORDERS}/{order_id}")
        problems = reply_findings(response, 200, "order-status-response.json")
        if problems:
            findings.extend(problems)
            return None
        status = _json(response)["status"]
        if status in FINAL_STATUSES:
            return str(status)
        time.sleep(target.poll_interval)
    return status


# --- Running -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CheckResult:
    check: Check
    outcome: str  # "pass", "fail" or "skip"
    findings: tuple[Finding, ...] = ()
    reason: str = ""


def run_check(target: Target, item: Check) -> CheckResult:
    try:
        findings = item.run(target)
    except Skip as skipped:
        return CheckResult(item, "skip", reason=str(skipped))
    return CheckResult(item, "fail" if findings else "pass", tuple(findings))


def run_checks(target: Target) -> list[CheckResult]:
    """Every check, in order. Raises Unreachable if the target does not answer."""
    return [run_check(target, item) for item in CHECKS]


_NOT_JSON: Any = object()


def _json(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return _NOT_JSON


def public_url(url: str) -> str:
    """`url` without any credentials written into it (`https://user:secret@host`)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    netloc = host + (f":{parts.port}" if parts.port else "")
    return parts._replace(netloc=netloc).geturl()
