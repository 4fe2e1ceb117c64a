"""Injected faults: what the mock does instead of, or before, its real reply on the next
calls of an endpoint."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

ANY_ENDPOINT = "*"


class FaultKind(StrEnum):
    """What a client meets in production below HTTP statuses."""

    # The connection is reset: no reply.
    RESET = "reset"
    # The connection is closed without a reply.
    EMPTY = "empty"
    # 200 with a body that is not JSON.
    MALFORMED = "malformed"
    # A body shorter than its Content-Length.
    TRUNCATED = "truncated"
    # No reply until the client gives up (at most MAX_HANG_SECONDS, then closed).
    HANG = "hang"


# A hang never outlives this, so that a client without a timeout is let go.
MAX_HANG_SECONDS = 60


@dataclass(frozen=True, slots=True)
class Fault:
    """On calls of `endpoint` (an operation id, or `*` for all three), `times` times or
    until cleared: wait `delay_ms` first, then answer `status` (400 to 599, with
    `retry_after` seconds for 429 and 503) or do `kind`, or answer as usual."""

    endpoint: str
    status: int | None = None
    delay_ms: int = 0
    times: int | None = None
    kind: FaultKind | None = None
    retry_after: int | None = None
