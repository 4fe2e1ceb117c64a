"""Injected faults: errors or latency the mock adds to the next calls of an endpoint."""

from __future__ import annotations

from dataclasses import dataclass

ANY_ENDPOINT = "*"


@dataclass(frozen=True, slots=True)
class Fault:
    """Answer `status` (a documented error) and/or wait `delay_ms` first, on calls of
    `endpoint` (an operation id, or `*` for all three), `times` times or until cleared."""

    endpoint: str
    status: int | None = None
    delay_ms: int = 0
    times: int | None = None
