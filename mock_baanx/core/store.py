"""Where the mock's state lives, behind one interface: every operation is atomic on its
own, so that the rules (`backend.py`, `orders.py`) never care whether the state is in this
process's memory, in a file, or shared by several processes through a database.

State is kept per namespace: each holds its own orders, next-order lifecycle, faults,
clock offset, journal, outcome counts and order numbers. Fixtures are shared.
"""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict, deque
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, replace
from datetime import datetime
from itertools import count, islice
from typing import Protocol

from .compact_orders import (
    HOT_POLL_TIMES,
    KeptOrder,
    OrderCodec,
    lifecycle_of,
    namespace_of,
    unpacked,
)
from .errors import OrderNotFound
from .faults import ANY_ENDPOINT, Fault
from .journal import JOURNAL_SIZE, JournalEntry
from .lifecycle import Lifecycle
from .models import Order, Product, User
from .stubs import Stub

Addition = User | Product | Lifecycle | Stub

DEFAULT_NAMESPACE = "default"
# A whole load test at 5,000 creates/s whose orders are polled for the docs' two minutes;
# one that creates orders for hours stays bounded, and an order in use is never forgotten.
# What it costs in memory: docs/performance.md.
DEFAULT_MAX_ORDERS = 600_000
# Each CI job, xdist worker or test may use a namespace of its own; the ones idle longest
# are forgotten past this bound (the default namespace never is).
DEFAULT_MAX_NAMESPACES = 1_000


class StoreError(Exception):
    """A store cannot be opened or read: the message says which and why."""


class Outdated(Exception):
    """An optimistic unit relied on what another process has changed since this one read
    it: nothing the unit did is kept, and the request is to be answered again (what was
    outdated is read afresh then)."""


@dataclass(frozen=True, slots=True)
class NextLifecycle:
    """The lifecycle the next orders follow; `remaining` None means until reset."""

    name: str
    remaining: int | None


@dataclass(frozen=True, slots=True)
class Additions:
    """Users, products, lifecycles and stubs added to one namespace at run time, over the
    shared fixtures; `version` grows with each change, so that a view built from them can
    be kept until it does."""

    users: Mapping[str, User] = field(default_factory=dict)
    products: Mapping[str, Product] = field(default_factory=dict)
    lifecycles: Mapping[str, Lifecycle] = field(default_factory=dict)
    stubs: Mapping[str, Stub] = field(default_factory=dict)
    version: int = 0


NO_ADDITIONS = Additions()


@dataclass(frozen=True, slots=True)
class Creation:
    """What a store gives the order it is about to keep: its number in the namespace, the
    lifecycle set for the next orders (if one was, and taken), and the namespace's clock
    offset in seconds."""

    number: int
    next_lifecycle: str | None
    clock_offset: float


def after_taking(upcoming: NextLifecycle | None) -> NextLifecycle | None:
    """The lifecycle set for the next orders once one order has taken it."""
    if upcoming is None or upcoming.remaining is None:
        return upcoming
    return replace(upcoming, remaining=upcoming.remaining - 1) if upcoming.remaining > 1 \
        else None


@dataclass(frozen=True, slots=True)
class OrderPage:
    """A page of a namespace's orders, newest first, and how many it has in all."""

    orders: list[Order]
    total: int


@dataclass(frozen=True, slots=True)
class NamespaceSummary:
    name: str
    orders: int
    last_used: datetime


class Store(Protocol):
    """The operations the rules need, each atomic. `namespace` names whose state; a
    namespace comes into being on first use."""

    # Orders kept in all, in every namespace: past it the one used longest ago is forgotten.
    max_orders: int

    def unit(self, optimistic: bool = False) -> AbstractContextManager[None]:
        """One request's operations, as one unit: a store whose every operation is a trip
        to a database sends them together where it can (PostgreSQL), and makes what they
        changed visible when the unit closes, before the reply that acknowledges it leaves.
        An `optimistic` unit may answer from what this process read before, and checks as
        it closes that none of it has changed meanwhile; if some has, it keeps nothing and
        raises Outdated, so that its caller answers the request again. A store may keep
        what a unit changed as soon as the unit reads what a reply lists (faults, the
        journal, coverage, a page of orders, the next lifecycle), in the same trip to the
        database: a request reads those last. A store in this process's memory needs none:
        its operations are atomic as they come."""
        ...

    def use(self, namespace: str, now: datetime) -> float:
        """Note that `namespace` is in use at `now`; its clock offset in seconds."""
        ...

    def namespaces(self) -> list[NamespaceSummary]:
        """Every namespace, the one used longest ago first."""
        ...

    def reset(self, namespace: str) -> None:
        """The namespace back to nothing: no orders, faults, journal, next lifecycle,
        outcome counts; its clock at real time and its order numbers from 1 again."""
        ...

    def reset_all(self) -> None:
        """Every namespace forgotten; the default one back to nothing."""
        ...

    def advance_clock(self, namespace: str, seconds: float) -> float:
        """Move the namespace's clock forward; its new offset."""
        ...

    def create_order(self, namespace: str, build: Callable[[Creation], Order],
                     take_next_lifecycle: bool = True, exact_number: bool = True) -> Order:
        """Build the namespace's next order and keep it, as one step: its number (1, 2,
        3…), the lifecycle set for the next orders (taken, and counted as used, only with
        `take_next_lifecycle`), the namespace's clock offset and the order kept, with no
        other change of the namespace (a reset, another create) in between. Anything
        `build` raises changes nothing. Past the bound, the order used longest ago is
        forgotten. Without `exact_number` the order's number is only its own field (no id
        is derived from it): a store may then build it with the number it expects and keep
        it with the one it assigns, and the order returned may carry the expected one."""
        ...

    def change_order(self, namespace: str, order_id: str,
                     change: Callable[[Order, float], Order]) -> Order:
        """Apply `change` to the order and keep what it returns, as one step: no other
        change of that order comes in between, so that a moment `change` takes (given the
        namespace's clock offset, read in the same step) is never earlier than one a
        change before it took. OrderNotFound if there is no such order; anything `change`
        raises leaves the order as it was. The order counts as used."""
        ...

    def order_page(self, namespace: str, offset: int = 0, limit: int | None = None
                   ) -> OrderPage:
        """The namespace's orders, newest first, from `offset`, at most `limit` of them, and
        how many it has in all: read together, so that the page and its total agree."""
        ...

    def order_count(self, namespace: str) -> int: ...

    def orders_forgotten(self) -> int:
        """How many orders were forgotten to stay within the bound, since start."""
        ...

    def orders_kept(self) -> int:
        """How many orders are kept, in every namespace."""
        ...

    def forgot_any(self) -> bool:
        """Whether this process has had to forget an order to stay within the bound: cheap,
        asked on every create."""
        ...

    def lifecycles_in_use(self) -> set[tuple[str, str]]:
        """(namespace, lifecycle) of every lifecycle the kept orders follow."""
        ...

    def next_lifecycle(self, namespace: str) -> NextLifecycle | None: ...

    def set_next_lifecycle(self, namespace: str, upcoming: NextLifecycle | None) -> None: ...

    def add_fault(self, namespace: str, fault: Fault) -> None: ...

    def faults(self, namespace: str) -> tuple[Fault, ...]: ...

    def take_fault(self, namespace: str, endpoint: str) -> Fault | None:
        """The first fault for a call of `endpoint` (or of any), counting it as used."""
        ...

    def clear_faults(self, namespace: str) -> None: ...

    def record(self, namespace: str, entry: JournalEntry) -> None:
        """Add to the journal, which keeps the most recent JOURNAL_SIZE entries."""
        ...

    def journal(self, namespace: str) -> list[JournalEntry]:
        """The journal, oldest first."""
        ...

    def clear_journal(self, namespace: str) -> None: ...

    def count_outcome(self, namespace: str, outcome: str) -> None: ...

    def coverage(self, namespace: str) -> dict[str, int]:
        """How many times each outcome was served."""
        ...

    def add(self, namespace: str, item: Addition) -> None:
        """Add a user, product, lifecycle or stub to the namespace (one with the same token,
        id or name replaces it)."""
        ...

    def remove_stub(self, namespace: str, stub_id: str) -> bool:
        """Take out a stub added to the namespace; whether there was one."""
        ...

    def additions(self, namespace: str) -> Additions: ...


@dataclass
class Space:
    """One namespace's state, in memory."""

    last_used: datetime
    # Its orders' ids in the order they were created: one reference an order, where a dict
    # of its own would add a hash and a table slot. Ids of forgotten orders stay among them
    # a while (`MemoryStore._forget_order` says how long).
    order_ids: deque[str] = field(default_factory=deque)
    order_count: int = 0
    next_lifecycle: NextLifecycle | None = None
    faults: list[Fault] = field(default_factory=list)
    clock_offset: float = 0.0
    journal: deque[JournalEntry] = field(default_factory=lambda: deque(maxlen=JOURNAL_SIZE))
    coverage: Counter[str] = field(default_factory=Counter)
    numbers_used: int = 0
    additions: Additions = field(default_factory=Additions)


class MemoryStore:
    """The state in this process's memory, under one lock: the default store."""

    def __init__(self, max_orders: int = DEFAULT_MAX_ORDERS,
                 max_namespaces: int = DEFAULT_MAX_NAMESPACES,
                 hot_poll_times: int = HOT_POLL_TIMES) -> None:
        self.max_orders = max_orders
        self.max_namespaces = max_namespaces
        self._lock = threading.RLock()
        # Namespaces, the one used longest ago first.
        self._spaces: OrderedDict[str, Space] = OrderedDict()
        # Every kept order by its id (ids are unique across namespaces), the one used
        # longest ago first, to forget by; compact unless hot (compact_orders.py).
        self._orders: OrderedDict[str, KeptOrder] = OrderedDict()
        self._codec = OrderCodec(hot_poll_times)
        self._forgotten = 0
        self._versions = count(1)

    def unit(self, optimistic: bool = False) -> AbstractContextManager[None]:
        return nullcontext()

    # --- Namespaces --------------------------------------------------------------------

    def _space(self, namespace: str) -> Space:
        space = self._spaces.get(namespace)
        if space is None:
            space = self._spaces[namespace] = Space(last_used=datetime.min)
        return space

    def use(self, namespace: str, now: datetime) -> float:
        with self._lock:
            space = self._space(namespace)
            space.last_used = now
            self._spaces.move_to_end(namespace)
            self._forget_idle_namespaces()
            return space.clock_offset

    def _forget_idle_namespaces(self) -> None:
        while len(self._spaces) > self.max_namespaces:
            oldest = next(name for name in self._spaces if name != DEFAULT_NAMESPACE)
            self._drop(oldest)

    def _drop(self, namespace: str) -> None:
        """Forget a namespace and its orders. A store that keeps state elsewhere too
        extends this (and `_forget_order`), called under the lock."""
        space = self._spaces.pop(namespace)
        for order_id in space.order_ids:
            self._orders.pop(order_id, None)
            self._codec.forget(order_id)

    def namespaces(self) -> list[NamespaceSummary]:
        with self._lock:
            return [NamespaceSummary(name, space.order_count, space.last_used)
                    for name, space in self._spaces.items()]

    def reset(self, namespace: str) -> None:
        with self._lock:
            if namespace in self._spaces:
                last_used = self._spaces[namespace].last_used
                self._drop(namespace)
                self._spaces[namespace] = Space(last_used=last_used)

    def reset_all(self) -> None:
        with self._lock:
            for namespace in list(self._spaces):
                self._drop(namespace)

    # --- Clock and numbers -------------------------------------------------------------

    def advance_clock(self, namespace: str, seconds: float) -> float:
        with self._lock:
            space = self._space(namespace)
            space.clock_offset += seconds
            return space.clock_offset

    # --- Orders ------------------------------------------------------------------------

    def create_order(self, namespace: str, build: Callable[[Creation], Order],
                     take_next_lifecycle: bool = True, exact_number: bool = True) -> Order:
        with self._lock:
            space = self._space(namespace)
            upcoming = space.next_lifecycle if take_next_lifecycle else None
            order = build(Creation(space.numbers_used + 1,
                                   upcoming.name if upcoming is not None else None,
                                   space.clock_offset))
            space.numbers_used += 1
            if upcoming is not None:
                space.next_lifecycle = after_taking(upcoming)
            self._keep_new(order)
            return order

    def _keep_new(self, order: Order) -> None:
        """Keep an order just created (or read back from a file); past the bound, forget
        the one used longest ago. Called under the lock."""
        space = self._space(order.namespace)
        space.order_ids.append(order.order_id)
        space.order_count += 1
        self._keep(order)
        while len(self._orders) > self.max_orders:
            order_id, kept = self._orders.popitem(last=False)
            self._forget_order(namespace_of(kept), order_id)

    def _forget_order(self, namespace: str, order_id: str) -> None:
        """The order `order_id`, just taken out of the book, out of its namespace too."""
        self._codec.forget(order_id)
        space = self._spaces[namespace]
        space.order_count -= 1
        self._forgotten += 1
        # The order used longest ago is most often the oldest one created, whose id comes
        # first: dropped at once. Ids of forgotten orders behind an older one still in use
        # are swept out once they are an eighth of those kept, each sweep paid for by that
        # many forgettings, so that they never hold much memory.
        ids = space.order_ids
        while ids and ids[0] not in self._orders:
            ids.popleft()
        if len(ids) - space.order_count > space.order_count // 8 + 1024:
            space.order_ids = deque(order_id for order_id in ids if order_id in self._orders)

    def _kept_order(self, namespace: str, order_id: str) -> Order | None:
        kept = self._orders.get(order_id)
        return unpacked(kept) if kept is not None and namespace_of(kept) == namespace else None

    def change_order(self, namespace: str, order_id: str,
                     change: Callable[[Order, float], Order]) -> Order:
        with self._lock:
            order = self._kept_order(namespace, order_id)
            if order is None:
                raise OrderNotFound()
            changed = change(order, self._space(namespace).clock_offset)
            self._keep(changed)
            self._orders.move_to_end(order_id)
            return changed

    def _keep(self, order: Order) -> None:
        """`order` into the book, in the form the codec gives, and the orders that cooled
        meanwhile into theirs (their places in the book unchanged)."""
        self._orders[order.order_id] = self._codec.kept(order)
        for order_id in self._codec.cooling():
            kept = self._orders.get(order_id)
            if kept is not None:
                self._orders[order_id] = self._codec.cold(kept)

    def order_page(self, namespace: str, offset: int = 0, limit: int | None = None
                   ) -> OrderPage:
        with self._lock:
            space = self._spaces.get(namespace)
            if space is None:
                return OrderPage([], 0)
            end = None if limit is None else offset + limit
            kept = (self._orders.get(order_id) for order_id in reversed(space.order_ids))
            return OrderPage([unpacked(order) for order in islice(
                (order for order in kept if order is not None), offset, end)],
                space.order_count)

    def order_count(self, namespace: str) -> int:
        with self._lock:
            space = self._spaces.get(namespace)
            return 0 if space is None else space.order_count

    def orders_forgotten(self) -> int:
        return self._forgotten

    def orders_kept(self) -> int:
        return len(self._orders)

    def forgot_any(self) -> bool:
        return self._forgotten > 0

    def lifecycles_in_use(self) -> set[tuple[str, str]]:
        with self._lock:
            return {(namespace_of(kept), lifecycle_of(kept)) for kept in self._orders.values()}

    # --- Next lifecycle ----------------------------------------------------------------

    def next_lifecycle(self, namespace: str) -> NextLifecycle | None:
        with self._lock:
            return self._space(namespace).next_lifecycle

    def set_next_lifecycle(self, namespace: str, upcoming: NextLifecycle | None) -> None:
        with self._lock:
            self._space(namespace).next_lifecycle = upcoming

    # --- Faults ------------------------------------------------------------------------

    def add_fault(self, namespace: str, fault: Fault) -> None:
        with self._lock:
            self._space(namespace).faults.append(fault)

    def faults(self, namespace: str) -> tuple[Fault, ...]:
        with self._lock:
            return tuple(self._space(namespace).faults)

    def take_fault(self, namespace: str, endpoint: str) -> Fault | None:
        # Looked at without the lock first: most requests find no fault set, and a fault set
        # at this very moment would as well have come an instant later.
        space = self._spaces.get(namespace)
        if space is None or not space.faults:
            return None
        with self._lock:
            faults = self._space(namespace).faults
            for index, fault in enumerate(faults):
                if fault.endpoint in (endpoint, ANY_ENDPOINT):
                    if fault.times is not None:
                        if fault.times <= 1:
                            del faults[index]
                        else:
                            faults[index] = replace(fault, times=fault.times - 1)
                    return fault
            return None

    def clear_faults(self, namespace: str) -> None:
        with self._lock:
            self._space(namespace).faults.clear()

    # --- Journal and coverage ----------------------------------------------------------

    def record(self, namespace: str, entry: JournalEntry) -> None:
        with self._lock:
            self._space(namespace).journal.append(entry)

    def journal(self, namespace: str) -> list[JournalEntry]:
        with self._lock:
            return list(self._space(namespace).journal)

    def clear_journal(self, namespace: str) -> None:
        with self._lock:
            self._space(namespace).journal.clear()

    def count_outcome(self, namespace: str, outcome: str) -> None:
        with self._lock:
            self._space(namespace).coverage[outcome] += 1

    def coverage(self, namespace: str) -> dict[str, int]:
        with self._lock:
            return dict(self._space(namespace).coverage)

    # --- Data added at run time --------------------------------------------------------

    def add(self, namespace: str, item: Addition) -> None:
        with self._lock:
            space = self._space(namespace)
            space.additions = with_item(space.additions, item, next(self._versions))

    def remove_stub(self, namespace: str, stub_id: str) -> bool:
        with self._lock:
            space = self._space(namespace)
            if stub_id not in space.additions.stubs:
                return False
            space.additions = without_stub(space.additions, stub_id, next(self._versions))
            return True

    def additions(self, namespace: str) -> Additions:
        # No lock: one look-up, and a namespace's additions are replaced whole, never changed.
        space = self._spaces.get(namespace)
        return NO_ADDITIONS if space is None else space.additions


def with_item(additions: Additions, item: Addition, version: int) -> Additions:
    """`additions` with `item` in, in place of one with its token, id or name; `version`
    is a number no earlier additions of any namespace had."""
    if isinstance(item, User):
        return replace(additions, users={**additions.users, item.token: item}, version=version)
    if isinstance(item, Product):
        return replace(additions, products={**additions.products, item.id: item},
                       version=version)
    if isinstance(item, Stub):
        return replace(additions, stubs={**additions.stubs, item.id: item}, version=version)
    return replace(additions, lifecycles={**additions.lifecycles, item.name: item},
                   version=version)


def without_stub(additions: Additions, stub_id: str, version: int) -> Additions:
    return replace(additions, stubs={key: stub for key, stub in additions.stubs.items()
                                     if key != stub_id}, version=version)
