"""Injected faults: errors or latency the mock adds to the next calls of an endpoint."""

from __future__ import annotations

from dataclasses import dataclass, replace

ANY_ENDPOINT = "*"


@dataclass(frozen=True, slots=True)
class Fault:
    """Answer `status` (a documented error) and/or wait `delay_ms` first, on calls of
    `endpoint` (an operation id, or `*` for all three), `times` times or until cleared."""

    endpoint: str
    status: int | None = None
    delay_ms: int = 0
    times: int | None = None


class FaultPlan:
    def __init__(self) -> None:
        self._faults: list[Fault] = []

    @property
    def pending(self) -> tuple[Fault, ...]:
        return tuple(self._faults)

    def add(self, fault: Fault) -> None:
        self._faults.append(fault)

    def take(self, endpoint: str) -> Fault | None:
        """The fault for this call of `endpoint`, if any, counting it as used."""
        for index, fault in enumerate(self._faults):
            if fault.endpoint in (endpoint, ANY_ENDPOINT):
                if fault.times is None:
                    return fault
                if fault.times <= 1:
                    del self._faults[index]
                else:
                    self._faults[index] = replace(fault, times=fault.times - 1)
                return fault
        return None

    def clear(self) -> None:
        self._faults.clear()
