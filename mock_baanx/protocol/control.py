"""The control API under /__mock/: the mock's own, never part of the Baanx contract.

Transport-neutral handlers in the same route table as the Baanx endpoints, so the served
mock, the in-process mock and the dashboard all script the mock the same way.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from typing import Any
from urllib.parse import parse_qs

from ..core import Fault, FaultKind, OrderStatus, Outcome, is_calendar_date
from ..core.errors import ValidationFailed
from ..core.faults import ANY_ENDPOINT
from .coverage import coverage_report
from .errors import RouteNotFound
from .fixtures import FixtureError, lifecycle_from, product_from, stub_from, user_from
from .messages import Reply, bounded_number, parse_json, whole
from .order_json import moment_text, order_detail
from .route import Call, Route, RouteKind
from .schemas import validated
from .stubs import refusal, stub_listing, stub_routes


def control_body(call: Call, schema: str) -> dict[str, Any]:
    """The request body, valid against `schemas/control/<schema>`. Any content type is
    read as JSON, so that a bare `curl -d` works; no body at all is an empty object, and
    a body of white space alone is no JSON (RFC 8259 asks for a value). What not every
    store can keep is refused (`parse_json`): what the mock keeps, it must write back."""
    raw = call.request.body
    return validated(f"control/{schema}", parse_json(raw, to_keep=True) if raw else {},
                     call.backend.extended_statuses)


@cache
def dashboard_page() -> bytes:
    return (files("mock_baanx.protocol") / "ui" / "dashboard.html").read_bytes()


def dashboard(call: Call) -> Reply:
    """The dashboard: one self-contained page (no CDN, no build step) that drives this
    very control API from the browser."""
    return Reply(200, dashboard_page(), (("Content-Type", "text/html; charset=utf-8"),
                                         ("Cache-Control", "no-store")))


def health(call: Call) -> Reply:
    store = call.backend.store
    return Reply.json(200, {"status": "ok", "orders": {
        "kept": store.orders_kept(), "max": store.max_orders,
        "forgotten": store.orders_forgotten()}})


def reset(call: Call) -> Reply:
    """This namespace back to the fixtures; `{"all": true}` forgets every namespace."""
    body = control_body(call, "reset-request.json")
    if body.get("all"):
        call.backend.reset_all()
    else:
        call.backend.reset(call.namespace)
    return Reply.json(200, {"status": "reset"})


PAGE_LIMIT = 1000


def query_numbers(call: Call) -> dict[str, int]:
    """The route's query parameters, each a whole number within its bounds; 422 naming
    the parameter otherwise. Parameters the route does not read are ignored."""
    given = parse_qs(call.request.query, keep_blank_values=True)
    numbers = {}
    for parameter in call.route.query:
        if parameter.name not in given:
            continue
        number = bounded_number(given[parameter.name][-1], parameter.minimum,
                                parameter.maximum)
        if number is None:
            raise ValidationFailed(f"{parameter.name} must be a whole number from "
                                   f"{parameter.minimum} to {parameter.maximum}")
        numbers[parameter.name] = number
    return numbers


def list_orders(call: Call) -> Reply:
    """The namespace's orders, newest first: a page of them (`limit`, `offset`), so that a
    large order book is never sent whole; `total` says how many there are."""
    query = query_numbers(call)
    page = call.backend.order_page(namespace=call.namespace, offset=query.get("offset", 0),
                                   limit=query.get("limit", PAGE_LIMIT))
    return Reply.json(200, {"orders": [order_detail(order) for order in page.orders],
                            "total": page.total})


def get_order(call: Call) -> Reply:
    order = call.backend.order(call.params["orderId"], namespace=call.namespace)
    return Reply.json(200, order_detail(order))


def force_status(call: Call) -> Reply:
    body = control_body(call, "status-request.json")
    if "paidAt" in body and not is_calendar_date(body["paidAt"]):
        raise ValidationFailed(f"paidAt: {body['paidAt']} is a day no calendar has")
    outcome = Outcome(note=body.get("note"), paid_at=body.get("paidAt"),
                      payment_id=body.get("paymentId"), tx_hash=body.get("txHash"))
    order = call.backend.force_status(call.params["orderId"], OrderStatus(body["status"]),
                                      outcome, namespace=call.namespace)
    return Reply.json(200, order_detail(order))


def lifecycle_state(call: Call) -> dict[str, Any]:
    backend = call.backend
    known = [{"name": lifecycle.name, "description": lifecycle.description}
             for lifecycle in sorted(backend.usable_lifecycles(call.namespace).values(),
                                     key=lambda lc: lc.name)]
    # Read last: a store may commit what the request changed with it (PostgreSQL does).
    upcoming = backend.next_lifecycle(call.namespace)
    return {
        "next": None if upcoming is None else {"name": upcoming.name,
                                               "remaining": upcoming.remaining},
        "default": backend.default_lifecycle,
        "known": known,
    }


def get_lifecycle(call: Call) -> Reply:
    return Reply.json(200, lifecycle_state(call))


def set_lifecycle(call: Call) -> Reply:
    body = control_body(call, "lifecycle-request.json")
    call.backend.set_next_lifecycle(body["name"], whole(body.get("count")),
                                    namespace=call.namespace)
    return Reply.json(200, lifecycle_state(call))


def clock_state(call: Call) -> dict[str, Any]:
    backend = call.backend
    return {"now": moment_text(backend.now(call.namespace)),
            "offsetSeconds": backend.clock_offset(call.namespace)}


def get_clock(call: Call) -> Reply:
    return Reply.json(200, clock_state(call))


def advance_clock(call: Call) -> Reply:
    body = control_body(call, "clock-request.json")
    try:
        call.backend.advance_clock(body["advanceSeconds"], namespace=call.namespace)
    except ValueError as error:
        raise ValidationFailed(f"advanceSeconds: {error}") from None
    return Reply.json(200, clock_state(call))


def faults_state(call: Call) -> dict[str, Any]:
    return {"faults": [
        {"endpoint": fault.endpoint, "status": fault.status, "kind": fault.kind,
         "retryAfter": fault.retry_after, "delayMs": fault.delay_ms, "times": fault.times}
        for fault in call.backend.faults(call.namespace)
    ]}


def faultable(call: Call) -> list[Route]:
    """The routes a fault may name, from the route table: the Baanx API's, and the
    namespace's stubs (by their ids)."""
    return [*(route for route in call.routes if route.kind is RouteKind.BAANX),
            *stub_routes(call.backend.view(call.namespace).stubs)]


def get_faults(call: Call) -> Reply:
    return Reply.json(200, faults_state(call))


def add_fault(call: Call) -> Reply:
    body = control_body(call, "fault-request.json")
    known = [ANY_ENDPOINT, *(route.operation for route in faultable(call))]
    if body["endpoint"] not in known:
        raise ValidationFailed(f"endpoint must be one of: {', '.join(known)}")
    kind = body.get("kind")
    call.backend.add_fault(Fault(endpoint=body["endpoint"], status=whole(body.get("status")),
                                 kind=None if kind is None else FaultKind(kind),
                                 retry_after=whole(body.get("retryAfter")),
                                 delay_ms=whole(body.get("delayMs", 0)),
                                 times=whole(body.get("times"))),
                           namespace=call.namespace)
    return Reply.json(200, faults_state(call))


def clear_faults(call: Call) -> Reply:
    call.backend.clear_faults(call.namespace)
    return Reply.json(200, faults_state(call))


def journal(call: Call) -> Reply:
    """The journal, oldest first: the most recent `limit` entries, or all it keeps."""
    limit = query_numbers(call).get("limit")
    entries = call.backend.journal(call.namespace)
    return Reply.json(200, {"requests": [
        {"at": moment_text(entry.at), "method": entry.method, "path": entry.path,
         "headers": dict(entry.headers), "body": entry.body, "status": entry.status,
         "endpoint": entry.endpoint, "fault": entry.fault,
         **({"note": entry.note} if entry.note else {})}
        for entry in (entries if limit is None else entries[-limit:])
    ]})


def home(call: Call) -> Reply:
    """The mock's root, opened in a browser: its dashboard."""
    return Reply(302, headers=(("Location", call.prefix + "/__mock/ui"),))


def clear_journal(call: Call) -> Reply:
    call.backend.clear_journal(call.namespace)
    return Reply.json(200, {"requests": []})


def add_user(call: Call) -> Reply:
    """A user for this namespace, until its reset."""
    body = control_body(call, "user-request.json")
    replaced = call.backend.add_user(user_from(body), namespace=call.namespace)
    return Reply.json(200, {"kind": "user", "key": body["token"], "replaced": replaced})


def add_product(call: Call) -> Reply:
    """A product for this namespace's catalogue, until its reset."""
    body = control_body(call, "product-request.json")
    replaced = call.backend.add_product(product_from(body), namespace=call.namespace)
    return Reply.json(200, {"kind": "product", "key": body["id"], "replaced": replaced})


def add_lifecycle(call: Call) -> Reply:
    """A lifecycle for this namespace, until its reset."""
    body = control_body(call, "lifecycle-add-request.json")
    try:
        lifecycle = lifecycle_from(body["name"], body["lifecycle"], "request body")
    except FixtureError as error:
        raise ValidationFailed(f"lifecycle.{error.field.removeprefix('$.')}: {error.problem}"
                               if error.field else error.problem) from None
    replaced = call.backend.add_lifecycle(lifecycle, namespace=call.namespace)
    return Reply.json(200, {"kind": "lifecycle", "key": body["name"], "replaced": replaced})


def add_stub(call: Call) -> Reply:
    """A stub for this namespace (one with its id replaced), until its reset."""
    body = control_body(call, "stub-request.json")
    try:
        stub = stub_from(body, "request body")
    except FixtureError as error:
        raise ValidationFailed(f"{error.field.removeprefix('$.')}: {error.problem}"
                               if error.field else error.problem) from None
    refused = refusal(stub, call.routes)
    if refused is not None:
        raise ValidationFailed(f"path: {refused}")
    replaced = call.backend.add_stub(stub, namespace=call.namespace)
    return Reply.json(200, {"kind": "stub", "key": stub.id, "replaced": replaced})


def list_stubs(call: Call) -> Reply:
    return Reply.json(200, {"stubs": stub_listing(call.backend.view(call.namespace).stubs)})


def remove_stub(call: Call) -> Reply:
    """Take out a stub added at run time; a fixture's is the namespace's until a reset."""
    stub_id = call.params["stubId"]
    if not call.backend.remove_stub(stub_id, namespace=call.namespace):
        raise RouteNotFound(f"Not found: no stub {stub_id!r} was added to this namespace (a "
                            "fixture's stub stays: POST /__mock/reset returns to them)")
    return list_stubs(call)


def namespaces(call: Call) -> Reply:
    """Every namespace the mock keeps, the one used most recently first."""
    return Reply.json(200, {"namespaces": [
        {"name": summary.name, "orders": summary.orders,
         "lastUsedAt": moment_text(summary.last_used)}
        for summary in reversed(call.backend.namespaces())
    ]})


def coverage(call: Call) -> Reply:
    """Which documented outcomes this namespace's consumer has been served, and how often."""
    routes = (*call.routes, *stub_routes(call.backend.view(call.namespace).stubs))
    return Reply.json(200, {"outcomes": coverage_report(routes,
                                                        call.backend.coverage(call.namespace),
                                                        call.backend.extended_statuses)})
