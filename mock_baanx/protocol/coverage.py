"""Outcome coverage: which documented outcomes the mock served its consumer, counted per
namespace, so that a team learns which outcomes its client was never tested against (a
498 on create? an EXPIRED order? a 500 while polling?).

The outcomes of a Baanx route are its 200 (on the status endpoint, one per order status),
each error status the route table documents for it, and an injected delay. An outcome
forced by a fault counts: a consumer that handled an injected 500 was tested against a 500.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..core import OrderStatus
from .messages import Reply
from .route import Route, RouteKind

DELAYED = "delayed"
STATUS_OPERATION = "getOrderStatus"


def documented_outcomes(route: Route, extended: bool = False) -> list[str]:
    """Every outcome `route` can serve, in the order a report lists them; with `extended`,
    the order statuses real clients know but the docs do not, too. A stub's are its own
    status and those its header rules and request schema may answer."""
    if route.stub is not None:
        return [str(route.reply_status), *map(str, route.errors), DELAYED]
    if route.operation == STATUS_OPERATION:
        successes = [f"200 {status.value}" for status in OrderStatus
                     if extended or status.is_documented]
    else:
        successes = ["200"]
    return [*successes, *map(str, route.errors), DELAYED]


def served_outcomes(route: Route, reply: Reply, delayed: bool) -> list[str]:
    """The outcomes a reply of `route` counts as."""
    outcome = str(reply.status) if reply.fault is None else str(reply.fault)
    if reply.fault is None and reply.status == 200 and route.operation == STATUS_OPERATION \
            and isinstance(reply.payload, dict):  # not so when a user's view took the route
        outcome = f"200 {reply.payload['status']}"
    return [f"{route.operation} {outcome}", *([f"{route.operation} {DELAYED}"] if delayed else [])]


def coverage_report(routes: Sequence[Route], seen: Mapping[str, int], extended: bool = False
                    ) -> list[dict[str, Any]]:
    """Each documented outcome of the Baanx routes, with how often it was served (0 for
    those never served); then any other outcome served (an undocumented status)."""
    report = []
    listed = set()
    for route in counted_routes(routes):
        for outcome in documented_outcomes(route, extended):
            key = f"{route.operation} {outcome}"
            listed.add(key)
            report.append({"method": route.method, "path": route.template, "outcome": outcome,
                           "seen": seen.get(key, 0), "documented": True})
    by_operation = {route.operation: route for route in counted_routes(routes)}
    for key in sorted(set(seen) - listed):
        operation, _, outcome = key.partition(" ")
        if operation in by_operation:
            route = by_operation[operation]
            report.append({"method": route.method, "path": route.template, "outcome": outcome,
                           "seen": seen[key], "documented": False})
    return report


def counted_routes(routes: Iterable[Route]) -> list[Route]:
    """The routes whose outcomes are counted: the Baanx API's, and stubs."""
    return [route for route in routes if route.kind in (RouteKind.BAANX, RouteKind.STUB)]
