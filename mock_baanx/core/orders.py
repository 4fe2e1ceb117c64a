"""The order book: creating orders, answering polls, forcing transitions.

Not thread-safe by itself: the backend serialises every call under its lock.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import datetime

from .errors import Conflict, OrderNotFound
from .ids import IdSource
from .lifecycle import Lifecycle, advance, enter_status
from .models import (
    Identity,
    Order,
    OrderStatus,
    Outcome,
    PaymentMethod,
    Product,
    StatusChange,
)

# Enough for any test suite; a load test that creates orders for hours stays within a few
# tens of megabytes.
DEFAULT_MAX_ORDERS = 10_000


class OrderBook:
    """The orders, oldest first; past `max_orders`, creating one forgets the oldest (which
    then answers 404, as an unknown order does)."""

    def __init__(self, ids: IdSource, lifecycles: Mapping[str, Lifecycle],
                 on_change: Callable[[Order], None] = lambda order: None,
                 on_forget: Callable[[str], None] = lambda order_id: None,
                 max_orders: int = DEFAULT_MAX_ORDERS) -> None:
        self._ids = ids
        self._lifecycles = lifecycles
        self._on_change = on_change
        self._on_forget = on_forget
        self._max_orders = max_orders
        self._orders: dict[str, Order] = {}
        # The order ids, oldest first, to forget the oldest by. Not the dict's own order:
        # once its first keys are deleted, finding the first one walks past each deleted
        # slot, on every create once the book is full; and an OrderedDict costs more
        # memory per order than this (docs/performance.md).
        self._ids_by_age: deque[str] = deque()

    def restore(self, orders: Iterable[Order]) -> None:
        """Take back orders a previous run stored, oldest first."""
        for order in orders:
            if order.order_id not in self._orders:
                self._ids_by_age.append(order.order_id)
            self._orders[order.order_id] = order
        self._forget_the_oldest()

    def __len__(self) -> int:
        return len(self._orders)

    def create(self, identity: Identity, product: Product, payment_method: PaymentMethod,
               lifecycle: str, now: datetime) -> Order:
        order_id = self._ids.order_id()
        while order_id in self._orders:
            order_id = self._ids.order_id()
        order = Order(
            order_id=order_id,
            request_id=self._ids.request_id(),
            client_id=identity.client.id,
            user_id=identity.user.id,
            product_id=product.id,
            payment_method=payment_method,
            lifecycle=lifecycle,
            created_at=now,
            payment_config=product.payment_config,
            history=(StatusChange(OrderStatus.STARTED, now, after_polls=0, cause="created"),),
        )
        self._ids_by_age.append(order_id)
        self._store(order)
        self._forget_the_oldest()
        return order

    def poll(self, identity: Identity, order_id: str, now: datetime) -> Order:
        """The order as its owner sees it on this poll; the poll is counted.

        An order is visible only to the client and user that created it: anyone else
        gets 404, so that existence never leaks.
        """
        order = self._orders.get(order_id)
        if order is None or (order.client_id, order.user_id) != (identity.client.id,
                                                                 identity.user.id):
            raise OrderNotFound()
        order = advance(order, self._lifecycle_of(order), now, self._ids, polling=True)
        return self._store(replace(order, poll_count=order.poll_count + 1,
                                   poll_times=order.poll_times.added(now)))

    def find(self, order_id: str, now: datetime) -> Order:
        """Any order, with whatever time has done to it; not counted as a poll."""
        order = self._orders.get(order_id)
        if order is None:
            raise OrderNotFound()
        return self._catch_up(order, now)

    def all(self, now: datetime) -> list[Order]:
        return [self._catch_up(order, now) for order in list(self._orders.values())]

    def force(self, order_id: str, status: OrderStatus, outcome: Outcome,
              now: datetime) -> Order:
        """Move an order to `status` now, whatever its lifecycle says; 409 once it is final."""
        order = self.find(order_id, now)
        if order.status.is_terminal:
            raise Conflict(f"order {order_id} is already {order.status}; a final status never "
                           "changes")
        return self._store(enter_status(order, status, now, self._ids, cause="forced",
                                        overrides=outcome))

    def clear(self) -> None:
        self._orders.clear()
        self._ids_by_age.clear()

    def _catch_up(self, order: Order, now: datetime) -> Order:
        moved = advance(order, self._lifecycle_of(order), now, self._ids, polling=False)
        return moved if moved is order else self._store(moved)

    def _lifecycle_of(self, order: Order) -> Lifecycle:
        return self._lifecycles[order.lifecycle]

    def _forget_the_oldest(self) -> None:
        while len(self._orders) > self._max_orders:
            oldest = self._ids_by_age.popleft()
            del self._orders[oldest]
            self._on_forget(oldest)

    def _store(self, order: Order) -> Order:
        self._orders[order.order_id] = order
        self._on_change(order)
        return order
