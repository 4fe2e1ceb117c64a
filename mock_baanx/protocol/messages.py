"""Request and Reply: what the doors hand to the protocol's steps (`handler.py`) and get
back.

Neither knows Flask, WSGI or `requests`; each adapter converts to and from them, so the
served mock and the in-process mock run the very same code.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

JSON_TYPE = "application/json"
# Built once: json.dumps with any option builds a new encoder on every call
# (docs/performance.md).
COMPACT_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    # Percent-decoded, without the query string.
    path: str
    # As received, in order; names keep their case for the journal.
    header_pairs: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    query: str = ""
    # What Content-Length announced, when the adapter stopped reading a body announced
    # past the limit rather than wait for all of it.
    declared_length: int | None = None
    _by_name: Mapping[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_name: dict[str, str] = {}
        for name, value in self.header_pairs:
            # The first of repeated headers wins, as most frameworks read them.
            by_name.setdefault(name.lower(), value)
        object.__setattr__(self, "_by_name", by_name)

    @classmethod
    def build(cls, method: str, path: str, headers: Iterable[tuple[str, str]] = (),
              body: bytes = b"", query: str = "", declared_length: int | None = None
              ) -> Request:
        return cls(method=method.upper(), path=path, header_pairs=tuple(headers), body=body,
                   query=query, declared_length=declared_length)

    def header(self, name: str) -> str | None:
        """A header's value by case-insensitive name, or None when absent."""
        return self._by_name.get(name.lower())


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    # The JSON value `body` encodes, kept for strict-mode validation without re-parsing.
    payload: Any = None
    # A network-level fault the transport is to produce instead of (or on top of) sending
    # this reply as it is (network_faults.py), and for `truncated` the Content-Length to
    # announce for a body that stops short of it.
    fault: str | None = None
    declared_length: int | None = None

    @classmethod
    def json(cls, status: int, payload: Any,
             headers: Iterable[tuple[str, str]] = ()) -> Reply:
        body = COMPACT_JSON.encode(payload).encode("utf-8")
        return cls(status=status, body=body,
                   headers=(("Content-Type", JSON_TYPE), *headers), payload=payload)

    def with_headers(self, headers: Iterable[tuple[str, str]]) -> Reply:
        # Built field by field: every reply gains headers on its way out, and
        # `dataclasses.replace` costs microseconds.
        return Reply(status=self.status, body=self.body, headers=(*self.headers, *headers),
                     payload=self.payload, fault=self.fault,
                     declared_length=self.declared_length)
