"""The request journal: what reached the mock and what it answered, newest last."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime

JOURNAL_SIZE = 1000
# Bodies are kept for reading, not replaying: a cap keeps 1,000 entries small.
BODY_KEPT = 16 * 1024
REDACTED = "<redacted>"
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})


@dataclass(frozen=True, slots=True)
class JournalEntry:
    at: datetime
    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    body: str
    status: int
    endpoint: str | None


def redacted(headers: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """The headers with every credential replaced, keeping the scheme of Authorization so
    that a reader can still tell `Bearer` from `Basic` from garbage."""
    kept = []
    for name, value in headers:
        if name.lower() in SECRET_HEADERS:
            scheme = value.split(" ", 1)[0] if " " in value.strip() else ""
            value = f"{scheme} {REDACTED}" if scheme else REDACTED
        kept.append((name, value))
    return tuple(kept)


def body_text(body: bytes) -> str:
    text = body[:BODY_KEPT].decode("utf-8", errors="replace")
    return text + "…" if len(body) > BODY_KEPT else text


class Journal:
    def __init__(self, size: int = JOURNAL_SIZE) -> None:
        self._entries: deque[JournalEntry] = deque(maxlen=size)

    def record(self, entry: JournalEntry) -> None:
        self._entries.append(entry)

    def entries(self) -> list[JournalEntry]:
        return list(self._entries)

    def clear(self) -> None:
        self._entries.clear()
