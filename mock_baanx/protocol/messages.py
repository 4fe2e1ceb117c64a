"""Request and Reply: what the doors hand to the protocol's steps (`handler.py`) and get
back.

Neither knows Flask, WSGI or `requests`; each adapter converts to and from them, so the
served mock and the in-process mock run the very same code. The sizes and waits the mock
accepts from a request are here, shared by every door.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from ..core.errors import ValidationFailed

JSON_TYPE = "application/json"
# Built once: json.dumps with any option builds a new encoder on every call
# (docs/performance.md).
COMPACT_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
# For a reply holding a lone surrogate (a client's `\ud800` escape, echoed by a stub), which
# only JSON's own escape can carry: UTF-8 cannot.
ASCII_JSON = json.JSONEncoder(separators=(",", ":"))


# Not frozen, though nothing changes one once built: every request builds one or more, and
# a frozen dataclass costs a setattr call per field to build (route.py's Call is the same).
@dataclass(slots=True)
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
        self._by_name = by_name

    @classmethod
    def build(cls, method: str, path: str, headers: Iterable[tuple[str, str]] = (),
              body: bytes = b"", query: str = "", declared_length: int | None = None
              ) -> Request:
        return cls(method=method.upper(), path=path, header_pairs=tuple(headers), body=body,
                   query=query, declared_length=declared_length)

    def header(self, name: str) -> str | None:
        """A header's value by case-insensitive name, or None when absent."""
        return self._by_name.get(name.lower())


# Not frozen, though nothing changes one once built: every request builds one or more, and
# a frozen dataclass costs a setattr call per field to build (route.py's Call is the same).
@dataclass(slots=True)
class Reply:
    status: int
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    # The JSON value `body` encodes, kept for strict-mode validation without re-parsing.
    payload: Any = None
    # A network-level fault the transport is to produce instead of (or on top of) sending
    # this reply as it is (faults.py), and for `truncated` the Content-Length to
    # announce for a body that stops short of it.
    fault: str | None = None
    declared_length: int | None = None

    @classmethod
    def json(cls, status: int, payload: Any,
             headers: Iterable[tuple[str, str]] = ()) -> Reply:
        try:
            body = COMPACT_JSON.encode(payload).encode("utf-8")
        except UnicodeEncodeError:
            body = ASCII_JSON.encode(payload).encode("ascii")
        return cls(status=status, body=body,
                   headers=(("Content-Type", JSON_TYPE), *headers), payload=payload)

    def with_headers(self, headers: Iterable[tuple[str, str]]) -> Reply:
        # Built field by field: every reply gains headers on its way out, and
        # `dataclasses.replace` costs microseconds.
        return Reply(status=self.status, body=self.body, headers=(*self.headers, *headers),
                     payload=self.payload, fault=self.fault,
                     declared_length=self.declared_length)


MAX_BODY_BYTES = 1024 * 1024
# Below what `serve`'s HTTP server refuses by itself (a 64 KB request target, 100 header
# fields, a head of about 400 KB), so that the mock answers these refusals with its JSON
# body through every door.
MAX_TARGET_BYTES = 32 * 1024
MAX_HEADER_FIELDS = 64
MAX_HEAD_BYTES = 256 * 1024
# An injected delay longer than this is a typo, and would hold a server thread hostage.
MAX_DELAY_MS = 60_000


def body_size_text(size: int = MAX_BODY_BYTES) -> str:
    """`size` as people write it: "1 MiB"."""
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= scale and size % scale == 0:
            return f"{size // scale} {unit}"
    return f"{size} bytes"


def body_to_read(declared_length: int | None, chunked: bool) -> bool:
    """Whether an adapter must read a request's body: one announced from 1 byte up to the
    limit, or one that comes chunked (read only just past the limit). No length and no
    chunks, or `Content-Length: 0`, mean no body; a length past the limit is refused
    (413) unread, since its sender may be slow to send what would be thrown away."""
    if declared_length is None:
        return chunked
    return 0 < declared_length <= MAX_BODY_BYTES


# --- Request bodies --------------------------------------------------------------------


INT_DIGITS = sys.int_info.default_max_str_digits
# A journal keeps bodies for reading, not replaying: a cap keeps 1,000 entries small.
BODY_KEPT = 16 * 1024


def parse_json(raw: bytes, to_keep: bool = False) -> Any:
    """Any JSON value, as RFC 8259 defines it, or a 422: never a traceback, however deep or
    broken the input. NaN and Infinity are not JSON, and a number too large for a double is
    refused (a JavaScript parser would make it Infinity); an integer of any length is read,
    past Python's limit on digits too.

    `to_keep`, for what the mock keeps and writes back, refuses what not every store can
    keep: an integer past that limit (no JSON the mock writes can hold one) and a string
    holding U+0000 (PostgreSQL's text cannot) or a lone surrogate (UTF-8 cannot)."""
    try:
        # Decoded as json.loads decodes bytes.
        text = raw.decode(json.detect_encoding(raw), "surrogatepass")
        value = (WITHIN_DIGITS if to_keep else RFC_8259).decode(text)
    except RecursionError:
        raise ValidationFailed("request body is nested too deeply") from None
    except TooLarge as error:
        raise ValidationFailed(f"request body has a number too large for a double: "
                               f"{shown(error.args[0])}") from None
    except TooManyDigits as error:
        raise ValidationFailed(f"request body has an integer of more than {INT_DIGITS:,} "
                               f"digits, more than the mock keeps: {error.args[0][:20]}...") \
            from None
    except ValueError:
        raise ValidationFailed("request body must be valid JSON") from None
    # Either comes only from a \u escape, or as a surrogate encoded in the bytes themselves.
    if to_keep and ("\\u" in text or not text.isascii()):
        problem = unkeepable_text(value)
        if problem is not None:
            raise ValidationFailed(f"request body has a string the mock cannot keep: "
                                   f"{problem}")
    return value


# How deep a stub's body and schemas, and a request's value a stub echoes, may nest: far past
# any reply an API gives, and far short of where the code that renders, encodes and checks
# them runs out of stack.
MAX_NESTING = 32


def json_values(value: Any) -> Iterator[tuple[Any, int]]:
    """Every value within a JSON value (itself, and each object's names too), with how deep
    it lies: without recursion, so that no nesting a parser took runs out of stack. Lazy:
    whoever stops at a value stops the walk there."""
    pending = [(value, 0)]
    while pending:
        node, depth = pending.pop()
        yield node, depth
        if isinstance(node, dict):
            pending.extend((item, depth + 1) for item in node.values())
            pending.extend((name, depth + 1) for name in node)
        elif isinstance(node, list):
            pending.extend((item, depth + 1) for item in node)


def nested_deeper_than(value: Any, limit: int) -> bool:
    """Whether `value` holds arrays or objects more than `limit` deep."""
    return any(depth >= limit and isinstance(node, dict | list)
               for node, depth in json_values(value))


def unkeepable_text(value: Any) -> str | None:
    """What makes a string of a JSON value (a name or a value) one that not every
    store can keep, if any: U+0000, or a lone surrogate."""
    for node, _ in json_values(value):
        if isinstance(node, str):
            if "\x00" in node:
                return f"{shown(node)} holds U+0000"
            try:
                node.encode("utf-8")
            except UnicodeEncodeError as error:
                return f"{shown(node)} holds a lone surrogate (U+{ord(node[error.start]):04X})"
    return None


class TooLarge(ValueError):
    """A number that would be infinite as a double."""


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


def _finite(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise TooLarge(text)
    return value


def _integer(text: str) -> int | Decimal:
    # Past Python's limit on digits (sys.int_info), an exact decimal: read in linear time.
    return int(text) if len(text) <= INT_DIGITS else Decimal(text)


class TooManyDigits(ValueError):
    """An integer past Python's limit on digits, where the mock wants none."""


def _integer_within_digits(text: str) -> int:
    if len(text) > INT_DIGITS:
        raise TooManyDigits(text)
    return int(text)


# Built once: json.loads with any option builds a new decoder on every call.
RFC_8259 = json.JSONDecoder(parse_constant=_not_json, parse_float=_finite, parse_int=_integer)
WITHIN_DIGITS = json.JSONDecoder(parse_constant=_not_json, parse_float=_finite,
                                 parse_int=_integer_within_digits)


def bounded_number(text: str, low: int, high: int) -> int | None:
    """`text` as a whole number from `low` to `high`, or None: ASCII digits only (str.isdigit
    also takes "²", which int() cannot read), and read only when no longer than `high` can
    be (past Python's limit on digits, int() refuses to read them at all)."""
    digits = text.lstrip("0")
    if not (text.isascii() and text.isdigit() and len(digits) <= len(str(high))):
        return None
    value = int(digits or "0")
    return value if low <= value <= high else None


def whole(value: Any) -> Any:
    """A value a schema took as an `integer`, as the int it stands for: JSON Schema takes a
    number with a zero fraction (`503.0`) for one, which a status line or a header cannot
    carry as it is. Anything else (None, for a field not given) as it is."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def json_object(request: Request) -> dict[str, Any]:
    """The request body as a JSON object, or a 422 that says what is wrong with it."""
    media_type = (request.header("content-type") or "").split(";", 1)[0].strip().lower()
    if media_type != JSON_TYPE and not media_type.endswith("+json"):
        raise ValidationFailed("Content-Type must be application/json")
    value = parse_json(request.body)
    if not isinstance(value, dict):
        raise ValidationFailed("request body must be a JSON object")
    return value


# What a path keeps as it is in a log line; anything else is percent-encoded.
SAFE_PATH_CHARACTERS = "/:@!$&'()*+,;=-._~"


def logged_path(path: str) -> str:
    """A request's path as a log line shows it: re-encoded where it holds what could forge
    a line (CR, LF, NUL) or blur one (spaces, characters past ASCII)."""
    if path.isascii() and path.isprintable() and " " not in path:
        return path
    return quote(path, safe=SAFE_PATH_CHARACTERS)


def shown(value: Any) -> str:
    """A value as a message quotes it: JSON, cut short."""
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "..."


def body_text(body: bytes) -> str:
    """A request body as the journal keeps it: text, cut at BODY_KEPT."""
    text = body[:BODY_KEPT].decode("utf-8", errors="replace")
    return text + "…" if len(body) > BODY_KEPT else text
