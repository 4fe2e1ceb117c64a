"""How the memory store keeps an order: compact, except while it is hot.

A load test keeps hundreds of thousands of orders, most of them never polled, the rest
polled for a while and then left. An order nothing has happened to yet is kept as a
`FreshOrder`: its id, number and creation moment (in microseconds), what it was created
with as one tuple shared by every order created alike (a table each codec keeps for its
own store, bounded), and its request id only where it is not the one its order id gives
(`ids.request_id_of`: an order an earlier release kept). A hot order — something happened
to it lately — is kept as it is, so that a poll does not take a compact form apart and
build it again; once other orders have been changed since (past HOT_POLL_TIMES poll times
among the hot ones), it cools into a `UsedOrder`, its poll times packed eight bytes a
moment.

`docs/performance.md` says what an order costs each way (`bench/order_memory.py`).
"""

from __future__ import annotations

import struct
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, NamedTuple

from .clock import micros, moment_at
from .ids import request_id_of
from .models import Order, OrderStatus, Outcome, PaymentConfig, PaymentMethod, StatusChange
from .poll_times import PollTimes


class Terms(NamedTuple):
    """What an order was created with, shared by every order created alike."""

    namespace: str
    client_id: str
    user_id: str
    product_id: str
    payment_method: PaymentMethod
    lifecycle: str
    payment_config: PaymentConfig | None

# Past this many different terms (namespaces times users times products…), the table starts
# again: orders kept keep theirs, new ones share anew.
TERMS_SHARED = 4096
# The hot orders hold at most about this many poll times as moments between them (some
# 56 MB), the rest packed: enough to keep every order of a load test polled every few
# seconds hot, at this mock's pace.
HOT_POLL_TIMES = 1_000_000
MOMENT = struct.Struct("<q")


# Neither compact form is frozen, though nothing changes one once built: every order
# created builds one, and a frozen dataclass costs a setattr call per field to build.
@dataclass(slots=True)
class FreshOrder:
    order_id: str
    number: int
    terms: Terms
    created_micros: int
    # None: the one `request_id_of(order_id)` gives.
    request_id: str | None


@dataclass(slots=True)
class UsedOrder:
    """An order something happened to, not lately."""

    fresh: FreshOrder
    status: OrderStatus
    outcome: Outcome
    changes: tuple[StatusChange, ...]
    poll_count: int
    # Microseconds since the Unix epoch, eight bytes a moment.
    poll_times: bytes
    steps_taken: int


KeptOrder = FreshOrder | UsedOrder | Order


class OrderCodec:
    """Orders to and from the forms a memory store keeps them in. Not thread-safe: the
    store calls it under its lock."""

    def __init__(self, hot_poll_times: int = HOT_POLL_TIMES) -> None:
        self._terms: dict[tuple[Any, ...], Terms] = {}
        self.hot_poll_times = hot_poll_times
        # The hot orders, the one changed longest ago first, each with its weight: its poll
        # times and one.
        self._hot: OrderedDict[str, int] = OrderedDict()
        self._hot_weight = 0
        self._cooling: list[str] = []

    def kept(self, order: Order) -> KeptOrder:
        """`order` as the store keeps it just after it was created or changed."""
        if order.untouched:
            return self._fresh(order)
        self.forget(order.order_id)
        self._hot[order.order_id] = len(order.poll_times) + 1
        self._hot_weight += len(order.poll_times) + 1
        while self._hot_weight > self.hot_poll_times and len(self._hot) > 1:
            order_id, weight = self._hot.popitem(last=False)
            self._hot_weight -= weight
            self._cooling.append(order_id)
        return order

    def forget(self, order_id: str) -> None:
        """The order `order_id` is no longer kept (or about to be kept anew)."""
        self._hot_weight -= self._hot.pop(order_id, 0)

    def cooling(self) -> list[str]:
        """The ids of the orders that cooled since the last call: the store keeps each as
        `cold` gives it."""
        cooling, self._cooling = self._cooling, []
        return cooling

    def cold(self, kept: KeptOrder) -> KeptOrder:
        """`kept` as a cooled order is kept."""
        if not isinstance(kept, Order):
            return kept
        return UsedOrder(self._fresh(kept), kept.status, kept.outcome, kept.changes,
                         kept.poll_count,
                         b"".join(MOMENT.pack(micros(moment)) for moment in kept.poll_times),
                         kept.steps_taken)

    def _fresh(self, order: Order) -> FreshOrder:
        # Looked up by a plain tuple, which equals and hashes as the Terms of the same items:
        # a Terms is built only for terms not shared yet.
        items = (order.namespace, order.client_id, order.user_id, order.product_id,
                 order.payment_method, order.lifecycle, order.payment_config)
        shared = self._terms.get(items)
        if shared is None:
            if len(self._terms) >= TERMS_SHARED:
                self._terms.clear()
            shared = self._terms[items] = Terms(*items)
        request_id = None if order.request_id == request_id_of(order.order_id) else order.request_id
        return FreshOrder(order.order_id, order.number, shared, micros(order.created_at),
                          request_id)


def unpacked(kept: KeptOrder) -> Order:
    """The order a store keeps as `kept`."""
    if isinstance(kept, Order):
        return kept
    fresh = kept if isinstance(kept, FreshOrder) else kept.fresh
    terms = fresh.terms
    since: dict[str, Any] = {} if isinstance(kept, FreshOrder) else {
        "status": kept.status, "outcome": kept.outcome, "changes": kept.changes,
        "poll_count": kept.poll_count, "steps_taken": kept.steps_taken,
        "poll_times": PollTimes(moment_at(moment)
                                for (moment,) in MOMENT.iter_unpack(kept.poll_times))}
    return Order(order_id=fresh.order_id,
                 request_id=fresh.request_id or request_id_of(fresh.order_id),
                 number=fresh.number, namespace=terms.namespace, client_id=terms.client_id,
                 user_id=terms.user_id, product_id=terms.product_id,
                 payment_method=terms.payment_method, lifecycle=terms.lifecycle,
                 payment_config=terms.payment_config,
                 created_at=moment_at(fresh.created_micros), **since)


def namespace_of(kept: KeptOrder) -> str:
    return kept.namespace if isinstance(kept, Order) else _terms_of(kept).namespace


def lifecycle_of(kept: KeptOrder) -> str:
    return kept.lifecycle if isinstance(kept, Order) else _terms_of(kept).lifecycle


def _terms_of(kept: FreshOrder | UsedOrder) -> Terms:
    return kept.terms if isinstance(kept, FreshOrder) else kept.fresh.terms
