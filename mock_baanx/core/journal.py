"""The request journal's entries: what reached the mock and what it answered. Each
namespace keeps its most recent JOURNAL_SIZE (`store.py`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

JOURNAL_SIZE = 1000


# Not frozen, though nothing changes one once built: every request builds one or more, and
# a frozen dataclass costs a setattr call per field to build (route.py's Call is the same).
@dataclass(slots=True)
class JournalEntry:
    """One request as the protocol layer recorded it: credentials already redacted, the
    body already cut to what is worth keeping."""

    at: datetime
    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    body: str
    # 0 when a network-level fault left the client without a status.
    status: int
    endpoint: str | None
    fault: str | None = None
    # What the mock noted of its answer (a stub's placeholder that named nothing).
    note: str | None = None
