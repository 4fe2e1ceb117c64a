"""`--state-file PATH`: orders, their histories and the mock's clock in an embedded SQLite
file, so that a restarted mock (a laptop after a reboot, a CI service container) still
knows its orders.

Every change is committed before the reply that acknowledges it, in WAL mode: an order
the client was told about survives `kill -9` of the server. Each order is stored as the
record `protocol.bodies.order_record` writes.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..core import Order
from ..core.persistence import StateFileError
from ..protocol.bodies import order_from_record, order_record

# 1: the first release, which wrote its own snake_case form of an order.
# 2: an order as `order_record` writes it.
FORMAT_VERSION = "2"


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
            elif found[0] == "1":
                self._migrate_from_format_1()
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
            return [order_from_record(json.loads(row[0])) for row in rows], float(
                offset[0]) if offset else 0.0
        except (sqlite3.Error, ValueError, KeyError, TypeError) as error:
            raise StateFileError(f"{self.path}: unreadable order data ({error})") from None

    def save_order(self, order: Order) -> None:
        self._db.execute(
            "INSERT INTO orders (order_id, seq, body) VALUES (?, ?, ?) "
            "ON CONFLICT (order_id) DO UPDATE SET body = excluded.body",
            (order.order_id, self._next_seq, json.dumps(order_record(order))))
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

    def _migrate_from_format_1(self) -> None:
        """Rewrite a first-release file's orders as records, in one transaction: a file
        that cannot be read is left as it was."""
        rows = self._db.execute("SELECT order_id, body FROM orders").fetchall()
        try:
            records = [(json.dumps(record_from_format_1(json.loads(body))), order_id)
                       for order_id, body in rows]
        except (ValueError, KeyError, TypeError) as error:
            raise StateFileError(f"{self.path}: unreadable order data ({error})") from None
        self._db.execute("BEGIN")
        self._db.executemany("UPDATE orders SET body = ? WHERE order_id = ?", records)
        self._db.execute("UPDATE meta SET value = ? WHERE key = 'format'", (FORMAT_VERSION,))
        self._db.execute("COMMIT")


def record_from_format_1(data: Mapping[str, Any]) -> dict[str, Any]:
    """A first-release order (snake_case fields, its outcome apart) as a record."""
    outcome = data["outcome"]
    config = data["payment_config"]
    metadata = {key: outcome[field] for key, field in (("paymentId", "payment_id"),
                                                       ("txHash", "tx_hash"), ("note", "note"))
                if outcome[field] is not None}
    return {
        "orderId": data["order_id"], "requestId": data["request_id"],
        "clientId": data["client_id"], "userId": data["user_id"],
        "productId": data["product_id"], "paymentMethod": data["payment_method"],
        "lifecycle": data["lifecycle"], "status": data["status"],
        "createdAt": data["created_at"], "pollCount": data["poll_count"],
        "pollTimes": data["poll_times"],
        "history": [{"status": change["status"], "at": change["at"],
                     "afterPolls": change["after_polls"], "cause": change["cause"]}
                    for change in data["history"]],
        **({"paidAt": outcome["paid_at"]} if outcome["paid_at"] is not None else {}),
        **({"metadata": metadata} if metadata else {}),
        "paymentConfig": None if config is None else {
            "paymentAmount": config["payment_amount"],
            "paymentCurrency": config["payment_currency"],
            "destinationAddress": config["destination_address"],
            "destinationChainId": config["destination_chain_id"],
            "destinationTokenSymbol": config["destination_token_symbol"],
            "destinationTokenAddress": config["destination_token_address"],
        },
        "stepsTaken": data["steps_taken"],
    }
