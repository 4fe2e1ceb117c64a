"""The control API under /__mock/: the mock's own, never part of the Baanx contract.

Transport-neutral handlers in the same route table as the Baanx endpoints, so the served
mock, the in-process mock and the dashboard all script the mock the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any

from ..core import Fault, Order, OrderStatus, Outcome
from .bodies import parse_json, status_body, validated
from .messages import Reply

if TYPE_CHECKING:
    from .handler import Call


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds")


def control_body(call: Call, schema: str) -> dict[str, Any]:
    """The request body, valid against `schemas/control/<schema>`. Any content type is
    read as JSON, so that a bare `curl -d` works; an empty body is an empty object."""
    raw = call.request.body.strip()
    return validated(f"control/{schema}", parse_json(raw) if raw else {})


def order_detail(order: Order) -> dict[str, Any]:
    reply = status_body(order)
    return {
        "orderId": order.order_id,
        "requestId": order.request_id,
        "clientId": order.client_id,
        "userId": order.user_id,
        "productId": order.product_id,
        "paymentMethod": order.payment_method.value,
        "lifecycle": order.lifecycle,
        "status": order.status.value,
        "createdAt": iso(order.created_at),
        "pollCount": order.poll_count,
        "pollTimes": [iso(moment) for moment in order.poll_times],
        "lastPolledAt": iso(order.poll_times[-1]) if order.poll_times else None,
        "history": [
            {"status": change.status.value, "at": iso(change.at),
             "afterPolls": change.after_polls, "cause": change.cause}
            for change in order.history
        ],
        **{key: reply[key] for key in ("paidAt", "metadata") if key in reply},
    }


@cache
def dashboard_page() -> bytes:
    return (files("mock_baanx.protocol") / "ui" / "dashboard.html").read_bytes()


def dashboard(call: Call) -> Reply:
    """The dashboard: one self-contained page (no CDN, no build step) that drives this
    very control API from the browser."""
    return Reply(200, dashboard_page(), (("Content-Type", "text/html; charset=utf-8"),
                                         ("Cache-Control", "no-store")))


def health(call: Call) -> Reply:
    return Reply.json(200, {"status": "ok"})


def reset(call: Call) -> Reply:
    call.backend.reset()
    return Reply.json(200, {"status": "reset"})


def list_orders(call: Call) -> Reply:
    orders = call.backend.orders()
    return Reply.json(200, {"orders": [order_detail(order) for order in reversed(orders)]})


def get_order(call: Call) -> Reply:
    return Reply.json(200, order_detail(call.backend.order(call.params["orderId"])))


def force_status(call: Call) -> Reply:
    body = control_body(call, "status-request.json")
    outcome = Outcome(note=body.get("note"), paid_at=body.get("paidAt"),
                      payment_id=body.get("paymentId"), tx_hash=body.get("txHash"))
    order = call.backend.force_status(call.params["orderId"], OrderStatus(body["status"]),
                                      outcome)
    return Reply.json(200, order_detail(order))


def lifecycle_state(call: Call) -> dict[str, Any]:
    backend = call.backend
    upcoming = backend.next_lifecycle
    return {
        "next": None if upcoming is None else {"name": upcoming.name,
                                               "remaining": upcoming.remaining},
        "default": backend.default_lifecycle,
        "known": [{"name": lifecycle.name, "description": lifecycle.description}
                  for lifecycle in sorted(backend.lifecycles.values(), key=lambda lc: lc.name)],
    }


def get_lifecycle(call: Call) -> Reply:
    return Reply.json(200, lifecycle_state(call))


def set_lifecycle(call: Call) -> Reply:
    body = control_body(call, "lifecycle-request.json")
    call.backend.set_next_lifecycle(body["name"], body.get("count"))
    return Reply.json(200, lifecycle_state(call))


def clock_state(call: Call) -> dict[str, Any]:
    clock = call.backend.clock
    return {"now": iso(clock.now()), "offsetSeconds": clock.offset_seconds}


def get_clock(call: Call) -> Reply:
    return Reply.json(200, clock_state(call))


def advance_clock(call: Call) -> Reply:
    body = control_body(call, "clock-request.json")
    call.backend.advance_clock(body["advanceSeconds"])
    return Reply.json(200, clock_state(call))


def faults_state(call: Call) -> dict[str, Any]:
    return {"faults": [
        {"endpoint": fault.endpoint, "status": fault.status, "delayMs": fault.delay_ms,
         "times": fault.times}
        for fault in call.backend.faults()
    ]}


def get_faults(call: Call) -> Reply:
    return Reply.json(200, faults_state(call))


def add_fault(call: Call) -> Reply:
    body = control_body(call, "fault-request.json")
    call.backend.add_fault(Fault(endpoint=body["endpoint"], status=body.get("status"),
                                 delay_ms=body.get("delayMs", 0), times=body.get("times")))
    return Reply.json(200, faults_state(call))


def clear_faults(call: Call) -> Reply:
    call.backend.clear_faults()
    return Reply.json(200, faults_state(call))


def journal(call: Call) -> Reply:
    return Reply.json(200, {"requests": [
        {"at": iso(entry.at), "method": entry.method, "path": entry.path,
         "headers": dict(entry.headers), "body": entry.body, "status": entry.status,
         "endpoint": entry.endpoint}
        for entry in call.backend.journal()
    ]})


def clear_journal(call: Call) -> Reply:
    call.backend.clear_journal()
    return Reply.json(200, {"requests": []})


# (method, path template, operation id, handler, schema of the 200 body under schemas/)
ROUTES: tuple[tuple[str, str, str, Callable[[Call], Reply], str | None], ...] = (
    ("GET", "/__mock/ui", "mockDashboard", dashboard, None),
    ("GET", "/__mock/health", "mockHealth", health, "control/health.json"),
    ("POST", "/__mock/reset", "mockReset", reset, "control/reset.json"),
    ("GET", "/__mock/orders", "mockListOrders", list_orders, "control/orders.json"),
    ("GET", "/__mock/orders/{orderId}", "mockGetOrder", get_order, "control/order.json"),
    ("POST", "/__mock/orders/{orderId}/status", "mockForceStatus", force_status,
     "control/order.json"),
    ("GET", "/__mock/lifecycle", "mockGetLifecycle", get_lifecycle, "control/lifecycle.json"),
    ("POST", "/__mock/lifecycle", "mockSetLifecycle", set_lifecycle, "control/lifecycle.json"),
    ("GET", "/__mock/clock", "mockGetClock", get_clock, "control/clock.json"),
    ("POST", "/__mock/clock", "mockAdvanceClock", advance_clock, "control/clock.json"),
    ("GET", "/__mock/faults", "mockGetFaults", get_faults, "control/faults.json"),
    ("POST", "/__mock/faults", "mockAddFault", add_fault, "control/faults.json"),
    ("DELETE", "/__mock/faults", "mockClearFaults", clear_faults, "control/faults.json"),
    ("GET", "/__mock/requests", "mockGetRequests", journal, "control/requests.json"),
    ("DELETE", "/__mock/requests", "mockClearRequests", clear_journal, "control/requests.json"),
)
