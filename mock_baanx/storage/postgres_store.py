"""`--state-url postgresql://…`: the mock's whole state in PostgreSQL, so that several
`mock-baanx serve` processes — replicas behind a load balancer, or the workers of one —
behave as one mock.

Nothing is kept in a process's memory but what a version number says is still current
(the additions last read). A request's operations are one unit (`unit`): one connection,
one transaction, committed before the reply that acknowledges it leaves. Within it, what
the request reads first (the namespace's clock, its additions' version, whether it has
faults) is one statement; what it writes without needing an answer (the order, the
journal entry, the outcome count) waits and goes with the commit, in one pipeline. A GET
of the products is two round trips; a create or a poll three (the row it changes is read
and locked, then written). Operations outside a unit (the control API's listings, say) are
each a transaction of their own. The ones that read and then change (a poll, the
next-order lifecycle, a fault with `times`) lock the row they change, so that concurrent
requests through different processes each count once.

The bound on kept orders has no counter every create must lock: a sweeper thread in each
process, one at a time across processes (an advisory lock), counts the orders about once
a second and forgets the least recently used beyond the bound; the bound may be passed by
the orders created within one sweep, for that long. It trims the journals the same way.

The tables live in the schema `mock_baanx`, created and migrated by the mock itself; its
version is in `mock_baanx.meta` (docs/serve.md). A database that does not answer makes an
operation raise `StoreUnavailable`, which the API answers with 503; the connection pool
reconnects by itself once the database is back.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from ..core import FaultKind, Order
from ..core.errors import OrderNotFound, StoreUnavailable
from ..core.faults import ANY_ENDPOINT, Fault
from ..core.journal import JOURNAL_SIZE, JournalEntry
from ..core.store import (
    DEFAULT_MAX_NAMESPACES,
    DEFAULT_MAX_ORDERS,
    DEFAULT_NAMESPACE,
    NO_ADDITIONS,
    Addition,
    Additions,
    Creation,
    NamespaceSummary,
    NextLifecycle,
    StoreError,
    after_taking,
    with_item,
)
from .order_records import order_of, record_of
from .state_file import TO_JSON, addition_from, kind_and_key

SCHEMA_VERSION = 1
# Each version's statements, applied in order to a database at the version before it.
MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (
        "CREATE TABLE mock_baanx.namespaces (name text PRIMARY KEY, last_used timestamptz "
        "NOT NULL, clock_offset double precision NOT NULL DEFAULT 0, numbers_used bigint "
        "NOT NULL DEFAULT 0, next_lifecycle text, next_remaining integer)",
        "CREATE SEQUENCE mock_baanx.use_order",
        "CREATE TABLE mock_baanx.orders (order_id text PRIMARY KEY, namespace text NOT NULL, "
        "created bigserial NOT NULL, used bigint NOT NULL, lifecycle text NOT NULL, "
        "body jsonb NOT NULL)",
        "CREATE INDEX orders_by_namespace ON mock_baanx.orders (namespace, created)",
        "CREATE INDEX orders_by_use ON mock_baanx.orders (used)",
        "CREATE TABLE mock_baanx.faults (id bigserial PRIMARY KEY, namespace text NOT NULL, "
        "endpoint text NOT NULL, times integer, body jsonb NOT NULL)",
        "CREATE TABLE mock_baanx.journal (id bigserial PRIMARY KEY, namespace text NOT NULL, "
        "body jsonb NOT NULL)",
        "CREATE INDEX journal_by_namespace ON mock_baanx.journal (namespace, id)",
        "CREATE TABLE mock_baanx.coverage (namespace text NOT NULL, outcome text NOT NULL, "
        "seen bigint NOT NULL, PRIMARY KEY (namespace, outcome))",
        "CREATE TABLE mock_baanx.additions (namespace text NOT NULL, kind text NOT NULL, "
        "key text NOT NULL, version bigserial NOT NULL, body jsonb NOT NULL, "
        "PRIMARY KEY (namespace, kind, key))",
        "CREATE TABLE mock_baanx.counters (name text PRIMARY KEY, value bigint NOT NULL)",
        "INSERT INTO mock_baanx.counters VALUES ('kept', 0), ('forgotten', 0)",
    ),
}
# Two mocks starting at once on a new database take turns at creating the schema.
MIGRATION_LOCK = 0x6D6F636B  # "mock"
# How long a request waits for a connection before it is answered 503.
POOL_TIMEOUT_SECONDS = 2.0
LAST_USE_WRITTEN_EVERY = timedelta(seconds=1)
# The sweeper's pace, and its lock: one process sweeps at a time.
SWEEP_EVERY_SECONDS = 1.0
SWEEP_LOCK = 0x6D6F636C
# Orders forgotten by one statement of the sweeper, at most.
FORGET_BATCH = 10_000

log = logging.getLogger("mock_baanx")


@dataclass
class Context:
    """What a unit read of its namespace in one statement: its clock offset, the newest
    version of its additions (None: none), whether it has any faults."""

    namespace: str
    clock_offset: float
    additions_version: int | None
    has_faults: bool


@dataclass
class Unit:
    """One request's connection and transaction, and the writes that wait for its commit."""

    connection: psycopg.Connection[Any]
    cursor: psycopg.Cursor[Any]
    context: Context | None = None
    waiting: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)


def _unavailable(error: Exception) -> StoreUnavailable:
    return StoreUnavailable(f"Service Unavailable: the mock's state database does not answer "
                            f"({_first_line(error)})")


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _fault_json(fault: Fault) -> dict[str, Any]:
    return {"endpoint": fault.endpoint, "status": fault.status, "delayMs": fault.delay_ms,
            "times": fault.times, "kind": fault.kind, "retryAfter": fault.retry_after}


def _fault_from(body: dict[str, Any], times: int | None) -> Fault:
    return Fault(body["endpoint"], body["status"], body["delayMs"], times,
                 None if body["kind"] is None else FaultKind(body["kind"]), body["retryAfter"])


def _entry_json(entry: JournalEntry) -> dict[str, Any]:
    return {"at": entry.at.isoformat(), "method": entry.method, "path": entry.path,
            "headers": [list(pair) for pair in entry.headers], "body": entry.body,
            "status": entry.status, "endpoint": entry.endpoint, "fault": entry.fault,
            "note": entry.note}


def _entry_from(body: dict[str, Any]) -> JournalEntry:
    return JournalEntry(datetime.fromisoformat(body["at"]), body["method"], body["path"],
                        tuple((name, value) for name, value in body["headers"]), body["body"],
                        body["status"], body["endpoint"], body["fault"], body.get("note"))


class PostgresStore:
    """The Store interface (core/store.py) over a PostgreSQL database."""

    def __init__(self, url: str, max_orders: int = DEFAULT_MAX_ORDERS,
                 max_namespaces: int = DEFAULT_MAX_NAMESPACES, pool_size: int = 4,
                 sweep_every: float = SWEEP_EVERY_SECONDS,
                 on_connect: Callable[[psycopg.Connection[Any]], None] | None = None
                 ) -> None:
        """`pool_size`: connections, one per thread that serves requests (serve sizes it
        so); `sweep_every`: seconds between the sweeper's passes; `on_connect`: called
        with each new connection (a test counts the round trips a request makes)."""
        self.max_orders = max_orders
        self.max_namespaces = max_namespaces
        self._url = url
        # The URL carries the password: no message quotes it, or the parser's complaint
        # about it (which would).
        try:
            scheme = urlsplit(url).scheme
        except ValueError:
            scheme = ""
        if scheme not in ("postgresql", "postgres"):
            raise StoreError("not a PostgreSQL URL: give postgresql://user:password@host:5432/"
                             "database")
        try:
            psycopg.conninfo.conninfo_to_dict(url)
        except psycopg.ProgrammingError:
            raise StoreError("not a valid PostgreSQL URL: give postgresql://user:password@"
                             "host:5432/database") from None
        # No check of each connection as it is taken (a round trip per transaction): one
        # that broke while the database was away fails its transaction (a 503) and the pool
        # drops it, so that the next request gets a new one.
        self._pool = ConnectionPool(url, min_size=1, max_size=pool_size, open=False,
                                    timeout=POOL_TIMEOUT_SECONDS, configure=on_connect,
                                    # Transactions are begun explicitly: a unit's BEGIN then
                                    # goes with its first statement (`unit`).
                                    kwargs={"autocommit": True})
        self._forgot_any = False
        # This thread's unit, if a request is under way on it.
        self._local = threading.local()
        # What the sweeper has to look at: whether orders were created, and the namespaces
        # journaled, since its last pass (by this process).
        self._swept = threading.Lock()
        self._created_since_sweep = False
        self._journaled_since_sweep: set[str] = set()
        # The additions last read, by namespace (`additions`).
        self._additions: dict[str, Additions] = {}
        # When this process last wrote each namespace's last use: written at most once a
        # second, as only the order of idle namespaces depends on it.
        self._touched: dict[str, datetime] = {}
        try:
            self._pool.open(wait=True, timeout=POOL_TIMEOUT_SECONDS)
        except PoolTimeout:
            self._pool.close()
            raise StoreError(self._unreachable()) from None
        try:
            self._migrate()
        except psycopg.Error as error:
            self._pool.close()
            raise StoreError(f"cannot prepare the database ({_first_line(error)})") from None
        except StoreError:
            self._pool.close()
            raise
        self._stop = threading.Event()
        self._sweeper = threading.Thread(target=self._sweep_until_stopped, args=(sweep_every,),
                                         name="mock-baanx sweeper", daemon=True)
        self._sweeper.start()

    def _unreachable(self) -> str:
        try:
            with psycopg.connect(self._url, connect_timeout=3):
                pass
        except psycopg.Error as error:
            return f"cannot connect: {_first_line(error)}"
        return "cannot connect"

    def close(self) -> None:
        self._stop.set()
        self._sweeper.join(timeout=10)
        self._pool.close()

    # --- Units and transactions ------------------------------------------------------------

    @contextmanager
    def unit(self) -> Iterator[None]:
        if getattr(self._local, "unit", None) is not None:
            yield  # a request is one unit: an inner one is part of it
            return
        try:
            connection = self._pool.getconn()
        except PoolTimeout as error:
            raise _unavailable(error) from None
        unit = Unit(connection, connection.cursor())
        self._local.unit = unit
        committed = False
        try:
            # In pipeline mode throughout: a statement goes with the next one whose answer is
            # needed (the transaction's BEGIN with the first read), and what waited goes
            # with the commit, so that each read is one round trip and the writes one more.
            with connection.pipeline():
                unit.cursor.execute("BEGIN")
                yield
                for statement, parameters in unit.waiting:
                    unit.cursor.execute(statement, parameters)
                unit.cursor.execute("COMMIT")
            committed = True
        except (psycopg.OperationalError, psycopg.InterfaceError) as error:
            raise _unavailable(error) from None
        finally:
            self._local.unit = None
            if not committed:
                # A broken connection cannot roll back: the pool replaces it.
                with contextlib.suppress(psycopg.Error):
                    connection.execute("ROLLBACK")
            self._pool.putconn(connection)

    def _unit(self) -> Unit | None:
        unit: Unit | None = getattr(self._local, "unit", None)
        return unit

    @contextmanager
    def _transaction(self) -> Iterator[psycopg.Cursor[Any]]:
        """The unit's transaction, if a request is under way on this thread; else one of
        its own, committed on the way out. StoreUnavailable if the database does not
        answer."""
        unit = self._unit()
        try:
            if unit is not None:
                yield unit.cursor
                return
            with self._pool.connection() as connection, connection.transaction(), \
                    connection.cursor() as cursor:
                yield cursor
        except (psycopg.OperationalError, psycopg.InterfaceError, PoolTimeout) as error:
            raise _unavailable(error) from None

    def _later(self, statement: str, parameters: tuple[Any, ...]) -> None:
        """A write whose answer nothing waits for: with the unit's commit, or now."""
        unit = self._unit()
        if unit is not None:
            unit.waiting.append((statement, parameters))
            return
        with self._transaction() as cursor:
            cursor.execute(statement, parameters)

    def _changed(self) -> None:
        """What the unit read of its namespace may be stale: read it again when asked."""
        unit = self._unit()
        if unit is not None:
            unit.context = None

    def _migrate(self) -> None:
        with self._transaction() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
            cursor.execute("CREATE SCHEMA IF NOT EXISTS mock_baanx")
            cursor.execute("CREATE TABLE IF NOT EXISTS mock_baanx.meta (key text PRIMARY KEY, "
                           "value text NOT NULL)")
            cursor.execute("SELECT value FROM mock_baanx.meta WHERE key = 'schema_version'")
            row = cursor.fetchone()
            version = 0 if row is None else int(row[0])
            if version > SCHEMA_VERSION:
                raise StoreError(f"the database's mock_baanx schema is at version {version}, "
                                 f"newer than this mock-baanx knows ({SCHEMA_VERSION}): "
                                 "upgrade mock-baanx, or give it another database")
            for step in range(version + 1, SCHEMA_VERSION + 1):
                for statement in MIGRATIONS[step]:
                    cursor.execute(statement)
            cursor.execute("INSERT INTO mock_baanx.meta VALUES ('schema_version', %s) "
                           "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                           (str(SCHEMA_VERSION),))

    # --- Namespaces --------------------------------------------------------------------

    @staticmethod
    def _ensure_namespace(cursor: psycopg.Cursor[Any], namespace: str) -> None:
        cursor.execute("INSERT INTO mock_baanx.namespaces (name, last_used) VALUES "
                       "(%s, '0001-01-01 00:00:00+00') ON CONFLICT (name) DO NOTHING", (namespace,))

    def use(self, namespace: str, now: datetime) -> float:
        unit = self._unit()
        if unit is not None and unit.context is not None and unit.context.namespace == namespace:
            return unit.context.clock_offset
        touched = self._touched.get(namespace)
        if touched is not None and timedelta(0) <= now - touched < LAST_USE_WRITTEN_EVERY:
            with self._transaction() as cursor:
                cursor.execute(
                    "SELECT clock_offset, false, (SELECT max(version) FROM mock_baanx.additions "
                    "WHERE namespace = %(name)s), EXISTS (SELECT 1 FROM mock_baanx.faults WHERE "
                    "namespace = %(name)s) FROM mock_baanx.namespaces WHERE name = %(name)s",
                    {"name": namespace})
                row = cursor.fetchone()
                if row is not None:
                    return self._read(namespace, row)
        if len(self._touched) > 4 * self.max_namespaces:
            self._touched.clear()
        self._touched[namespace] = now
        with self._transaction() as cursor:
            cursor.execute(
                "WITH touched AS (INSERT INTO mock_baanx.namespaces (name, last_used) VALUES "
                "(%(name)s, %(now)s) ON CONFLICT (name) DO UPDATE SET last_used = "
                "excluded.last_used RETURNING clock_offset, xmax = 0 AS is_new) "
                "SELECT clock_offset, is_new, (SELECT max(version) FROM mock_baanx.additions "
                "WHERE namespace = %(name)s), EXISTS (SELECT 1 FROM mock_baanx.faults WHERE "
                "namespace = %(name)s) FROM touched", {"name": namespace, "now": now})
            row = cursor.fetchone()
            assert row is not None
            if row[1]:  # the row was inserted: a namespace coming into being
                self._forget_idle_namespaces(cursor)
            return self._read(namespace, row)

    def _read(self, namespace: str, row: tuple[Any, ...]) -> float:
        """The clock offset of what `use` read, kept for the rest of the unit."""
        clock_offset, _, version, has_faults = row
        unit = self._unit()
        if unit is not None:
            unit.context = Context(namespace, float(clock_offset),
                                   None if version is None else int(version), bool(has_faults))
        return float(clock_offset)

    def _forget_idle_namespaces(self, cursor: psycopg.Cursor[Any]) -> None:
        cursor.execute("SELECT name FROM mock_baanx.namespaces WHERE name <> %s "
                       "ORDER BY last_used DESC OFFSET %s",
                       (DEFAULT_NAMESPACE, self.max_namespaces - 1))
        for (name,) in cursor.fetchall():
            self._drop(cursor, name)

    def _drop(self, cursor: psycopg.Cursor[Any], namespace: str) -> None:
        cursor.execute("DELETE FROM mock_baanx.orders WHERE namespace = %s", (namespace,))
        for table in ("faults", "journal", "coverage", "additions"):
            cursor.execute(f"DELETE FROM mock_baanx.{table} WHERE namespace = %s",
                           (namespace,))
        cursor.execute("DELETE FROM mock_baanx.namespaces WHERE name = %s", (namespace,))

    def namespaces(self) -> list[NamespaceSummary]:
        with self._transaction() as cursor:
            cursor.execute("SELECT n.name, n.last_used, (SELECT count(*) FROM "
                           "mock_baanx.orders o WHERE o.namespace = n.name) FROM "
                           "mock_baanx.namespaces n ORDER BY n.last_used, n.name")
            return [NamespaceSummary(name, int(orders),
                                     datetime.min if last_used.year == 1 else last_used)
                    for name, last_used, orders in cursor.fetchall()]

    def reset(self, namespace: str) -> None:
        with self._transaction() as cursor:
            cursor.execute("SELECT last_used FROM mock_baanx.namespaces WHERE name = %s "
                           "FOR UPDATE", (namespace,))
            row = cursor.fetchone()
            if row is not None:
                self._drop(cursor, namespace)
                cursor.execute("INSERT INTO mock_baanx.namespaces (name, last_used) "
                               "VALUES (%s, %s)", (namespace, row[0]))
        self._changed()

    def reset_all(self) -> None:
        with self._transaction() as cursor:
            for table in ("orders", "faults", "journal", "coverage", "additions",
                          "namespaces"):
                cursor.execute(f"DELETE FROM mock_baanx.{table}")
        self._changed()

    # --- Clock and numbers -------------------------------------------------------------

    def advance_clock(self, namespace: str, seconds: float) -> float:
        with self._transaction() as cursor:
            self._ensure_namespace(cursor, namespace)
            cursor.execute("UPDATE mock_baanx.namespaces SET clock_offset = clock_offset + %s "
                           "WHERE name = %s RETURNING clock_offset", (seconds, namespace))
            row = cursor.fetchone()
            assert row is not None
        self._changed()
        return float(row[0])

    # --- Orders ------------------------------------------------------------------------

    def create_order(self, namespace: str, build: Callable[[Creation], Order],
                     take_next_lifecycle: bool = True) -> Order:
        # A unit of its own, if no request's is under way: the row locked here stays locked
        # until what waits is written.
        with self.unit(), self._transaction() as cursor:
            # The namespace's row, made if need be and locked in one statement: a reset or
            # another create waits for this one, and one that came first is waited for.
            cursor.execute("INSERT INTO mock_baanx.namespaces (name, last_used) VALUES "
                           "(%s, '0001-01-01 00:00:00+00') ON CONFLICT (name) DO UPDATE SET "
                           "name = excluded.name RETURNING numbers_used, clock_offset, "
                           "next_lifecycle, next_remaining", (namespace,))
            row = cursor.fetchone()
            assert row is not None
            numbers_used, clock_offset, next_name, next_remaining = row
            upcoming = (NextLifecycle(next_name, next_remaining)
                        if take_next_lifecycle and next_name is not None else None)
            order = build(Creation(int(numbers_used) + 1,
                                   upcoming.name if upcoming is not None else None,
                                   float(clock_offset)))
            after = after_taking(upcoming) if upcoming is not None else None
            self._later(
                "UPDATE mock_baanx.namespaces SET numbers_used = numbers_used + 1, "
                "next_lifecycle = CASE WHEN %s THEN %s ELSE next_lifecycle END, "
                "next_remaining = CASE WHEN %s THEN %s ELSE next_remaining END WHERE "
                "name = %s",
                (upcoming is not None, None if after is None else after.name,
                 upcoming is not None, None if after is None else after.remaining, namespace))
            self._later(
                "INSERT INTO mock_baanx.orders (order_id, namespace, used, lifecycle, body) "
                "VALUES (%s, %s, nextval('mock_baanx.use_order'), %s, %s)",
                (order.order_id, order.namespace, order.lifecycle,
                 json.dumps(record_of(order))))
        self._created_since_sweep = True
        return order

    def change_order(self, namespace: str, order_id: str,
                     change: Callable[[Order, float], Order]) -> Order:
        with self.unit(), self._transaction() as cursor:
            cursor.execute("SELECT o.body, n.clock_offset FROM mock_baanx.orders o JOIN "
                           "mock_baanx.namespaces n ON n.name = o.namespace WHERE "
                           "o.order_id = %s AND o.namespace = %s FOR UPDATE OF o",
                           (order_id, namespace))
            row = cursor.fetchone()
            if row is None:
                raise OrderNotFound()
            order = order_of(row[0])
            changed = change(order, float(row[1]))
            if changed != order:
                self._later("UPDATE mock_baanx.orders SET used = nextval('mock_baanx.use_order')"
                            ", body = %s WHERE order_id = %s",
                            (json.dumps(record_of(changed)), order_id))
            else:  # read: its use counts, for the order forgotten first is the one unused
                self._later("UPDATE mock_baanx.orders SET used = nextval("
                            "'mock_baanx.use_order') WHERE order_id = %s", (order_id,))
            return changed

    def orders(self, namespace: str, offset: int = 0, limit: int | None = None) -> list[Order]:
        with self._transaction() as cursor:
            cursor.execute("SELECT body FROM mock_baanx.orders WHERE namespace = %s ORDER BY "
                           "created DESC OFFSET %s LIMIT %s", (namespace, offset, limit))
            return [order_of(body) for (body,) in cursor.fetchall()]

    def order_count(self, namespace: str) -> int:
        with self._transaction() as cursor:
            cursor.execute("SELECT count(*) FROM mock_baanx.orders WHERE namespace = %s",
                           (namespace,))
            row = cursor.fetchone()
            return 0 if row is None else int(row[0])

    def orders_forgotten(self) -> int:
        with self._transaction() as cursor:
            cursor.execute("SELECT value FROM mock_baanx.counters WHERE name = 'forgotten'")
            row = cursor.fetchone()
            return 0 if row is None else int(row[0])

    def orders_kept(self) -> int:
        with self._transaction() as cursor:
            cursor.execute("SELECT count(*) FROM mock_baanx.orders")
            row = cursor.fetchone()
            return 0 if row is None else int(row[0])

    def forgot_any(self) -> bool:
        return self._forgot_any

    def lifecycles_in_use(self) -> set[tuple[str, str]]:
        with self._transaction() as cursor:
            cursor.execute("SELECT DISTINCT namespace, lifecycle FROM mock_baanx.orders")
            return {(namespace, lifecycle) for namespace, lifecycle in cursor.fetchall()}

    # --- Next lifecycle ----------------------------------------------------------------

    def next_lifecycle(self, namespace: str) -> NextLifecycle | None:
        with self._transaction() as cursor:
            cursor.execute("SELECT next_lifecycle, next_remaining FROM mock_baanx.namespaces "
                           "WHERE name = %s", (namespace,))
            row = cursor.fetchone()
            return None if row is None or row[0] is None else NextLifecycle(row[0], row[1])

    def set_next_lifecycle(self, namespace: str, upcoming: NextLifecycle | None) -> None:
        with self._transaction() as cursor:
            self._ensure_namespace(cursor, namespace)
            cursor.execute("UPDATE mock_baanx.namespaces SET next_lifecycle = %s, "
                           "next_remaining = %s WHERE name = %s",
                           (None if upcoming is None else upcoming.name,
                            None if upcoming is None else upcoming.remaining, namespace))
        self._changed()

    # --- Faults ------------------------------------------------------------------------

    def add_fault(self, namespace: str, fault: Fault) -> None:
        with self._transaction() as cursor:
            cursor.execute("INSERT INTO mock_baanx.faults (namespace, endpoint, times, body) "
                           "VALUES (%s, %s, %s, %s)", (namespace, fault.endpoint, fault.times,
                                                        json.dumps(_fault_json(fault))))
        self._changed()

    def faults(self, namespace: str) -> tuple[Fault, ...]:
        with self._transaction() as cursor:
            cursor.execute("SELECT body, times FROM mock_baanx.faults WHERE namespace = %s "
                           "ORDER BY id", (namespace,))
            return tuple(_fault_from(body, times) for body, times in cursor.fetchall())

    def take_fault(self, namespace: str, endpoint: str) -> Fault | None:
        unit = self._unit()
        if unit is not None and unit.context is not None and unit.context.namespace == namespace \
                and not unit.context.has_faults:
            return None  # what the unit read first: the namespace has none
        with self._transaction() as cursor:
            cursor.execute("SELECT id, body, times FROM mock_baanx.faults WHERE namespace = %s "
                           "AND endpoint IN (%s, %s) ORDER BY id LIMIT 1 FOR UPDATE",
                           (namespace, endpoint, ANY_ENDPOINT))
            row = cursor.fetchone()
            if row is None:
                return None
            fault_id, body, times = row
            if times is not None:
                if times <= 1:
                    cursor.execute("DELETE FROM mock_baanx.faults WHERE id = %s", (fault_id,))
                else:
                    cursor.execute("UPDATE mock_baanx.faults SET times = times - 1 WHERE "
                                   "id = %s", (fault_id,))
            return _fault_from(body, times)

    def clear_faults(self, namespace: str) -> None:
        with self._transaction() as cursor:
            cursor.execute("DELETE FROM mock_baanx.faults WHERE namespace = %s", (namespace,))
        self._changed()

    # --- Journal and coverage ----------------------------------------------------------

    def record(self, namespace: str, entry: JournalEntry) -> None:
        # The journal is trimmed to its bound by the sweeper; `journal` reads the newest.
        self._later("INSERT INTO mock_baanx.journal (namespace, body) VALUES (%s, %s)",
                    (namespace, json.dumps(_entry_json(entry))))
        with self._swept:
            self._journaled_since_sweep.add(namespace)

    def journal(self, namespace: str) -> list[JournalEntry]:
        with self._transaction() as cursor:
            cursor.execute("SELECT body FROM (SELECT id, body FROM mock_baanx.journal WHERE "
                           "namespace = %s ORDER BY id DESC LIMIT %s) recent ORDER BY id",
                           (namespace, JOURNAL_SIZE))
            return [_entry_from(body) for (body,) in cursor.fetchall()]

    def clear_journal(self, namespace: str) -> None:
        with self._transaction() as cursor:
            cursor.execute("DELETE FROM mock_baanx.journal WHERE namespace = %s", (namespace,))

    def count_outcome(self, namespace: str, outcome: str) -> None:
        self._later("INSERT INTO mock_baanx.coverage VALUES (%s, %s, 1) ON CONFLICT "
                    "(namespace, outcome) DO UPDATE SET seen = coverage.seen + 1",
                    (namespace, outcome))

    def coverage(self, namespace: str) -> dict[str, int]:
        with self._transaction() as cursor:
            cursor.execute("SELECT outcome, seen FROM mock_baanx.coverage WHERE namespace = %s",
                           (namespace,))
            return {outcome: int(seen) for outcome, seen in cursor.fetchall()}

    # --- Data added at run time --------------------------------------------------------

    def remove_stub(self, namespace: str, stub_id: str) -> bool:
        with self._transaction() as cursor:
            # An answer read, not a row count: in a unit's pipeline a count is known only
            # once the pipeline syncs, which reading an answer makes it do.
            cursor.execute("DELETE FROM mock_baanx.additions WHERE namespace = %s AND kind = "
                           "'stub' AND key = %s RETURNING 1", (namespace, stub_id))
            removed = cursor.fetchone() is not None
            if removed:
                # The newest version left grows, so that every process reads the additions
                # again (they are read again when that version changes).
                cursor.execute(
                    "UPDATE mock_baanx.additions SET version = nextval(pg_get_serial_sequence("
                    "'mock_baanx.additions', 'version')) WHERE namespace = %s AND version = "
                    "(SELECT max(version) FROM mock_baanx.additions WHERE namespace = %s)",
                    (namespace, namespace))
        self._changed()
        return removed

    def add(self, namespace: str, item: Addition) -> None:
        kind, key = kind_and_key(item)
        with self._transaction() as cursor:
            cursor.execute(
                "INSERT INTO mock_baanx.additions (namespace, kind, key, body) VALUES "
                "(%s, %s, %s, %s) ON CONFLICT (namespace, kind, key) DO UPDATE SET body = "
                "excluded.body, version = nextval(pg_get_serial_sequence("
                "'mock_baanx.additions', 'version'))",
                (namespace, kind, key, json.dumps(TO_JSON[kind](item))))
        self._changed()

    def additions(self, namespace: str) -> Additions:
        # Asked on every request: the additions are read (and their users, products and
        # lifecycles built) again only when their newest version is not the one read last.
        # Versions only grow, and a reset removes every row of the namespace.
        unit = self._unit()
        with self._transaction() as cursor:
            if unit is not None and unit.context is not None and \
                    unit.context.namespace == namespace:
                newest = unit.context.additions_version  # what the unit read first
            else:
                cursor.execute("SELECT max(version) FROM mock_baanx.additions WHERE "
                               "namespace = %s", (namespace,))
                row = cursor.fetchone()
                newest = None if row is None or row[0] is None else int(row[0])
            if newest is None:
                return NO_ADDITIONS
            known = self._additions.get(namespace)
            if known is not None and known.version == newest:
                return known
            cursor.execute("SELECT kind, key, version, body FROM mock_baanx.additions WHERE "
                           "namespace = %s ORDER BY version", (namespace,))
            additions = Additions()
            for kind, key, version, body in cursor.fetchall():
                additions = with_item(additions, addition_from(kind, key, body), int(version))
        if len(self._additions) > self.max_namespaces:
            self._additions.clear()
        self._additions[namespace] = additions
        return additions

    # --- The sweeper ---------------------------------------------------------------------

    def _sweep_until_stopped(self, every: float) -> None:
        while not self._stop.wait(every):
            try:
                self.sweep()
            except (StoreUnavailable, psycopg.Error) as error:
                # The database away: the next pass tries again.
                log.debug("mock-baanx: sweep skipped: %s", error)

    def sweep(self) -> None:
        """One pass: forget the orders used longest ago beyond the bound, and trim the
        journals written to since the last pass; skipped while another process sweeps."""
        with self._swept:
            created, self._created_since_sweep = self._created_since_sweep, False
            journaled, self._journaled_since_sweep = self._journaled_since_sweep, set()
        if not created and not journaled:
            return
        with self._transaction() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", (SWEEP_LOCK,))
            row = cursor.fetchone()
            if row is None or not row[0]:
                return
            for namespace in sorted(journaled):
                # Ids count across namespaces: the bound is this namespace's newest entries.
                cursor.execute(
                    "DELETE FROM mock_baanx.journal WHERE namespace = %s AND id < (SELECT id "
                    "FROM mock_baanx.journal WHERE namespace = %s ORDER BY id DESC OFFSET %s "
                    "LIMIT 1)", (namespace, namespace, JOURNAL_SIZE - 1))
            if created:
                self._forget_beyond_the_bound(cursor)

    def _forget_beyond_the_bound(self, cursor: psycopg.Cursor[Any]) -> None:
        cursor.execute("SELECT count(*) FROM mock_baanx.orders")
        row = cursor.fetchone()
        excess = (0 if row is None else int(row[0])) - self.max_orders
        while excess > 0:
            cursor.execute(
                "WITH forgotten AS (DELETE FROM mock_baanx.orders WHERE order_id IN (SELECT "
                "order_id FROM mock_baanx.orders ORDER BY used LIMIT %s FOR UPDATE SKIP "
                "LOCKED) RETURNING 1) UPDATE mock_baanx.counters SET value = value + (SELECT "
                "count(*) FROM forgotten) WHERE name = 'forgotten' RETURNING (SELECT count(*) "
                "FROM forgotten)", (min(excess, FORGET_BATCH),))
            row = cursor.fetchone()
            forgotten = 0 if row is None else int(row[0])
            if forgotten == 0:
                break
            excess -= forgotten
            if not self._forgot_any:
                self._forgot_any = True
                # Once: a load test that outgrows the bound should hear of it, not once per
                # order.
                log.warning("mock-baanx: more than %s orders kept, the bound: the orders "
                            "used longest ago are being forgotten (polling one answers "
                            "404); raise the bound with serve --max-orders N",
                            f"{self.max_orders:,}")
