"""The nouns of the Baanx order API. Enum values are the strings that go on the wire."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from .poll_times import PollTimes


class OrderStatus(StrEnum):
    STARTED = "STARTED"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    EXPIRED = "EXPIRED"
    # Seen in real clients' types, never in the Baanx docs: only with extended statuses on.
    # PENDING comes between STARTED and a final status; REFUNDED is final.
    PENDING = "PENDING"
    REFUNDED = "REFUNDED"

    @property
    def is_terminal(self) -> bool:
        return self not in (OrderStatus.STARTED, OrderStatus.PENDING)

    @property
    def is_documented(self) -> bool:
        return self not in EXTENDED_STATUSES


EXTENDED_STATUSES = frozenset({OrderStatus.PENDING, OrderStatus.REFUNDED})
DOCUMENTED_STATUSES = tuple(status for status in OrderStatus if status not in EXTENDED_STATUSES)
# Where extended statuses are turned on, for the messages that name the switch.
EXTENDED_STATUSES_SWITCH = ("serve --extended-statuses, BaanxMock(extended_statuses=True) or "
                            "ini baanx_extended_statuses")


# The statuses an order never leaves. StrEnum members equal their wire strings, so this
# answers for a status read from JSON as well.
FINAL_STATUSES = frozenset(status for status in OrderStatus if status.is_terminal)


class PaymentMethod(StrEnum):
    CRYPTO_EXTERNAL_DAIMO = "CRYPTO_EXTERNAL_DAIMO"


@dataclass(frozen=True, slots=True)
class Client:
    """A partner application, known by the client id it sends."""

    id: str
    name: str = ""


@dataclass(frozen=True, slots=True)
class User:
    """A signed-in user, known by the bearer token it sends."""

    token: str
    id: str
    description: str = ""
    expired: bool = False
    permitted: bool = True
    kyc_verified: bool = True
    ineligible_products: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Identity:
    """Who a request comes from, once the header rules have let it through."""

    client: Client
    user: User


@dataclass(frozen=True, slots=True)
class PaymentConfig:
    payment_amount: int | float
    payment_currency: str
    destination_address: str
    destination_chain_id: str
    destination_token_symbol: str
    destination_token_address: str


@dataclass(frozen=True, slots=True)
class Product:
    id: str
    description: str
    payment_config: PaymentConfig | None = None
    lifecycle: str | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the payment left on an order: the fields a status response carries."""

    paid_at: str | None = None
    payment_id: str | None = None
    tx_hash: str | None = None
    note: str | None = None


# What an order carries before any payment: one, shared, so that telling it apart is cheap.
NO_OUTCOME = Outcome()


@dataclass(frozen=True, slots=True)
class StatusChange:
    status: OrderStatus
    at: datetime
    # How many polls the order had answered when it changed; 0 for the creation.
    after_polls: int
    cause: str


@dataclass(frozen=True, slots=True)
class Order:
    """One order as it stands at one moment; the order book replaces it as it moves on."""

    order_id: str
    request_id: str
    # Its number in its namespace (1 for the first): seeded ids of its payment derive from
    # the namespace and it.
    number: int
    namespace: str
    client_id: str
    user_id: str
    product_id: str
    payment_method: PaymentMethod
    lifecycle: str
    payment_config: PaymentConfig | None
    created_at: datetime
    status: OrderStatus = OrderStatus.STARTED
    outcome: Outcome = NO_OUTCOME
    # The status changes after the creation, oldest first.
    changes: tuple[StatusChange, ...] = ()
    poll_count: int = 0
    # When its most recent polls came, oldest first: at most POLL_TIMES_KEPT (a tuple, or
    # the PollTimes its polls made).
    poll_times: Sequence[datetime] = ()
    # How many steps of its lifecycle the order has gone through.
    steps_taken: int = 0

    @property
    def history(self) -> tuple[StatusChange, ...]:
        """Every status the order entered, its creation first."""
        return (StatusChange(OrderStatus.STARTED, self.created_at, after_polls=0,
                             cause="created"), *self.changes)

    @property
    def untouched(self) -> bool:
        """Whether nothing has happened to the order since it was created."""
        return (self.status is OrderStatus.STARTED and not self.poll_count
                and not self.changes and not self.steps_taken and not self.poll_times
                and (self.outcome is NO_OUTCOME or self.outcome == NO_OUTCOME))

    def polled_at(self, moment: datetime) -> Order:
        """This order with one more poll, at `moment`. Built field by field: a poll is the
        mock's most frequent change, and `dataclasses.replace` costs microseconds."""
        times = self.poll_times
        return Order(self.order_id, self.request_id, self.number, self.namespace,
                     self.client_id, self.user_id, self.product_id, self.payment_method,
                     self.lifecycle, self.payment_config, self.created_at, self.status,
                     self.outcome, self.changes, self.poll_count + 1,
                     (times if isinstance(times, PollTimes) else PollTimes(times)).then(moment),
                     self.steps_taken)
