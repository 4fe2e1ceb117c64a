"""The backend: the one owner of the mock's state.

Everything a request can read or change goes through a Backend method, under one lock, so
that concurrent polls of an order each count once and concurrent creates lose nothing.
Two backends share nothing: two mocks can live in one process.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field

from .auth import Directory
from .catalog import Catalog
from .clock import Clock
from .errors import UnknownLifecycle
from .faults import Fault, FaultPlan
from .ids import IdSource
from .journal import Journal, JournalEntry
from .lifecycle import Lifecycle
from .models import Client, Identity, Order, OrderStatus, Outcome, PaymentMethod, Product, User
from .orders import DEFAULT_MAX_ORDERS, OrderBook
from .persistence import InMemory, StateStore

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


@dataclass(frozen=True, slots=True)
class NextLifecycle:
    """The lifecycle the next orders follow; `remaining` None means until reset."""

    name: str
    remaining: int | None


class Backend:
    def __init__(self, fixtures: Fixtures, *, clock: Clock | None = None,
                 ids: IdSource | None = None,
                 default_lifecycle: str = DEFAULT_LIFECYCLE,
                 store: StateStore | None = None,
                 max_orders: int = DEFAULT_MAX_ORDERS) -> None:
        self.fixtures = fixtures
        self.clock = clock or Clock()
        self.directory = Directory(fixtures.clients, fixtures.users)
        self.catalog = Catalog(fixtures.products)
        self.lifecycles = dict(fixtures.lifecycles)
        self.default_lifecycle = self.known_lifecycle(default_lifecycle, "default lifecycle")
        self._ids = ids or IdSource()
        self._lock = threading.RLock()
        self._store: StateStore = store or InMemory()
        self._orders = OrderBook(self._ids, self.lifecycles, self._store.save_order,
                                 self._store.forget_order, max_orders)
        self._restore()
        self._faults = FaultPlan()
        self._journal = Journal()
        self._next_lifecycle: NextLifecycle | None = None

    # --- The Baanx API ---------------------------------------------------------------

    def authenticate(self, client_key: str | None, token: str | None) -> Identity:
        return self.directory.authenticate(client_key, token)

    def create_order(self, identity: Identity, product_id: str,
                     payment_method: PaymentMethod, lifecycle: str | None = None) -> Order:
        """A new STARTED order. Its lifecycle, first match wins: `lifecycle` (chosen for this
        order by the request; UnknownLifecycle if there is none of that name), the one set
        for the next orders, the product's, the server default."""
        with self._lock:
            if lifecycle is not None:
                self.known_lifecycle(lifecycle)
            product = self.catalog.orderable(identity.user, product_id)
            if lifecycle is not None:
                chosen = lifecycle
            elif self._next_lifecycle is not None:
                chosen = self._take_next_lifecycle()
            else:
                chosen = product.lifecycle or self.default_lifecycle
            return self._orders.create(identity, product, payment_method, chosen,
                                       self.clock.now())

    def poll_order(self, identity: Identity, order_id: str) -> Order:
        with self._lock:
            return self._orders.poll(identity, order_id, self.clock.now())

    # --- Scripting, for tests and the control API ------------------------------------

    def known_lifecycle(self, name: str, source: str = "lifecycle") -> str:
        """`name`, if a lifecycle of that name exists; else UnknownLifecycle, whose message
        says the `source` of the name must be one of the known ones."""
        if name not in self.lifecycles:
            raise UnknownLifecycle(name, tuple(sorted(self.lifecycles)), source)
        return name

    def orders(self) -> list[Order]:
        with self._lock:
            return self._orders.all(self.clock.now())

    def order(self, order_id: str) -> Order:
        with self._lock:
            return self._orders.find(order_id, self.clock.now())

    def force_status(self, order_id: str, status: OrderStatus,
                     outcome: Outcome | None = None) -> Order:
        with self._lock:
            return self._orders.force(order_id, status, outcome or Outcome(), self.clock.now())

    def set_next_lifecycle(self, name: str, count: int | None = None) -> NextLifecycle:
        with self._lock:
            self._next_lifecycle = NextLifecycle(self.known_lifecycle(name), count)
            return self._next_lifecycle

    @property
    def next_lifecycle(self) -> NextLifecycle | None:
        return self._next_lifecycle

    def advance_clock(self, seconds: float) -> None:
        with self._lock:
            self.clock.advance(seconds)
            self._store.save_clock_offset(self.clock.offset_seconds)

    def add_fault(self, fault: Fault) -> None:
        with self._lock:
            self._faults.add(fault)

    def take_fault(self, endpoint: str) -> Fault | None:
        with self._lock:
            return self._faults.take(endpoint)

    def faults(self) -> tuple[Fault, ...]:
        with self._lock:
            return self._faults.pending

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def record(self, entry: JournalEntry) -> None:
        with self._lock:
            self._journal.record(entry)

    def journal(self) -> list[JournalEntry]:
        with self._lock:
            return self._journal.entries()

    def clear_journal(self) -> None:
        with self._lock:
            self._journal.clear()

    def reset(self) -> None:
        """Back to the loaded fixtures: no orders, no faults, an empty journal, no
        lifecycle for the next orders, the clock at real time."""
        with self._lock:
            self._orders.clear()
            self._faults.clear()
            self._journal.clear()
            self._next_lifecycle = None
            self.clock.reset()
            self._store.clear()

    def _restore(self) -> None:
        orders, offset = self._store.load()
        for order in orders:
            if order.lifecycle not in self.lifecycles:
                raise UnknownStoredLifecycle(
                    f"order {order.order_id} follows lifecycle {order.lifecycle!r}, which the "
                    f"fixtures no longer define")
        self._orders.restore(orders)
        self.clock.advance(offset)

    def _take_next_lifecycle(self) -> str:
        assert self._next_lifecycle is not None
        name, remaining = self._next_lifecycle.name, self._next_lifecycle.remaining
        if remaining is None:
            return name
        self._next_lifecycle = NextLifecycle(name, remaining - 1) if remaining > 1 else None
        return name
