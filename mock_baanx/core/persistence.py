"""Where the backend keeps its orders and clock beyond the life of the process, if
anywhere. The core only names the operations; an adapter (the SQLite state file) does
the IO."""

from __future__ import annotations

from typing import Protocol

from .models import Order


class StateFileError(Exception):
    """A store's file cannot be opened or read."""


class StateStore(Protocol):
    def load(self) -> tuple[list[Order], float]:
        """Every stored order, oldest first, and the clock's offset in seconds."""
        ...

    def save_order(self, order: Order) -> None:
        """Store the order as it now stands; done before the reply that acknowledges it."""
        ...

    def forget_order(self, order_id: str) -> None:
        """Drop an order the backend no longer keeps (the oldest, past its limit)."""
        ...

    def save_clock_offset(self, seconds: float) -> None: ...

    def clear(self) -> None:
        """Forget every order and the clock offset."""
        ...


class InMemory:
    """No store: state lives and dies with the process (the default)."""

    def load(self) -> tuple[list[Order], float]:
        return [], 0.0

    def save_order(self, order: Order) -> None:
        pass

    def forget_order(self, order_id: str) -> None:
        pass

    def save_clock_offset(self, seconds: float) -> None:
        pass

    def clear(self) -> None:
        pass
