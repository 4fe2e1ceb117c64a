"""How a mock behaves beyond the Baanx contract: the switches every transport passes to
`handle()`."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from .access import HostRule


@dataclass(frozen=True, slots=True)
class Options:
    # The /__mock/ control API, the OpenAPI document's control part and the X-Mock-* request
    # headers.
    control: bool = True
    # Check every reply against schemas/ before sending it (the extended schemas when the
    # backend allows extended statuses).
    strict: bool = True
    # How a delayed reply waits. A served mock passes one that defers the wait to its event
    # loop rather than block it.
    sleep: Callable[[float], None] = time.sleep
    # The Host values a served mock answers (access.py); None, for an in-process mock,
    # checks none.
    hosts: HostRule | None = None
    # The token every control request must carry, if any.
    control_token: str | None = None


DEFAULT_OPTIONS = Options()
