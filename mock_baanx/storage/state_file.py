"""`--state-file PATH`: orders, their histories and the mock's clock in an embedded SQLite
file, so that a restarted mock (a laptop after a reboot, a CI service container) still
knows its orders.

Every change is committed before the reply that acknowledges it, in WAL mode: an order
the client was told about survives `kill -9` of the server.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

from ..core import (
    Order,
    OrderStatus,
    Outcome,
    PaymentConfig,
    PaymentMethod,
    PollTimes,
    StatusChange,
)
from ..core.persistence import StateFileError

FORMAT_VERSION = "1"


class SqliteStore:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            # One connection, used under the backend's lock from the server's threads.
            self._db = sqlite3.connect(self.path, check_same_thread=False,
                                       isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, "
                             "value TEXT NOT NULL)")
            self._db.execute("CREATE TABLE IF NOT EXISTS orders (order_id TEXT PRIMARY KEY, "
                             "seq INTEGER NOT NULL, body TEXT NOT NULL)")
            found = self._db.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
            if found is None:
                self._db.execute("INSERT INTO meta VALUES ('format', ?)", (FORMAT_VERSION,))
            elif found[0] != FORMAT_VERSION:
                raise StateFileError(f"{self.path}: written in format {found[0]}, this "
                                     f"mock-baanx reads format {FORMAT_VERSION}")
            row = self._db.execute("SELECT COALESCE(MAX(seq), 0) FROM orders").fetchone()
            self._next_seq = int(row[0]) + 1
        except sqlite3.Error as error:
            raise StateFileError(f"{self.path}: not a usable state file ({error})") from None

    def load(self) -> tuple[list[Order], float]:
        try:
            rows = self._db.execute("SELECT body FROM orders ORDER BY seq").fetchall()
            offset = self._db.execute(
                "SELECT value FROM meta WHERE key = 'clock_offset'").fetchone()
            return [order_from_json(json.loads(row[0])) for row in rows], float(
                offset[0]) if offset else 0.0
        except (sqlite3.Error, ValueError, KeyError, TypeError) as error:
            raise StateFileError(f"{self.path}: unreadable order data ({error})") from None

    def save_order(self, order: Order) -> None:
        self._db.execute(
            "INSERT INTO orders (order_id, seq, body) VALUES (?, ?, ?) "
            "ON CONFLICT (order_id) DO UPDATE SET body = excluded.body",
            (order.order_id, self._next_seq, json.dumps(order_to_json(order))))
        self._next_seq += 1

    def forget_order(self, order_id: str) -> None:
        self._db.execute("DELETE FROM orders WHERE order_id = ?", (order_id,))

    def save_clock_offset(self, seconds: float) -> None:
        self._db.execute("INSERT INTO meta VALUES ('clock_offset', ?) ON CONFLICT (key) "
                         "DO UPDATE SET value = excluded.value", (repr(seconds),))

    def clear(self) -> None:
        self._db.execute("DELETE FROM orders")
        self._db.execute("DELETE FROM meta WHERE key = 'clock_offset'")

    def close(self) -> None:
        self._db.close()


def order_to_json(order: Order) -> dict[str, Any]:
    return {
        **{key: value for key, value in asdict(order).items()
           if key not in ("created_at", "history", "poll_times", "payment_config", "outcome")},
        "created_at": order.created_at.isoformat(),
        "payment_config": asdict(order.payment_config) if order.payment_config else None,
        "outcome": asdict(order.outcome),
        "history": [{"status": change.status.value, "at": change.at.isoformat(),
                     "after_polls": change.after_polls, "cause": change.cause}
                    for change in order.history],
        "poll_times": [moment.isoformat() for moment in order.poll_times],
    }


def order_from_json(data: dict[str, Any]) -> Order:
    config = data["payment_config"]
    return Order(
        order_id=data["order_id"],
        request_id=data["request_id"],
        client_id=data["client_id"],
        user_id=data["user_id"],
        product_id=data["product_id"],
        payment_method=PaymentMethod(data["payment_method"]),
        lifecycle=data["lifecycle"],
        created_at=datetime.fromisoformat(data["created_at"]),
        payment_config=PaymentConfig(**config) if config else None,
        status=OrderStatus(data["status"]),
        outcome=Outcome(**data["outcome"]),
        history=tuple(StatusChange(OrderStatus(change["status"]),
                                   datetime.fromisoformat(change["at"]),
                                   change["after_polls"], change["cause"])
                      for change in data["history"]),
        poll_count=data["poll_count"],
        poll_times=PollTimes.of(datetime.fromisoformat(moment)
                               for moment in data["poll_times"]),
        steps_taken=data["steps_taken"],
    )
