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
    """One request as it came and the status it got. Kept as received and made readable
    (credentials redacted, body decoded) only when read: most entries never are."""

    at: datetime
    method: str
    path: str
    header_pairs: tuple[tuple[str, str], ...]
    # At most BODY_KEPT bytes and one more, to tell that there was more.
    body_start: bytes
    status: int
    endpoint: str | None

    @classmethod
    def of(cls, at: datetime, method: str, path: str, header_pairs: tuple[tuple[str, str], ...],
           body: bytes, status: int, endpoint: str | None) -> JournalEntry:
        return cls(at, method, path, header_pairs, body[:BODY_KEPT + 1], status, endpoint)

    @property
    def headers(self) -> tuple[tuple[str, str], ...]:
        return redacted(self.header_pairs)

    @property
    def body(self) -> str:
        return body_text(self.body_start)


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
