"""The request journal: what reached the mock and what it answered, newest last."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime

JOURNAL_SIZE = 1000


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """One request as the protocol layer recorded it: credentials already redacted, the
    body already cut to what is worth keeping."""

    at: datetime
    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    body: str
    status: int
    endpoint: str | None


class Journal:
    def __init__(self, size: int = JOURNAL_SIZE) -> None:
        self._entries: deque[JournalEntry] = deque(maxlen=size)

    def record(self, entry: JournalEntry) -> None:
        self._entries.append(entry)

    def entries(self) -> list[JournalEntry]:
        return list(self._entries)

    def clear(self) -> None:
        self._entries.clear()
