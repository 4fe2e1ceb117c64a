"""`--state-file PATH`: every namespace's orders, clock offset and order numbers in an
embedded SQLite file, so that a restarted mock (a laptop after a reboot, a CI service
container) still knows its orders.

The store is the memory store with every change also written to the file, committed
before the reply that acknowledges it, in WAL mode: an order the client was told about
survives `kill -9` of the server. Each change is committed to the file before memory takes
it, so that one the file refuses (a full disk) is a 503 that leaves no trace: neither
shown until a restart nor written later with the next change. Faults, the journal and
outcome counts stay in memory.
Each order is stored as the record of storage's own format (`order_records.py`).
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Any

from ..core import Order, Product, Stub, User
from ..core.compact_orders import namespace_of
from ..core.errors import StoreUnavailable
from ..core.store import (
    DEFAULT_MAX_NAMESPACES,
    DEFAULT_MAX_ORDERS,
    DEFAULT_NAMESPACE,
    Addition,
    Creation,
    MemoryStore,
    StoreError,
)
from ..protocol.fixtures import (
    FixtureError,
    lifecycle_from,
    lifecycle_json,
    product_from,
    product_json,
    stub_from,
    stub_json,
    user_from,
    user_json,
)
from .order_records import order_of, record_of

# 1: the first release: one namespace, its own snake_case form of an order.
# 2: orders and clocks per namespace; an order as the control API showed it.
# 3: an order as storage's own record (order_records.py).
FORMAT_VERSION = "3"
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS namespaces (name TEXT PRIMARY KEY, clock_offset REAL NOT NULL, "
    "numbers_used INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS orders (namespace TEXT NOT NULL, order_id TEXT NOT NULL, "
    "seq INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (namespace, order_id))",
    # Users, products and lifecycles added at run time, as fixture files write them.
    "CREATE TABLE IF NOT EXISTS additions (namespace TEXT NOT NULL, kind TEXT NOT NULL, "
    "key TEXT NOT NULL, seq INTEGER NOT NULL, body TEXT NOT NULL, "
    "PRIMARY KEY (namespace, kind, key))",
)
# How an addition is written and read back, by kind.
TO_JSON: dict[str, Callable[[Any], dict[str, Any]]] = {
    "user": user_json, "product": product_json, "lifecycle": lifecycle_json,
    "stub": stub_json}


def kind_and_key(item: Addition) -> tuple[str, str]:
    """How an addition is filed: its kind, and what identifies it among those."""
    if isinstance(item, User):
        return "user", item.token
    if isinstance(item, Product):
        return "product", item.id
    if isinstance(item, Stub):
        return "stub", item.id
    return "lifecycle", item.name


_HELD: list[Any] = []


def hold(path: Path) -> None:
    """Take the state file for this process, for as long as it lives: StoreError naming the
    holder when another mock-baanx has it. (A second server on one file would each keep its
    own memory of the orders, and overwrite the other's.)"""
    import fcntl

    # Beside the file itself, whichever link or spelling of its path names it.
    real = path.resolve()
    lock_path = real.with_name(real.name + ".lock")
    try:
        lock = open(lock_path, "a+", encoding="utf-8")  # noqa: SIM115 (held until exit)
    except OSError as error:  # no such folder, or one this process may not write in
        raise StoreError(f"{path}: cannot be written ({error.strerror or error})") from None
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        lock.seek(0)
        holder = lock.read().strip() or "another process"
        lock.close()
        raise StoreError(f"{path} is in use by {holder}: one mock-baanx per state file "
                         "(stop it, or give this one another --state-file)") from None
    lock.seek(0)
    lock.truncate()
    lock.write(f"mock-baanx pid {os.getpid()} on {socket.gethostname()}")
    lock.flush()
    _HELD.append(lock)


# The tables a state file of any format holds.
OWN_TABLES = frozenset({"meta", "namespaces", "orders", "additions"})


class SqliteStore(MemoryStore):
    def __init__(self, path: str | Path, max_orders: int = DEFAULT_MAX_ORDERS,
                 max_namespaces: int = DEFAULT_MAX_NAMESPACES) -> None:
        super().__init__(max_orders, max_namespaces)
        self.path = Path(path)
        # Orders a create already took out of the file, for memory to forget after it.
        self._out_of_the_file: set[str] = set()
        try:
            # One connection, used under the store's lock from the server's threads.
            self._db = sqlite3.connect(self.path, check_same_thread=False,
                                       isolation_level=None)
            self._refuse_anothers_database()
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, "
                             "value TEXT NOT NULL)")
            found = self._db.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
            if found is not None and found[0] == "1":
                self._migrate_from_format_1()
                found = ("2",)
            if found is not None and found[0] == "2":
                self._migrate_from_format_2()
            elif found is not None and found[0] != FORMAT_VERSION:
                raise StoreError(f"{self.path}: written in format {found[0]}, this "
                                 f"mock-baanx reads format {FORMAT_VERSION}")
            for statement in SCHEMA:
                self._db.execute(statement)
            if found is None:
                self._db.execute("INSERT INTO meta VALUES ('format', ?)", (FORMAT_VERSION,))
            self._load()
        except sqlite3.Error as error:
            raise StoreError(f"{self.path}: not a usable state file ({error})") from None

    def _refuse_anothers_database(self) -> None:
        """Refuse, before changing anything in it, an SQLite database that holds tables but
        no mock-baanx format: another program's, which the mock must not write into."""
        tables = {name for (name,) in self._db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        # The mock's own tables alone (none, or a first start stopped before it wrote its
        # format): its own file, if its meta is the mock's.
        meta_columns = {row[1] for row in self._db.execute("PRAGMA table_info(meta)")}
        mocks_meta = meta_columns == {"key", "value"}
        if tables <= OWN_TABLES and (mocks_meta or not meta_columns):
            return
        if not (mocks_meta and self._db.execute(
                "SELECT value FROM meta WHERE key = 'format'").fetchone() is not None):
            self._db.close()
            raise StoreError(f"{self.path}: another program's database, not a mock-baanx state "
                             "file (left as it was; give a new file)")

    def _load(self) -> None:
        try:
            for name, offset, numbers_used in self._db.execute(
                    "SELECT name, clock_offset, numbers_used FROM namespaces"):
                space = self._space(name)
                space.clock_offset, space.numbers_used = float(offset), int(numbers_used)
            for namespace, kind, key, body in self._db.execute(
                    "SELECT namespace, kind, key, body FROM additions ORDER BY seq"):
                super().add(namespace, addition_from(kind, key, json.loads(body)))
            for (body,) in self._db.execute("SELECT body FROM orders ORDER BY seq"):
                self._keep_new(order_of(json.loads(body)))
        except (ValueError, KeyError, TypeError, FixtureError) as error:
            raise StoreError(f"{self.path}: unreadable order data ({error})") from None
        row = self._db.execute("SELECT MAX(COALESCE((SELECT MAX(seq) FROM orders), 0), "
                               "COALESCE((SELECT MAX(seq) FROM additions), 0))").fetchone()
        self._next_seq = int(row[0]) + 1

    # --- Every change, written through ---------------------------------------------------

    @contextmanager
    def _written(self) -> Iterator[None]:
        """The writes made inside, committed to the file as one, before memory takes the
        change they keep. A write the file refuses (a full or read-only disk) is rolled
        back and is the documented 503 of a store that is away, not a 500: the request that
        asked for it is not acknowledged."""
        try:
            self._db.execute("BEGIN IMMEDIATE")
            yield
            self._db.execute("COMMIT")
        except sqlite3.Error as error:
            with suppress(sqlite3.Error):
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
            if not is_the_files_fault(error):
                raise  # a bug in the mock's own SQL: the documented 500, with its traceback
            raise StoreUnavailable("Service Unavailable: the mock's state file cannot be "
                                   f"written ({error})") from None

    def _save_order(self, order: Order) -> None:
        self._db.execute(
            "INSERT INTO orders (namespace, order_id, seq, body) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (namespace, order_id) DO UPDATE SET body = excluded.body",
            (order.namespace, order.order_id, self._next_seq, json.dumps(record_of(order))))
        self._next_seq += 1

    def _save_namespace(self, namespace: str, clock_offset: float, numbers_used: int) -> None:
        self._db.execute(
            "INSERT INTO namespaces VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
            "clock_offset = excluded.clock_offset, numbers_used = excluded.numbers_used",
            (namespace, clock_offset, numbers_used))

    def use(self, namespace: str, now: datetime) -> float:
        with self._lock:
            is_new = namespace not in self._spaces
            try:
                return super().use(namespace, now)
            except StoreUnavailable:
                # The file refused to forget the namespace idle longest, which a new one
                # needs room for: the new one goes too, so the bound holds and nothing else
                # is refused for it.
                if is_new:
                    self._spaces.pop(namespace, None)
                raise

    def create_order(self, namespace: str, build: Callable[[Creation], Order],
                     take_next_lifecycle: bool = True, exact_number: bool = True) -> Order:
        def built_and_written(creation: Creation) -> Order:
            # The memory store builds the order before it takes any of it in; the orders it
            # will forget to make room go out of the file in the same transaction, so that
            # a refused write leaves both as they were.
            order = build(creation)
            making_room = list(islice(self._orders.items(),
                                      max(0, len(self._orders) + 1 - self.max_orders)))
            with self._written():
                self._save_namespace(namespace, creation.clock_offset, creation.number)
                self._save_order(order)
                self._db.executemany(
                    "DELETE FROM orders WHERE namespace = ? AND order_id = ?",
                    [(namespace_of(kept), order_id) for order_id, kept in making_room])
            self._out_of_the_file.update(order_id for order_id, _ in making_room)
            return order

        with self._lock:
            return super().create_order(namespace, built_and_written, take_next_lifecycle,
                                        exact_number)

    def add(self, namespace: str, item: Addition) -> None:
        with self._lock:
            kind, key = kind_and_key(item)
            with self._written():
                self._db.execute(
                "INSERT INTO additions VALUES (?, ?, ?, ?, ?) ON CONFLICT (namespace, kind, key) "
                "DO UPDATE SET body = excluded.body, seq = excluded.seq",
                (namespace, kind, key, self._next_seq, json.dumps(TO_JSON[kind](item))))
            self._next_seq += 1
            super().add(namespace, item)

    def remove_stub(self, namespace: str, stub_id: str) -> bool:
        with self._lock:
            with self._written():
                self._db.execute("DELETE FROM additions WHERE namespace = ? AND kind = 'stub' "
                                 "AND key = ?", (namespace, stub_id))
            return super().remove_stub(namespace, stub_id)

    def _forget_order(self, namespace: str, order_id: str) -> None:
        if order_id in self._out_of_the_file:
            self._out_of_the_file.discard(order_id)
        else:
            with self._written():
                self._db.execute("DELETE FROM orders WHERE namespace = ? AND order_id = ?",
                                 (namespace, order_id))
        super()._forget_order(namespace, order_id)

    def change_order(self, namespace: str, order_id: str,
                     change: Callable[[Order, float], Order]) -> Order:
        def changed_and_written(order: Order, clock_offset: float) -> Order:
            # The memory store keeps the changed order only once this returns.
            changed = change(order, clock_offset)
            if changed != order:
                with self._written():
                    self._save_order(changed)
            return changed

        with self._lock:
            return super().change_order(namespace, order_id, changed_and_written)

    def advance_clock(self, namespace: str, seconds: float) -> float:
        with self._lock:
            space = self._space(namespace)
            with self._written():
                self._save_namespace(namespace, space.clock_offset + seconds,
                                     space.numbers_used)
            return super().advance_clock(namespace, seconds)

    def _drop(self, namespace: str) -> None:
        with self._written():
            self._db.execute("DELETE FROM orders WHERE namespace = ?", (namespace,))
            self._db.execute("DELETE FROM additions WHERE namespace = ?", (namespace,))
            self._db.execute("DELETE FROM namespaces WHERE name = ?", (namespace,))
        super()._drop(namespace)

    def close(self) -> None:
        self._db.close()

    # --- Earlier releases' files ----------------------------------------------------------

    def _migrate_from_format_2(self) -> None:
        """Rewrite each order of a format-2 file as a record of the current format, in one
        transaction: a file that cannot be read is left as it was."""
        rows = self._db.execute("SELECT namespace, order_id, body FROM orders").fetchall()
        try:
            records = [(json.dumps(record_of(order_of(json.loads(body)))), namespace, order_id)
                       for namespace, order_id, body in rows]
        except (ValueError, KeyError, TypeError) as error:
            raise StoreError(f"{self.path}: unreadable order data ({error})") from None
        self._db.execute("BEGIN")
        self._db.executemany("UPDATE orders SET body = ? WHERE namespace = ? AND order_id = ?",
                             records)
        self._db.execute("UPDATE meta SET value = ? WHERE key = 'format'", (FORMAT_VERSION,))
        self._db.execute("COMMIT")

    def _migrate_from_format_1(self) -> None:
        """Rewrite a first-release file in format 2, in one transaction: a file that
        cannot be read is left as it was."""
        rows = self._db.execute("SELECT seq, body FROM orders ORDER BY seq").fetchall()
        offset = self._db.execute(
            "SELECT value FROM meta WHERE key = 'clock_offset'").fetchone()
        try:
            records = [(seq, record_from_format_1(json.loads(body))) for seq, body in rows]
        except (ValueError, KeyError, TypeError) as error:
            raise StoreError(f"{self.path}: unreadable order data ({error})") from None
        self._db.execute("BEGIN")
        self._db.execute("DROP TABLE orders")
        for statement in SCHEMA:
            self._db.execute(statement)
        self._db.executemany(
            "INSERT INTO orders VALUES (?, ?, ?, ?)",
            [(DEFAULT_NAMESPACE, record["orderId"], seq, json.dumps(record))
             for seq, record in records])
        self._db.execute("INSERT INTO namespaces VALUES (?, ?, ?)",
                         (DEFAULT_NAMESPACE, float(offset[0]) if offset else 0.0, len(records)))
        self._db.execute("DELETE FROM meta WHERE key = 'clock_offset'")
        self._db.execute("UPDATE meta SET value = '2' WHERE key = 'format'")
        self._db.execute("COMMIT")


# SQLite's primary result codes for a file it cannot write: permission, busy, locked,
# read-only, I/O error, damaged, full, cannot open, not a database.
THE_FILES_FAULTS = frozenset({3, 5, 6, 8, 10, 11, 13, 14, 26})


def is_the_files_fault(error: sqlite3.Error) -> bool:
    """Whether SQLite refused a write for the file's sake (a full, read-only, failing or
    damaged disk), not for the statement's (a syntax error, no such table, a constraint: a
    bug in the mock), by its result code."""
    code = getattr(error, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in THE_FILES_FAULTS


def addition_from(kind: str, key: str, body: Mapping[str, Any]) -> Addition:
    if kind == "user":
        return user_from(body)
    if kind == "product":
        return product_from(body)
    if kind == "stub":
        return stub_from(body, "the state file", restored=True)
    return lifecycle_from(key, body, "the state file", restored=True)


def record_from_format_1(data: Mapping[str, Any]) -> dict[str, Any]:
    """A first-release order (snake_case fields, its outcome apart) as a record."""
    outcome = data["outcome"]
    config = data["payment_config"]
    metadata = {key: outcome[field] for key, field in (("paymentId", "payment_id"),
                                                       ("txHash", "tx_hash"), ("note", "note"))
                if outcome[field] is not None}
    return {
        "orderId": data["order_id"], "requestId": data["request_id"],
        "namespace": DEFAULT_NAMESPACE, "number": 0,
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
