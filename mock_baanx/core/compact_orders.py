"""How the memory store keeps an order: compact, except while it is in use.

A load test keeps hundreds of thousands of orders, most of them never polled, the rest
polled for a while and then left. An order nothing has happened to yet is kept as a
`FreshOrder`: its id, number and creation moment (in microseconds), what it was created
with as one tuple shared by every order created alike (a table each codec keeps for its
own store, bounded), and its request id only where it is not the one its order id gives
(`ids.request_id_of`: an order an earlier release kept). An order in use — something
happened to it lately — is kept as it is, so that a poll does not take a compact form apart
and build it again; once others have been used since (past HOT_POLL_TIMES poll times
between them), it cools into a `UsedOrder`, its poll times packed eight bytes a moment.

`docs/performance.md` says what an order costs each way (`bench/order_memory.py`).
"""

from __future__ import annotations

import struct
from collections import OrderedDict
from dataclasses import dataclass, replace

from .clock import micros, moment_at
from .ids import request_id_of
from .models import Order, OrderStatus, Outcome, PaymentConfig, PaymentMethod, StatusChange

# namespace, client id, user id, product id, payment method, lifecycle, payment config
Terms = tuple[str, str, str, str, PaymentMethod, str, PaymentConfig | None]
# Past this many different terms (namespaces times users times products…), the table starts
# again: orders kept keep theirs, new ones share anew.
TERMS_SHARED = 4096
# The orders in use hold at most about this many poll times as moments between them (some
# 56 MB), the rest packed: enough to keep every order of a load test polled every few
# seconds in use, at this mock's pace.
HOT_POLL_TIMES = 1_000_000
MOMENT = struct.Struct("<q")


@dataclass(frozen=True, slots=True)
class FreshOrder:
    order_id: str
    number: int
    terms: Terms
    created_micros: int
    # None: the one `request_id_of(order_id)` gives.
    request_id: str | None


@dataclass(frozen=True, slots=True)
class UsedOrder:
    """An order something happened to, not in use lately."""

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
        self._terms: dict[Terms, Terms] = {}
        self.hot_poll_times = hot_poll_times
        # The orders in use, the one used longest ago first, with their poll times' count.
        self._in_use: OrderedDict[str, int] = OrderedDict()
        self._in_use_times = 0
        self._cooling: list[str] = []

    def kept(self, order: Order) -> KeptOrder:
        """`order` as the store keeps it just after it was created or changed."""
        if order.untouched:
            return self._fresh(order)
        self._in_use_times += len(order.poll_times) - self._in_use.pop(order.order_id, 0) + 1
        self._in_use[order.order_id] = len(order.poll_times) + 1
        while self._in_use_times > self.hot_poll_times and len(self._in_use) > 1:
            order_id, times = self._in_use.popitem(last=False)
            self._in_use_times -= times
            self._cooling.append(order_id)
        return order

    def cooling(self) -> list[str]:
        """The ids of the orders no longer in use since the last call: the store keeps each,
        if it still does, as `cold` gives it."""
        cooling, self._cooling = self._cooling, []
        return cooling

    def cold(self, kept: KeptOrder) -> KeptOrder:
        """`kept` as an order not in use is kept."""
        if not isinstance(kept, Order):
            return kept
        return UsedOrder(self._fresh(kept), kept.status, kept.outcome, kept.changes,
                         kept.poll_count,
                         b"".join(MOMENT.pack(micros(moment)) for moment in kept.poll_times),
                         kept.steps_taken)

    def _fresh(self, order: Order) -> FreshOrder:
        terms: Terms = (order.namespace, order.client_id, order.user_id, order.product_id,
                        order.payment_method, order.lifecycle, order.payment_config)
        shared = self._terms.get(terms)
        if shared is None:
            if len(self._terms) >= TERMS_SHARED:
                self._terms.clear()
            shared = self._terms[terms] = terms
        request_id = None if order.request_id == request_id_of(order.order_id) else order.request_id
        return FreshOrder(order.order_id, order.number, shared, micros(order.created_at),
                          request_id)


def order_of(kept: KeptOrder) -> Order:
    """The order a store keeps as `kept`."""
    if isinstance(kept, Order):
        return kept
    fresh = kept if isinstance(kept, FreshOrder) else kept.fresh
    namespace, client_id, user_id, product_id, payment_method, lifecycle, config = fresh.terms
    order = Order(order_id=fresh.order_id,
                  request_id=fresh.request_id or request_id_of(fresh.order_id),
                  number=fresh.number, namespace=namespace, client_id=client_id,
                  user_id=user_id, product_id=product_id, payment_method=payment_method,
                  lifecycle=lifecycle, payment_config=config,
                  created_at=moment_at(fresh.created_micros))
    if isinstance(kept, FreshOrder):
        return order
    return replace(order, status=kept.status, outcome=kept.outcome, changes=kept.changes,
                   poll_count=kept.poll_count,
                   poll_times=tuple(moment_at(moment)
                                    for (moment,) in MOMENT.iter_unpack(kept.poll_times)),
                   steps_taken=kept.steps_taken)


def namespace_of(kept: KeptOrder) -> str:
    return order_terms_of(kept)[0] if not isinstance(kept, Order) else kept.namespace


def lifecycle_of(kept: KeptOrder) -> str:
    return order_terms_of(kept)[5] if not isinstance(kept, Order) else kept.lifecycle


def order_terms_of(kept: FreshOrder | UsedOrder) -> Terms:
    return kept.terms if isinstance(kept, FreshOrder) else kept.fresh.terms
