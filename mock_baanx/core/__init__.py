"""The pure domain of mock-baanx: no HTTP, no IO, no globals.

Everything here takes its clock and id source as parameters, so that a test can pin
time and ids, and two backends in one process share nothing.
"""

from .backend import Backend, Fixtures
from .catalog import Catalog, Offer
from .clock import Clock, is_calendar_date, paid_at_text
from .faults import ANY_ENDPOINT, Fault, FaultKind
from .ids import IdSource, SeededIds, seeded_ids
from .journal import JournalEntry
from .lifecycle import Lifecycle, Step
from .models import (
    DOCUMENTED_STATUSES,
    EXTENDED_STATUSES,
    FINAL_STATUSES,
    Client,
    Identity,
    Order,
    OrderStatus,
    Outcome,
    PaymentConfig,
    PaymentMethod,
    Product,
    StatusChange,
    User,
)
from .store import (
    DEFAULT_NAMESPACE,
    MemoryStore,
    NamespaceSummary,
    NextLifecycle,
    OrderPage,
    Store,
    StoreError,
)
from .stubs import Conditions, Stub

__all__ = [
    "ANY_ENDPOINT",
    "DEFAULT_NAMESPACE",
    "DOCUMENTED_STATUSES",
    "EXTENDED_STATUSES",
    "FINAL_STATUSES",
    "Backend",
    "Catalog",
    "Client",
    "Clock",
    "Conditions",
    "Fault",
    "FaultKind",
    "Fixtures",
    "IdSource",
    "Identity",
    "JournalEntry",
    "Lifecycle",
    "MemoryStore",
    "NamespaceSummary",
    "NextLifecycle",
    "Offer",
    "Order",
    "OrderPage",
    "OrderStatus",
    "Outcome",
    "PaymentConfig",
    "PaymentMethod",
    "Product",
    "SeededIds",
    "StatusChange",
    "Step",
    "Store",
    "StoreError",
    "Stub",
    "User",
    "is_calendar_date",
    "paid_at_text",
    "seeded_ids",
]
