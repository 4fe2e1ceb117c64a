"""The rules of an order's life: how it is created, what a poll does to it, how time moves
it along its lifecycle, when it may be forced. Pure functions from one order to the next;
the store applies them atomically (`store.change_order`)."""

from __future__ import annotations

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
)


def new_order(identity: Identity, product: Product, payment_method: PaymentMethod,
              lifecycle: str, now: datetime, namespace: str, number: int,
              ids: IdSource) -> Order:
    """Order number `number` of `namespace`, STARTED now."""
    order_id = ids.order_id(namespace, number)
    return Order(order_id=order_id, request_id=ids.request_id(order_id), number=number,
                 namespace=namespace, client_id=identity.client.id, user_id=identity.user.id,
                 product_id=product.id, payment_method=payment_method, lifecycle=lifecycle,
                 payment_config=product.payment_config, created_at=now)


def polled(order: Order, identity: Identity, lifecycle: Lifecycle, now: datetime,
           ids: IdSource) -> Order:
    """The order as its owner sees it on this poll, the poll counted.

    An order is visible only to the client and user that created it: anyone else gets
    404, so that existence never leaks.
    """
    if (order.client_id, order.user_id) != (identity.client.id, identity.user.id):
        raise OrderNotFound()
    order = advance(order, lifecycle, now, ids, polling=True)
    return order.polled_at(now)


def caught_up(order: Order, lifecycle: Lifecycle, now: datetime, ids: IdSource) -> Order:
    """The order with whatever time has done to it by `now`; not a poll."""
    return advance(order, lifecycle, now, ids, polling=False)


def forced(order: Order, status: OrderStatus, outcome: Outcome, now: datetime,
           ids: IdSource) -> Order:
    """The order moved to `status` now, whatever its lifecycle says; 409 once it is final."""
    if order.status.is_terminal:
        raise Conflict(f"order {order.order_id} is already {order.status}; a final status never "
                       "changes")
    return enter_status(order, status, now, ids, cause="forced", overrides=outcome)
