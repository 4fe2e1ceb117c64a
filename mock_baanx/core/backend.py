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
    Creation,
    MemoryStore,
    NamespaceSummary,
    NextLifecycle,
    OrderPage,
    Store,
)
from .stubs import Stub

DEFAULT_LIFECYCLE = "complete"
# Views of namespaces with additions are kept for the next request; past this many, the
# cache starts again (views are cheap to build, only not on every request).
MAX_CACHED_VIEWS = 1024


class UnknownStoredLifecycle(ValueError):
    """A stored order names a lifecycle the current fixtures lack."""


@dataclass(frozen=True, slots=True)
class Fixtures:
    """What the mock knows before any request: identities, products and lifecycles."""

    clients: tuple[Client, ...]
    users: tuple[User, ...]
    products: tuple[Product, ...]
    lifecycles: Mapping[str, Lifecycle] = field(default_factory=dict)
    stubs: tuple[Stub, ...] = ()


@dataclass(frozen=True, slots=True)
class View:
    """What one namespace knows: the fixtures with its run-time additions."""

    directory: Directory
    catalog: Catalog
    lifecycles: Mapping[str, Lifecycle]
    # The fixtures' stubs, then those added at run time; one added with a fixture stub's id
    # takes its place.
    stubs: tuple[Stub, ...] = ()


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
        self._base = View(self.directory, self.catalog, self.lifecycles, fixtures.stubs)
        # Each namespace's view, with the additions version it was built from.
        self._views: dict[str, tuple[int, View]] = {}
        self.ids = ids or IdSource()
        self.store: Store = store or MemoryStore(max_orders, max_namespaces)
        self.default_lifecycle = self.known_lifecycle(default_lifecycle, "default lifecycle")
        for namespace, name in sorted(self.store.lifecycles_in_use()):
            if name not in self.view(namespace).lifecycles:
                raise UnknownStoredLifecycle(f"a stored order follows lifecycle {name!r}, which "
                                             "the fixtures no longer define")

    def now(self, namespace: str = DEFAULT_NAMESPACE) -> datetime:
        """The namespace's clock; using the namespace brings it into being."""
        real = self.clock.now()
        offset = self.store.use(namespace, real)
        return real + timedelta(seconds=offset) if offset else real

    def at_offset(self, offset: float) -> datetime:
        """The clock of a namespace `offset` seconds ahead of real time, read now: called
        inside a store's step, so that the moment is the step's own."""
        real = self.clock.now()
        return real + timedelta(seconds=offset) if offset else real

    def clock_offset(self, namespace: str = DEFAULT_NAMESPACE) -> float:
        return self.store.use(namespace, self.clock.now())

    # --- The Baanx API ---------------------------------------------------------------

    def view(self, namespace: str = DEFAULT_NAMESPACE) -> View:
        """The clients, users, products and lifecycles the namespace knows."""
        additions = self.store.additions(namespace)
        if not additions.version:
            return self._base
        cached = self._views.get(namespace)
        if cached is not None and cached[0] == additions.version:
            return cached[1]
        if len(self._views) > MAX_CACHED_VIEWS:
            self._views.clear()
        users = {user.token: user for user in self.fixtures.users} | dict(additions.users)
        products = {product.id: product for product in self.fixtures.products}
        stubs = {stub.id: stub for stub in self.fixtures.stubs} | dict(additions.stubs)
        view = View(Directory(self.fixtures.clients, users.values()),
                    Catalog((products | dict(additions.products)).values()),
                    {**self.lifecycles, **additions.lifecycles}, tuple(stubs.values()))
        self._views[namespace] = (additions.version, view)
        return view

    def authenticate(self, client_key: str | None, token: str | None, *,
                     namespace: str = DEFAULT_NAMESPACE) -> Identity:
        return self.view(namespace).directory.authenticate(client_key, token)

    def create_order(self, identity: Identity, product_id: str,
                     payment_method: PaymentMethod, lifecycle: str | None = None, *,
                     namespace: str = DEFAULT_NAMESPACE) -> Order:
        """A new STARTED order. Its lifecycle, first match wins: `lifecycle` (chosen for this
        order by the request; UnknownLifecycle if there is none of that name), the one set
        for the next orders, the product's, the server default."""
        if lifecycle is not None:
            self.known_lifecycle(lifecycle, namespace=namespace)
        product = self.view(namespace).catalog.orderable(identity.user, product_id)

        def build(creation: Creation) -> Order:
            chosen = (lifecycle or creation.next_lifecycle or product.lifecycle
                      or self.default_lifecycle)
            return new_order(identity, product, payment_method, chosen,
                             self.at_offset(creation.clock_offset), namespace,
                             creation.number, self.ids)

        # One step of the store: a reset never comes between the number, the lifecycle
        # and the order kept.
        return self.store.create_order(namespace, build, take_next_lifecycle=lifecycle is None,
                                       exact_number=self.ids.seed is not None)

    def poll_order(self, identity: Identity, order_id: str, *,
                   namespace: str = DEFAULT_NAMESPACE) -> Order:
        lifecycles = self.view(namespace).lifecycles
        # The poll's moment is taken inside the store's step that keeps it: concurrent polls
        # of one order keep their moments oldest first.
        return self.store.change_order(namespace, order_id, lambda order, offset: polled(
            order, identity, lifecycles[order.lifecycle], self.at_offset(offset), self.ids))

    # --- Scripting, for tests and the control API ------------------------------------

    def known_lifecycle(self, name: str, source: str = "lifecycle", *,
                        namespace: str = DEFAULT_NAMESPACE) -> str:
        """`name`, if the namespace knows a lifecycle of that name; else UnknownLifecycle,
        whose message says the `source` of the name must be one of the known ones."""
        lifecycles = self.view(namespace).lifecycles
        if name not in lifecycles:
            raise UnknownLifecycle(name, tuple(sorted(self.usable_lifecycles(namespace))),
                                   source)
        self.allowed(lifecycles[name].extended_statuses, f"lifecycle {name}")
        return name

    def usable_lifecycles(self, namespace: str = DEFAULT_NAMESPACE) -> dict[str, Lifecycle]:
        """The lifecycles the namespace's orders may follow: with extended statuses off,
        none that uses them."""
        return {name: lifecycle for name, lifecycle in self.view(namespace).lifecycles.items()
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
        return self.order_page(namespace=namespace, offset=offset, limit=limit).orders

    def order_page(self, *, namespace: str = DEFAULT_NAMESPACE, offset: int = 0,
                   limit: int | None = None) -> OrderPage:
        """A page of `orders`, and how many the namespace has in all."""
        now = self.now(namespace)
        page = self.store.order_page(namespace, offset, limit)
        return OrderPage([self._caught_up(order, now) for order in page.orders], page.total)

    def order_count(self, namespace: str = DEFAULT_NAMESPACE) -> int:
        return self.store.order_count(namespace)

    def order(self, order_id: str, *, namespace: str = DEFAULT_NAMESPACE) -> Order:
        """Any order of the namespace, with whatever time has done to it; not a poll."""
        return self.store.change_order(namespace, order_id, lambda order, offset:
                                       self._caught_up(order, self.at_offset(offset)))

    def force_status(self, order_id: str, status: OrderStatus,
                     outcome: Outcome | None = None, *,
                     namespace: str = DEFAULT_NAMESPACE) -> Order:
        if not status.is_documented:
            self.allowed((status,), "status")

        def force(order: Order, offset: float) -> Order:
            now = self.at_offset(offset)
            return forced(self._caught_up(order, now), status, outcome or Outcome(), now,
                          self.ids)

        return self.store.change_order(namespace, order_id, force)

    def set_next_lifecycle(self, name: str, count: int | None = None, *,
                           namespace: str = DEFAULT_NAMESPACE) -> NextLifecycle:
        upcoming = NextLifecycle(self.known_lifecycle(name, namespace=namespace), count)
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

    # --- Data added at run time, per namespace -----------------------------------------

    def add_user(self, user: User, *, namespace: str = DEFAULT_NAMESPACE) -> bool:
        """Add a user to the namespace, or replace the one with its token; whether it
        replaced one. 422 when it names a product the namespace does not know."""
        view = self.view(namespace)
        for product_id in sorted(user.ineligible_products):
            if product_id not in view.catalog.ids:
                raise ValidationFailed(f"ineligibleProducts: unknown product {product_id!r}")
        replaced = view.directory.knows(user.token)
        self.store.add(namespace, user)
        return replaced

    def add_product(self, product: Product, *, namespace: str = DEFAULT_NAMESPACE) -> bool:
        """Add a product to the namespace's catalogue, or replace the one with its id;
        whether it replaced one. 422 when it names a lifecycle the namespace lacks."""
        if product.lifecycle is not None:
            self.known_lifecycle(product.lifecycle, "lifecycle", namespace=namespace)
        replaced = product.id in self.view(namespace).catalog.ids
        self.store.add(namespace, product)
        return replaced

    def add_lifecycle(self, lifecycle: Lifecycle, *,
                      namespace: str = DEFAULT_NAMESPACE) -> bool:
        """Add a lifecycle to the namespace, or replace the one of its name; whether it
        replaced one. 422 naming the switch when it uses extended statuses without them."""
        self.allowed(lifecycle.extended_statuses, f"lifecycle {lifecycle.name}")
        replaced = lifecycle.name in self.view(namespace).lifecycles
        self.store.add(namespace, lifecycle)
        return replaced

    def add_stub(self, stub: Stub, *, namespace: str = DEFAULT_NAMESPACE) -> bool:
        """Add a stub to the namespace, or replace the one with its id; whether it replaced
        one (a fixture's included)."""
        replaced = any(known.id == stub.id for known in self.view(namespace).stubs)
        self.store.add(namespace, stub)
        return replaced

    def remove_stub(self, stub_id: str, *, namespace: str = DEFAULT_NAMESPACE) -> bool:
        """Take out a stub added to the namespace at run time; whether there was one (a
        fixture's stays: a reset is what returns a namespace to its fixtures)."""
        return self.store.remove_stub(namespace, stub_id)

    def _caught_up(self, order: Order, now: datetime) -> Order:
        lifecycle = self.view(order.namespace).lifecycles[order.lifecycle]
        return caught_up(order, lifecycle, now, self.ids)
