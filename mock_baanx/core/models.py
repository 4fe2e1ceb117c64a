"""The nouns of the Baanx order API. Enum values are the strings that go on the wire."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from itertools import chain
from typing import overload


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


@dataclass(frozen=True, slots=True)
class StatusChange:
    status: OrderStatus
    at: datetime
    # How many polls the order had answered when it changed; 0 for the creation.
    after_polls: int
    cause: str


POLL_TIMES_KEPT = 1000
# About the square root of POLL_TIMES_KEPT: adding a moment copies a block and the tuple of
# blocks, some 30 items each.
POLL_TIMES_BLOCK = 32


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class PollTimes(Sequence[datetime]):
    """When an order's most recent polls came, oldest first: at most POLL_TIMES_KEPT of
    them, so that a client that never stops polling cannot make the mock grow without bound.

    Immutable like the order that holds it, yet adding a moment does not copy every moment
    kept: as one tuple, each poll of an order already polled a thousand times (what a load
    test does) copied all 1,000 moments, twice."""

    _blocks: tuple[tuple[datetime, ...], ...] = ()
    _length: int = 0

    @classmethod
    def of(cls, moments: Iterable[datetime]) -> PollTimes:
        kept = tuple(moments)[-POLL_TIMES_KEPT:]
        return cls(tuple(kept[start:start + POLL_TIMES_BLOCK]
                         for start in range(0, len(kept), POLL_TIMES_BLOCK)), len(kept))

    def added(self, moment: datetime) -> PollTimes:
        """These moments and then `moment`, without the oldest once POLL_TIMES_KEPT are
        kept."""
        blocks = self._blocks
        if blocks and len(blocks[-1]) < POLL_TIMES_BLOCK:
            blocks = (*blocks[:-1], (*blocks[-1], moment))
        else:
            blocks = (*blocks, (moment,))
        length = self._length + 1
        if length > POLL_TIMES_KEPT:
            rest_of_first = blocks[0][1:]
            blocks = (rest_of_first, *blocks[1:]) if rest_of_first else blocks[1:]
            length -= 1
        return PollTimes(blocks, length)

    def __len__(self) -> int:
        return self._length

    def __iter__(self) -> Iterator[datetime]:
        return chain.from_iterable(self._blocks)

    @overload
    def __getitem__(self, index: int) -> datetime: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[datetime, ...]: ...

    def __getitem__(self, index: int | slice) -> datetime | tuple[datetime, ...]:
        # Only the control API and tests index poll times, never a poll: no need to be quick.
        return tuple(self)[index]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PollTimes | tuple):
            return tuple(self) == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"PollTimes.of({tuple(self)!r})"


@dataclass(frozen=True, slots=True)
class OrderTerms:
    """What an order is created with and keeps: one object shared by every order created
    alike (`order_terms`), so that a book of many orders holds it once."""

    namespace: str
    client_id: str
    user_id: str
    product_id: str
    payment_method: PaymentMethod
    lifecycle: str
    payment_config: PaymentConfig | None


@functools.lru_cache(maxsize=4096)
def order_terms(namespace: str, client_id: str, user_id: str, product_id: str,
                payment_method: PaymentMethod, lifecycle: str,
                payment_config: PaymentConfig | None) -> OrderTerms:
    """The shared `OrderTerms` of these values."""
    return OrderTerms(namespace, client_id, user_id, product_id, payment_method, lifecycle,
                      payment_config)


@dataclass(frozen=True, slots=True)
class Order:
    """One order as it stands at one moment; the order book replaces it as it moves on.

    Compact, since a load test keeps hundreds of thousands: what never changes is in the
    shared `terms`, and the history is kept as the `changes` after the creation, which
    `history` puts back in front."""

    order_id: str
    request_id: str
    # Its number in its namespace (1 for the first): seeded ids of its payment derive from
    # the namespace and it.
    number: int
    terms: OrderTerms
    created_at: datetime
    status: OrderStatus = OrderStatus.STARTED
    outcome: Outcome = Outcome()
    changes: tuple[StatusChange, ...] = ()
    poll_count: int = 0
    poll_times: PollTimes = PollTimes()
    # How many steps of its lifecycle the order has gone through.
    steps_taken: int = 0

    @property
    def namespace(self) -> str:
        return self.terms.namespace

    @property
    def client_id(self) -> str:
        return self.terms.client_id

    @property
    def user_id(self) -> str:
        return self.terms.user_id

    @property
    def product_id(self) -> str:
        return self.terms.product_id

    @property
    def payment_method(self) -> PaymentMethod:
        return self.terms.payment_method

    @property
    def lifecycle(self) -> str:
        return self.terms.lifecycle

    @property
    def payment_config(self) -> PaymentConfig | None:
        return self.terms.payment_config

    @property
    def history(self) -> tuple[StatusChange, ...]:
        """Every status the order entered, its creation first."""
        return (StatusChange(OrderStatus.STARTED, self.created_at, after_polls=0,
                             cause="created"), *self.changes)
