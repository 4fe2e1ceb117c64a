"""The rules across an order's replies, which no single reply can break: the status moves
forward only, from STARTED to one final status that never changes after; orderId and
requestId stay what the create said. `verify` and the proxy keep an `OrderRules` for the
orders they see; the recorder reads the steps it kept."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from ..core import FINAL_STATUSES
from .findings import Finding, shown

STARTED = "STARTED"
# Orders followed at once: past this the one seen longest ago is forgotten.
DEFAULT_ORDERS_FOLLOWED = 10_000


@dataclass(frozen=True, slots=True)
class Step:
    """A status first seen on the `poll`-th poll of an order, `seconds` after its create."""

    status: str
    poll: int
    seconds: float
    reply: dict[str, Any]


@dataclass
class ObservedOrder:
    order_id: str
    request_id: str | None
    product_id: str | None
    created_at: float | None
    polls: int = 0
    steps: list[Step] = field(default_factory=list)

    @property
    def status(self) -> str | None:
        return self.steps[-1].status if self.steps else None

    @property
    def ended(self) -> bool:
        return self.status in FINAL_STATUSES


class OrderRules:
    def __init__(self, limit: int = DEFAULT_ORDERS_FOLLOWED) -> None:
        self.limit = limit
        self.orders: OrderedDict[str, ObservedOrder] = OrderedDict()

    def created(self, reply: Any, product_id: str | None, now: float) -> None:
        """A create's 200 reply (already checked against its schema)."""
        if isinstance(reply, dict) and isinstance(reply.get("orderId"), str):
            request_id = reply.get("requestId")
            self._keep(ObservedOrder(reply["orderId"],
                                     request_id if isinstance(request_id, str) else None,
                                     product_id, now))

    def polled(self, order_id: str, reply: Any, now: float) -> list[Finding]:
        """A status 200 reply for the order polled as `order_id`: what it breaks of the
        rules across the order's replies."""
        if not isinstance(reply, dict) or not isinstance(reply.get("status"), str):
            return []
        order = self.orders.get(order_id)
        if order is None:
            # First seen here (created before the proxy started, or forgotten).
            request_id = reply.get("requestId")
            order = ObservedOrder(order_id, request_id if isinstance(request_id, str) else None,
                                  None, None)
            self._keep(order)
        else:
            self.orders.move_to_end(order_id)
        findings = []
        if reply.get("orderId") != order_id:
            findings.append(Finding("$.orderId", f"expected the polled {shown(order_id)}",
                                    shown(reply.get("orderId")), "ids.constant"))
        if order.request_id is not None and reply.get("requestId") != order.request_id:
            findings.append(Finding("$.requestId", f"expected the create's "
                                    f"{shown(order.request_id)}", shown(reply.get("requestId")),
                                    "ids.constant"))
        status = reply["status"]
        previous = order.status
        if previous in FINAL_STATUSES and status != previous:
            findings.append(Finding("$.status", f"expected {previous}: a final status never "
                                    "changes", shown(status), "status.forward-only"))
        elif previous not in (None, STARTED) and status == STARTED:
            findings.append(Finding("$.status", f"expected {previous} or a final status: "
                                    "a status never goes back to STARTED", shown(status),
                                    "status.forward-only"))
        order.polls += 1
        if status != previous and not findings:
            seconds = 0.0 if order.created_at is None else round(now - order.created_at, 3)
            order.steps.append(Step(status, order.polls, seconds, reply))
        return findings

    def _keep(self, order: ObservedOrder) -> None:
        self.orders[order.order_id] = order
        self.orders.move_to_end(order.order_id)
        while len(self.orders) > self.limit:
            self.orders.popitem(last=False)
