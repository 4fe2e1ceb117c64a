"""Virtual time: the code under test's clock follows the mock's.

The Baanx docs tell a client to poll every 3 s, up to 40 times; a real client may also stop
by a deadline (`time.monotonic()` ten minutes on). Under virtual time, `time.sleep(3)`
moves the mock's clock 3 s forward and returns at once, and `time.time()` and
`time.monotonic()` move with it: a test of the give-up path runs the client's real
settings in milliseconds, and the poll times the mock records are the virtual ones, so
`assert_polled_politely()` judges the client's real interval.

Virtual time is real time plus every sleep taken under it: real time still passes (so an
event loop's own timers go on working), and each sleep adds to it at once. It replaces the
functions of the `time` module (`sleep`, `time`, `monotonic`, their `_ns` forms) and
`asyncio.sleep`, so code that calls `time.sleep(…)` follows it; a module that imported a
function itself (`from time import sleep`) keeps the real one unless passed to `include()`.
"""

from __future__ import annotations

import asyncio
import sys
import sysconfig
import time
import warnings
from collections.abc import Callable
from types import ModuleType, TracebackType
from typing import Any

PATCHED = ("sleep", "time", "monotonic", "time_ns", "monotonic_ns")
# Real time passing under virtual time past this is most likely a real sleep: said once.
REAL_TIME_WARNED_AFTER_SECONDS = 1.0


class RealTimeUnderVirtualTime(UserWarning):
    """Real time passed under virtual time: something slept for real."""


class VirtualTime:
    """A context manager: under it, sleeping moves the mock's clock instead of waiting.

    `advance(seconds)` moves the mock's clock; BaanxMock.virtual_time(), the served
    fixture and the `baanx_virtual_time` pytest fixture pass their own."""

    def __init__(self, advance: Callable[[float], object],
                 warn_after: float = REAL_TIME_WARNED_AFTER_SECONDS) -> None:
        self._advance = advance
        self._elapsed = 0.0
        self._originals: dict[tuple[Any, str], Any] = {}
        self._warn_after = warn_after
        self._started = 0.0

    @property
    def elapsed(self) -> float:
        """The seconds slept under this virtual time so far."""
        return self._elapsed

    # --- The replacements --------------------------------------------------------------

    def sleep(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("sleep length must be non-negative")
        self._advance(seconds)
        self._elapsed += seconds

    def time(self) -> float:
        return float(self._real("time")()) + self._elapsed

    def monotonic(self) -> float:
        return float(self._real("monotonic")()) + self._elapsed

    def time_ns(self) -> int:
        return int(self._real("time_ns")() + self._elapsed * 1e9)

    def monotonic_ns(self) -> int:
        return int(self._real("monotonic_ns")() + self._elapsed * 1e9)

    async def async_sleep(self, delay: float, result: Any = None) -> Any:
        self.sleep(delay)
        # Still a point where other tasks run, as asyncio.sleep(0) is.
        await self._originals[(asyncio, "sleep")](0)
        return result

    def _real(self, name: str) -> Callable[[], Any]:
        function: Callable[[], Any] = self._originals[(time, name)]
        return function

    # --- Patching ----------------------------------------------------------------------

    def __enter__(self) -> VirtualTime:
        if self._originals:
            raise RuntimeError("this virtual time is already on")
        self._started = time.monotonic()
        for name in PATCHED:
            self._replace(time, name, getattr(self, name))
        self._replace(asyncio, "sleep", self.async_sleep)
        return self

    def include(self, *modules: ModuleType) -> VirtualTime:
        """Also replace, in each module, the time functions it imported itself
        (`from time import sleep, monotonic`)."""
        replacements = {id(self._originals[(time, name)]): getattr(self, name)
                        for name in PATCHED}
        replacements[id(self._originals[(asyncio, "sleep")])] = self.async_sleep
        for module in modules:
            for name, value in list(vars(module).items()):
                if id(value) in replacements:
                    self._replace(module, name, replacements[id(value)])
        return self

    def _replace(self, owner: Any, name: str, value: Any) -> None:
        self._originals[(owner, name)] = getattr(owner, name)
        setattr(owner, name, value)

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        real = self._real("monotonic")() - self._started
        suspects = self.sleeping_for_real()
        for (owner, name), original in reversed(list(self._originals.items())):
            setattr(owner, name, original)
        self._originals.clear()
        if real <= self._warn_after:
            return
        if suspects:
            message = (f"code that imported a sleep itself (from time import sleep) waits for "
                       f"real ({', '.join(suspects)}); pass its module to include(...) of the "
                       f"virtual time (baanx_virtual_time.include(module))")
        else:
            # No module of the code under test holds a real sleep: the wait was elsewhere.
            message = ("something waited for real: a delay or hang a served mock holds back "
                       "in real time, a slow call, or a sleep imported by name in a module "
                       "include(...) of the virtual time can be given")
        warnings.warn(RealTimeUnderVirtualTime(
            f"{real:.1f} s of real time passed under virtual time: {message}"), stacklevel=2)

    def sleeping_for_real(self) -> list[str]:
        """The modules of the code under test (not Python's library, not an installed
        package) that hold the real `time.sleep` or `asyncio.sleep` under a name of their
        own: those that sleep for real here."""
        real = {id(self._originals[(time, "sleep")]), id(self._originals[(asyncio, "sleep")])}
        library = sysconfig.get_paths()["stdlib"]
        found = []
        for name, module in list(sys.modules.items()):
            where = getattr(module, "__file__", None) or ""
            if not where or where.startswith(library) or "site-packages" in where \
                    or name.startswith("mock_baanx"):
                continue
            if any(id(value) in real for value in list(vars(module).values())):
                found.append(name)
        return sorted(found)[:5]
