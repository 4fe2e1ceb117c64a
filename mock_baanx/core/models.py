"""The nouns of the Baanx order API. Enum values are the strings that go on the wire."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class OrderStatus(StrEnum):
    STARTED = "STARTED"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    EXPIRED = "EXPIRED"

    @property
    def is_terminal(self) -> bool:
        return self is not OrderStatus.STARTED


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


@dataclass(frozen=True, slots=True)
class Order:
    """One order as it stands at one moment; the order book replaces it as it moves on."""

    order_id: str
    request_id: str
    client_id: str
    user_id: str
    product_id: str
    payment_method: PaymentMethod
    lifecycle: str
    created_at: datetime
    payment_config: PaymentConfig | None
    status: OrderStatus = OrderStatus.STARTED
    outcome: Outcome = Outcome()
    history: tuple[StatusChange, ...] = ()
    poll_count: int = 0
    # When the most recent polls came (at most POLL_TIMES_KEPT of them): a client that
    # never stops polling must not make the mock grow without bound.
    poll_times: tuple[datetime, ...] = ()
    # How many steps of its lifecycle the order has gone through.
    steps_taken: int = 0


POLL_TIMES_KEPT = 1000
