"""Order lifecycles: what the payment behind an order does, and the engine that moves an
order along its lifecycle as it is polled and as the mock's clock runs."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from .clock import paid_at_text
from .ids import IdSource
from .models import Order, OrderStatus, Outcome, StatusChange

DEFAULT_FAILURE_NOTE = "payment_refunded"


@dataclass(frozen=True, slots=True)
class Step:
    """Enter `status` after `after_polls` polls of the order, or once `after_seconds` of
    mock time have passed since it was created. The outcome fields override what the
    mock would otherwise generate when the step ends the order."""

    status: OrderStatus
    after_polls: int | None = None
    after_seconds: float | None = None
    note: str | None = None
    payment_id: str | None = None
    tx_hash: str | None = None
    paid_at: str | None = None

    def due_at(self, order: Order, now: datetime, polling: bool) -> datetime | None:
        """When this step took effect, if it has by `now`; None if not yet.

        Poll-counted steps take effect only on a poll; time steps take effect at the
        moment their time came, however late the mock notices.
        """
        if self.after_polls is not None:
            return now if polling and order.poll_count >= self.after_polls else None
        assert self.after_seconds is not None
        try:
            moment = order.created_at + timedelta(seconds=self.after_seconds)
        except OverflowError:  # past the year 9999, where no clock of the mock goes
            return None
        if moment > now:
            return None
        # Never before the order's last change, so that its history stays in order.
        return max(moment, order.changes[-1].at if order.changes else order.created_at)


@dataclass(frozen=True, slots=True)
class Lifecycle:
    name: str
    steps: tuple[Step, ...]
    description: str = ""

    @property
    def extended_statuses(self) -> tuple[OrderStatus, ...]:
        """The statuses it enters that the Baanx docs do not list."""
        return tuple(step.status for step in self.steps if not step.status.is_documented)


def advance(order: Order, lifecycle: Lifecycle, now: datetime, ids: IdSource, *,
            polling: bool) -> Order:
    """The order after every step of its lifecycle that is due by `now` has happened.

    `polling` is true when a poll of the order is being answered, before that poll is
    counted: a step `after_polls=2` is thus first seen by the third poll.
    """
    while not order.status.is_terminal and order.steps_taken < len(lifecycle.steps):
        step = lifecycle.steps[order.steps_taken]
        moment = step.due_at(order, now, polling)
        if moment is None:
            break
        order = enter_status(order, step.status, moment, ids,
                             cause=f"lifecycle {lifecycle.name}", overrides=step)
        order = replace(order, steps_taken=order.steps_taken + 1)
    return order


def enter_status(order: Order, status: OrderStatus, moment: datetime, ids: IdSource, *,
                 cause: str, overrides: Step | Outcome | None = None) -> Order:
    """The order moved to `status` at `moment`, with the outcome fields that status
    carries: COMPLETED a paidAt, a Daimo payment id and a transaction hash; FAILED and
    REFUNDED a note."""
    if order.status.is_terminal:
        raise ValueError(f"order {order.order_id} is {order.status} and can no longer change")
    given = overrides or Outcome()
    outcome = Outcome(note=given.note, payment_id=given.payment_id, tx_hash=given.tx_hash,
                      paid_at=given.paid_at)
    if status is OrderStatus.COMPLETED:
        outcome = replace(
            outcome,
            paid_at=outcome.paid_at or paid_at_text(moment),
            payment_id=outcome.payment_id or ids.payment_id(order.namespace, order.number),
            tx_hash=outcome.tx_hash or ids.tx_hash(order.namespace, order.number),
        )
    elif status in (OrderStatus.FAILED, OrderStatus.REFUNDED):
        outcome = replace(outcome, note=outcome.note or DEFAULT_FAILURE_NOTE)
    if status is not OrderStatus.COMPLETED:
        # The docs: paidAt only ever accompanies COMPLETED.
        outcome = replace(outcome, paid_at=None)
    change = StatusChange(status=status, at=moment, after_polls=order.poll_count, cause=cause)
    return replace(order, status=status, outcome=outcome, changes=(*order.changes, change))
