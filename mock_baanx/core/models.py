"""The nouns of the Baanx order API. Enum values are the strings that go on the wire."""

from __future__ import annotations

import functools
import struct
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import overload

from .clock import micros, moment_at
from .ids import request_id_of


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
_MOMENT = struct.Struct("<q")


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class PollTimes(Sequence[datetime]):
    """When an order's most recent polls came, oldest first: at most POLL_TIMES_KEPT of
    them, so that a client that never stops polling cannot make the mock grow without bound.

    Packed as eight bytes a moment (microseconds since the epoch), not as datetimes: a load
    test polls every order it keeps dozens of times. Adding a moment copies the bytes kept,
    at most POLL_TIMES_KEPT moments, which costs less than the rest of a poll."""

    _packed: bytes = b""

    @classmethod
    def of(cls, moments: Iterable[datetime]) -> PollTimes:
        kept = tuple(moments)[-POLL_TIMES_KEPT:]
        return cls(b"".join(_MOMENT.pack(micros(moment)) for moment in kept))

    @classmethod
    def of_micros(cls, moments: Iterable[int]) -> PollTimes:
        """The moments given as microseconds since the epoch (`micros`)."""
        kept = tuple(moments)[-POLL_TIMES_KEPT:]
        return cls(struct.pack(f"<{len(kept)}q", *kept))

    def micros(self) -> tuple[int, ...]:
        """The moments as microseconds since the epoch, without making a datetime of each."""
        return struct.unpack(f"<{len(self)}q", self._packed)

    def added(self, moment: datetime) -> PollTimes:
        """These moments and then `moment`, without the oldest once POLL_TIMES_KEPT are
        kept."""
        return PollTimes(self._packed[-(POLL_TIMES_KEPT - 1) * _MOMENT.size:]
                         + _MOMENT.pack(micros(moment)))

    def __len__(self) -> int:
        return len(self._packed) // _MOMENT.size

    def __iter__(self) -> Iterator[datetime]:
        return (moment_at(moment) for (moment,) in _MOMENT.iter_unpack(self._packed))

    @overload
    def __getitem__(self, index: int) -> datetime: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[datetime, ...]: ...

    def __getitem__(self, index: int | slice) -> datetime | tuple[datetime, ...]:
        if isinstance(index, slice):
            return tuple(self)[index]
        length = len(self)
        if not -length <= index < length:
            raise IndexError("poll time index out of range")
        (moment,) = _MOMENT.unpack_from(self._packed, (index % length) * _MOMENT.size)
        return moment_at(moment)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PollTimes):
            return self._packed == other._packed
        if isinstance(other, tuple):
            return tuple(self) == other
        return NotImplemented

    def __hash__(self) -> int:
        # As the tuple of the same moments hashes, since the two compare equal.
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
class Progress:
    """What has happened to an order since it was created: its status and outcome, the
    changes that led there, its polls, the steps of its lifecycle taken."""

    status: OrderStatus = OrderStatus.STARTED
    outcome: Outcome = Outcome()
    changes: tuple[StatusChange, ...] = ()
    poll_count: int = 0
    poll_times: PollTimes = PollTimes()
    steps_taken: int = 0

    def polled_at(self, moment: datetime) -> Progress:
        """This progress with one more poll, at `moment`. Built field by field: a poll is
        the mock's most frequent change, and `dataclasses.replace` costs microseconds."""
        return Progress(status=self.status, outcome=self.outcome, changes=self.changes,
                        poll_count=self.poll_count + 1,
                        poll_times=self.poll_times.added(moment),
                        steps_taken=self.steps_taken)


# The progress of every order nothing has happened to yet: one object for them all.
UNTOUCHED = Progress()


@dataclass(frozen=True, slots=True)
class Order:
    """One order as it stands at one moment; the order book replaces it as it moves on.

    Compact, since a load test keeps hundreds of thousands: what never changes is in the
    shared `terms`, what happens later in `progress` (the shared UNTOUCHED until something
    does), the creation time is an int, and the request id is derived from the order id.
    The properties read as if every field were the order's own."""

    order_id: str
    # Its number in its namespace (1 for the first): seeded ids of its payment derive from
    # the namespace and it.
    number: int
    terms: OrderTerms
    # Microseconds since the Unix epoch (`clock.micros`); `created_at` is the moment.
    created_micros: int
    progress: Progress = UNTOUCHED
    # The request id it was created with where that is not the one derived from its id:
    # an order an earlier version kept in a state file or database. None for every other.
    kept_request_id: str | None = None

    @property
    def request_id(self) -> str:
        return (request_id_of(self.order_id) if self.kept_request_id is None
                else self.kept_request_id)

    @property
    def created_at(self) -> datetime:
        return moment_at(self.created_micros)

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
    def status(self) -> OrderStatus:
        return self.progress.status

    @property
    def outcome(self) -> Outcome:
        return self.progress.outcome

    @property
    def changes(self) -> tuple[StatusChange, ...]:
        """The status changes after the creation, oldest first."""
        return self.progress.changes

    @property
    def poll_count(self) -> int:
        return self.progress.poll_count

    @property
    def poll_times(self) -> PollTimes:
        return self.progress.poll_times

    @property
    def steps_taken(self) -> int:
        """How many steps of its lifecycle the order has gone through."""
        return self.progress.steps_taken

    @property
    def history(self) -> tuple[StatusChange, ...]:
        """Every status the order entered, its creation first."""
        return (StatusChange(OrderStatus.STARTED, self.created_at, after_polls=0,
                             cause="created"), *self.changes)

    def with_progress(self, progress: Progress) -> Order:
        """This order, moved on to `progress`."""
        return Order(order_id=self.order_id, number=self.number, terms=self.terms,
                     created_micros=self.created_micros, progress=progress,
                     kept_request_id=self.kept_request_id)
