"""The backend: the mock's rules over its state.

Everything a request can read or change goes through a Backend method, which applies the
rules (`orders.py`, `lifecycle.py`, `auth.py`, `catalog.py`) through the store's atomic
operations (`store.py`): concurrent polls of an order each count once and concurrent
creates lose nothing, wherever the state lives. Every method works in one namespace (the
default one unless told otherwise). Two backends share nothing: two mocks can live in one
process.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .auth import Directory
from .catalog import Catalog
from .clock import Clock
from .errors import UnknownLifecycle, ValidationFailed
from .faults import Fault
from .ids import IdSource
from .journal import JournalEntry
from .lifecycle import Lifecycle
from .models import (
    EXTENDED_STATUSES_SWITCH,
    Client,
    Identity,
    Order,
    OrderStatus,
    Outcome,
    PaymentMethod,
    Product,
    User,
)
from .orders import caught_up, forced, new_order, polled
from .store import (
    DEFAULT_MAX_NAMESPACES,
    DEFAULT_MAX_ORDERS,
    DEFAULT_NAMESPACE,
    MemoryStore,
    NamespaceSummary,
    NextLifecycle,
    Store,
)

DEFAULT_LIFECYCLE = "complete"


class UnknownStoredLifecycle(ValueError):
    """A stored order names a lifecycle the current fixtures lack."""


@dataclass(frozen=True, slots=True)
class Fixtures:
    """What the mock knows before any request: identities, products and lifecycles."""

    clients: tuple[Client, ...]
    users: tuple[User, ...]
    products: tuple[Product, ...]
    lifecycles: Mapping[str, Lifecycle] = field(default_factory=dict)


class Backend:
    def __init__(self, fixtures: Fixtures, *, clock: Clock | None = None,
                 ids: IdSource | None = None,
                 default_lifecycle: str = DEFAULT_LIFECYCLE,
                 store: Store | None = None,
                 max_orders: int = DEFAULT_MAX_ORDERS,
                 max_namespaces: int = DEFAULT_MAX_NAMESPACES,
                 extended_statuses: bool = False) -> None:
        """`max_orders` and `max_namespaces` bound the memory store made when no `store` is
        given; a store given has bounds of its own. `extended_statuses` lets lifecycles and
        forced transitions use the statuses real clients know but the docs do not
        (PENDING, REFUNDED)."""
        self.fixtures = fixtures
        self.extended_statuses = extended_statuses
        self.clock = clock or Clock()
        self.directory = Directory(fixtures.clients, fixtures.users)
        self.catalog = Catalog(fixtures.products)
        self.lifecycles = dict(fixtures.lifecycles)
        self.default_lifecycle = self.known_lifecycle(default_lifecycle, "default lifecycle")
        self.ids = ids or IdSource()
        self.store: Store = store or MemoryStore(max_orders, max_namespaces)
        for name in sorted(self.store.lifecycles_in_use() - set(self.lifecycles)):
            raise UnknownStoredLifecycle(f"a stored order follows lifecycle {name!r}, which "
                                         "the fixtures no longer define")

    def now(self, namespace: str = DEFAULT_NAMESPACE) -> datetime:
        """The namespace's clock; using the namespace brings it into being."""
        return self.clock.now(self.store.use(namespace, self.clock.now()))

    def clock_offset(self, namespace: str = DEFAULT_NAMESPACE) -> float:
        return self.store.use(namespace, self.clock.now())

    # --- The Baanx API ---------------------------------------------------------------

    def authenticate(self, client_key: str | None, token: str | None) -> Identity:
        return self.directory.authenticate(client_key, token)

    def create_order(self, identity: Identity, product_id: str,
                     payment_method: PaymentMethod, lifecycle: str | None = None, *,
                     namespace: str = DEFAULT_NAMESPACE) -> Order:
        """A new STARTED order. Its lifecycle, first match wins: `lifecycle` (chosen for this
        order by the request; UnknownLifecycle if there is none of that name), the one set
        for the next orders, the product's, the server default."""
        if lifecycle is not None:
            self.known_lifecycle(lifecycle)
        product = self.catalog.orderable(identity.user, product_id)
        now = self.now(namespace)
        chosen = (lifecycle or self.store.take_next_lifecycle(namespace) or product.lifecycle
                  or self.default_lifecycle)
        order = new_order(identity, product, payment_method, chosen, now, namespace,
                          self.store.next_number(namespace), self.ids)
        self.store.add_order(order)
        return order

    def poll_order(self, identity: Identity, order_id: str, *,
                   namespace: str = DEFAULT_NAMESPACE) -> Order:
        now = self.now(namespace)
        return self.store.change_order(namespace, order_id, lambda order: polled(
            order, identity, self.lifecycles[order.lifecycle], now, self.ids))

    # --- Scripting, for tests and the control API ------------------------------------

    def known_lifecycle(self, name: str, source: str = "lifecycle") -> str:
        """`name`, if a lifecycle of that name exists; else UnknownLifecycle, whose message
        says the `source` of the name must be one of the known ones."""
        if name not in self.lifecycles:
            raise UnknownLifecycle(name, tuple(sorted(self.usable_lifecycles())), source)
        self.allowed(self.lifecycles[name].extended_statuses, f"lifecycle {name}")
        return name

    def usable_lifecycles(self) -> dict[str, Lifecycle]:
        """The lifecycles orders may follow: with extended statuses off, none that uses
        them."""
        return {name: lifecycle for name, lifecycle in self.lifecycles.items()
                if self.extended_statuses or not lifecycle.extended_statuses}

    def allowed(self, statuses: tuple[OrderStatus, ...], what: str) -> None:
        """A 422 naming the switch when `what` uses statuses the docs do not list and
        extended statuses are off."""
        if statuses and not self.extended_statuses:
            names = ", ".join(dict.fromkeys(status.value for status in statuses))
            raise ValidationFailed(f"{what} uses {names}, seen in real clients but not in the "
                                   f"Baanx docs: turn extended statuses on "
                                   f"({EXTENDED_STATUSES_SWITCH})")

    def orders(self, *, namespace: str = DEFAULT_NAMESPACE, offset: int = 0,
               limit: int | None = None) -> list[Order]:
        """The namespace's orders, newest first, with whatever time has done to them."""
        now = self.now(namespace)
        return [self._caught_up(order, now) for order in
                self.store.orders(namespace, offset, limit)]

    def order_count(self, namespace: str = DEFAULT_NAMESPACE) -> int:
        return self.store.order_count(namespace)

    def order(self, order_id: str, *, namespace: str = DEFAULT_NAMESPACE) -> Order:
        """Any order of the namespace, with whatever time has done to it; not a poll."""
        now = self.now(namespace)
        return self.store.change_order(namespace, order_id,
                                       lambda order: self._caught_up(order, now))

    def force_status(self, order_id: str, status: OrderStatus,
                     outcome: Outcome | None = None, *,
                     namespace: str = DEFAULT_NAMESPACE) -> Order:
        if not status.is_documented:
            self.allowed((status,), "status")
        now = self.now(namespace)
        return self.store.change_order(namespace, order_id, lambda order: forced(
            self._caught_up(order, now), status, outcome or Outcome(), now, self.ids))

    def set_next_lifecycle(self, name: str, count: int | None = None, *,
                           namespace: str = DEFAULT_NAMESPACE) -> NextLifecycle:
        upcoming = NextLifecycle(self.known_lifecycle(name), count)
        self.store.set_next_lifecycle(namespace, upcoming)
        return upcoming

    def next_lifecycle(self, namespace: str = DEFAULT_NAMESPACE) -> NextLifecycle | None:
        return self.store.next_lifecycle(namespace)

    def advance_clock(self, seconds: float, *, namespace: str = DEFAULT_NAMESPACE) -> float:
        """Move the namespace's clock forward; its new offset."""
        if seconds < 0:
            raise ValueError("the mock's clock only moves forward")
        try:
            self.now(namespace) + timedelta(seconds=seconds)
        except OverflowError:
            raise ValueError("the mock's clock cannot go past the year 9999") from None
        return self.store.advance_clock(namespace, seconds)

    def add_fault(self, fault: Fault, *, namespace: str = DEFAULT_NAMESPACE) -> None:
        self.store.add_fault(namespace, fault)

    def take_fault(self, endpoint: str, *, namespace: str = DEFAULT_NAMESPACE) -> Fault | None:
        return self.store.take_fault(namespace, endpoint)

    def faults(self, namespace: str = DEFAULT_NAMESPACE) -> tuple[Fault, ...]:
        return self.store.faults(namespace)

    def clear_faults(self, namespace: str = DEFAULT_NAMESPACE) -> None:
        self.store.clear_faults(namespace)

    def record(self, entry: JournalEntry, *, namespace: str = DEFAULT_NAMESPACE) -> None:
        self.store.record(namespace, entry)

    def journal(self, namespace: str = DEFAULT_NAMESPACE) -> list[JournalEntry]:
        return self.store.journal(namespace)

    def clear_journal(self, namespace: str = DEFAULT_NAMESPACE) -> None:
        self.store.clear_journal(namespace)

    def count_outcome(self, outcome: str, *, namespace: str = DEFAULT_NAMESPACE) -> None:
        self.store.count_outcome(namespace, outcome)

    def coverage(self, namespace: str = DEFAULT_NAMESPACE) -> dict[str, int]:
        return self.store.coverage(namespace)

    def namespaces(self) -> list[NamespaceSummary]:
        return self.store.namespaces()

    def reset(self, namespace: str = DEFAULT_NAMESPACE) -> None:
        """The namespace back to the loaded fixtures: no orders, no faults, an empty
        journal, no lifecycle for the next orders, no outcomes counted, the clock at real
        time, order numbers (and so seeded ids) from the start."""
        self.store.reset(namespace)

    def reset_all(self) -> None:
        """Every namespace forgotten; the default one as after `reset()`."""
        self.store.reset_all()

    def _caught_up(self, order: Order, now: datetime) -> Order:
        return caught_up(order, self.lifecycles[order.lifecycle], now, self.ids)
