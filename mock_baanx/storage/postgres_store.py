"""`--state-url postgresql://…`: the mock's whole state in PostgreSQL, so that several
`mock-baanx serve` processes — replicas behind a load balancer, or the workers of one —
behave as one mock.

A request's operations are one unit (`unit`): one connection, one transaction, committed
before the reply that acknowledges it leaves. A process remembers what it last read of a
namespace (its version, clock, additions' version, whether it has faults or a lifecycle
set for its next orders) and of the orders it last created or polled (each with its
version). An optimistic unit — the one a request is answered in first — answers from what
is remembered, and writes everything as one statement (`_one_statement`) that keeps
nothing unless what it relied on is still at the version remembered: a create is kept
under the namespace's version, a poll's change only over the order's version it was made
from. If another process changed one, the statement fails (naming what changed, and for
an order how it now is), nothing is kept, and the request is answered again (`Outdated`).
So a request whose namespace and order this process knows (it created or polled it) waits
on the database once; a poll of an order it does not know, or that another process keeps
changing, twice (the order read without a lock, then changed only at the version read). A
unit that reads in a transaction (in pipeline mode, BEGIN with its first read: a fault
with `times`, a next lifecycle, the last attempt) locks the rows it changes as it reads
them. What changes the namespace (the control API) moves its version on, from one
sequence, so a namespace reset and made again never repeats one; an optimistic unit
changes it only at the version it relied on, and reads back how it is after, for this
process to know once the unit is kept (`_changed`). A reply's listing (faults, the
journal, orders…) goes with all the unit has yet to send and its commit (`_listing`), so
that a control request waits on the database once too. Either way, concurrent requests
through different processes each count once. Operations outside a unit are each a
transaction of their own. A namespace's last use is written by the sweeper.

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
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial
from typing import Any
from urllib.parse import urlsplit

import psycopg
from psycopg.pq import TransactionStatus
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
    OrderPage,
    Outdated,
    StoreError,
    after_taking,
    with_item,
)
from .order_records import order_of, record_of
from .state_file import TO_JSON, addition_from, kind_and_key

SCHEMA_VERSION = 2
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
    # Versions an optimistic unit checks what it relied on by (`unit`): a namespace's
    # changes with every change of what a request reads of it (clock, faults, next
    # lifecycle, additions; not its numbers or last use), from one sequence, so that a
    # namespace reset and made again never shows a version it had before.
    2: (
        "CREATE SEQUENCE mock_baanx.changes",
        "ALTER TABLE mock_baanx.namespaces ADD COLUMN version bigint NOT NULL DEFAULT "
        "nextval('mock_baanx.changes')",
        "ALTER TABLE mock_baanx.orders ADD COLUMN version bigint NOT NULL DEFAULT 0",
        "CREATE FUNCTION mock_baanx.expect(held boolean, what text, now_is text DEFAULT '') "
        "RETURNS boolean LANGUAGE plpgsql AS $$ BEGIN IF held IS NOT TRUE THEN RAISE "
        "EXCEPTION USING ERRCODE = 'serialization_failure', MESSAGE = what, DETAIL = "
        "coalesce(now_is, ''); END IF; RETURN true; END $$",
    ),
}
# Two mocks starting at once on a new database take turns at creating the schema.
MIGRATION_LOCK = 0x6D6F636B  # "mock"
# How long a request waits for a connection before it is answered 503.
POOL_TIMEOUT_SECONDS = 2.0
# The sweeper's pace, and its lock: one process sweeps at a time.
SWEEP_EVERY_SECONDS = 1.0
SWEEP_LOCK = 0x6D6F636C
# Orders forgotten by one statement of the sweeper, at most.
FORGET_BATCH = 10_000
# The orders a process remembers as it last read them, for optimistic units to change.
ORDERS_REMEMBERED = 4_096
# What fails a unit that another process's changes came between: a check that found one
# (`_one_statement`), or rows locked in another order than a concurrent unit's.
CHANGED_MEANWHILE = (psycopg.errors.SerializationFailure, psycopg.errors.DeadlockDetected)
# What the unit's own checks name when they fail (`mock_baanx.expect`): the statements after
# them are never prepared meanwhile, so their failure leaves the connection sound.
CHECKED = frozenset({"namespace", "create", "order"})

log = logging.getLogger("mock_baanx")


@dataclass
class Context:
    """What a unit read of its namespace in one statement, and this process remembers for
    optimistic units: the namespace's version, its clock offset, the newest version of
    its additions (None: none), whether it has any faults, whether a lifecycle is set for
    its next orders, and the order numbers it has used (as last known here)."""

    namespace: str
    version: int
    clock_offset: float
    additions_version: int | None
    has_faults: bool
    next_lifecycle_set: bool
    numbers_used: int


# The namespaces named (None: every one), locked in name order: every statement that locks
# several locks them so, and none waits for another that waits for it.
NAME_ORDER = ("SELECT name FROM mock_baanx.namespaces WHERE %s::text[] IS NULL OR "
              "name = ANY(%s::text[]) ORDER BY name FOR UPDATE")

# What a unit that changes a namespace reads back of it (`_changed`): a `Context`'s fields.
CONTEXT_COLUMNS = (
    "n.version, n.clock_offset, (SELECT max(a.version) FROM mock_baanx.additions a WHERE "
    "a.namespace = n.name) AS additions_version, EXISTS (SELECT 1 FROM mock_baanx.faults f "
    "WHERE f.namespace = n.name) AS has_faults, n.next_lifecycle IS NOT NULL AS next_set, "
    "n.numbers_used")


def _context_of(namespace: str, row: tuple[Any, ...]) -> Context:
    """A namespace's context from its CONTEXT_COLUMNS."""
    version, clock_offset, additions_version, has_faults, next_set, numbers_used = row
    return Context(namespace, int(version), float(clock_offset),
                   None if additions_version is None else int(additions_version),
                   bool(has_faults), bool(next_set), int(numbers_used))


@dataclass(frozen=True, slots=True)
class Remembered:
    """An order as this process last read or wrote it: its version, and the version of
    its namespace then (a namespace reset and made again may hold an order of the same id,
    seeded, at the same version)."""

    namespace_version: int
    version: int
    order: Order
    # Read just now (a failure said how the order now is): worth relying on even where
    # another process changes the order often.
    just_read: bool = False


@dataclass(frozen=True, slots=True)
class Check:
    """Writes of an optimistic unit that keep what it changed only where what it relied on
    still holds, as steps of the unit's one statement, each a common table expression that
    may read the one before it as `PREVIOUS`; the last returns a row if it kept
    anything. `what` names what changed if it did not ("create", "order"), and `now_is`,
    an expression, says how it now is (the error carries it). With `kept`, the last step
    returns a column `kept`, which `kept` is given once the unit is kept."""

    what: str
    steps: tuple[tuple[str, tuple[Any, ...]], ...]
    now_is: tuple[str, tuple[Any, ...]] = ("''", ())
    kept: Callable[[Any], None] | None = None


@dataclass
class Unit:
    """One request's connection and transaction, and the writes that wait for its commit.

    An optimistic unit answers from what the process remembers (`Context`, `Remembered`)
    where it can; its writes then keep anything only where what it relied on still holds
    (`expected`, `checks`), and fail the transaction otherwise."""

    connection: psycopg.Connection[Any]
    cursor: psycopg.Cursor[Any]
    optimistic: bool = False
    # Where the unit's pipeline, entered when it first reads afresh, is exited. The pipeline
    # is there while the unit's transaction is begun and not yet committed: a listing
    # commits what the unit did before it, and ends the pipeline (`_listing`).
    pipeline_mode: ExitStack = field(default_factory=ExitStack)
    pipeline: psycopg.Pipeline | None = None
    context: Context | None = None
    waiting: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)
    # What the unit writes only where what it relied on still holds, by what and whose
    # ("create" and a namespace, "order" and an order id).
    checks: dict[tuple[str, str], Check] = field(default_factory=dict)
    # The version of each namespace, and of each order, the unit relied on.
    expected: dict[str, int] = field(default_factory=dict)
    relied_on: dict[str, int] = field(default_factory=dict)
    # The orders to remember, and what to know of namespaces, once the unit is committed.
    remember: dict[str, Remembered] = field(default_factory=dict)
    known: dict[str, Context] = field(default_factory=dict)
    # The namespaces the unit changed, each with how to read how it is after the change
    # (`_changed`): known to this process once the unit is kept.
    learning: list[tuple[str, Callable[[], tuple[Any, ...] | None]]] = field(
        default_factory=list)
    # What else this process learns once the unit is kept.
    on_kept: list[Callable[[], None]] = field(default_factory=list)
    # Whether a statement failed that the unit's pipeline did not expect to (a deadlock, say):
    # psycopg may then take a statement the failure skipped for prepared.
    suspect: bool = False


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
        self._on_connect = on_connect
        self._pool = ConnectionPool(url, min_size=1, max_size=pool_size, open=False,
                                    timeout=POOL_TIMEOUT_SECONDS, configure=self._configure,
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
        # What optimistic units may answer from: each namespace's context and orders, as
        # last read or written here.
        self._known: dict[str, Context] = {}
        self._remembered: OrderedDict[str, Remembered] = OrderedDict()
        # Orders another process changed while this one relied on what it remembered.
        self._alternating: set[str] = set()
        # The namespaces used since the sweeper last wrote their last use, and when.
        self._used: dict[str, datetime] = {}
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

    def _configure(self, connection: psycopg.Connection[Any]) -> None:
        """Each new connection: at READ COMMITTED whatever the database's default, for each
        statement of a transaction sees what was committed before it (a reset deletes what a
        create it waited for kept)."""
        connection.execute("SET default_transaction_isolation = 'read committed'")
        if self._on_connect is not None:
            self._on_connect(connection)

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
    def unit(self, optimistic: bool = False) -> Iterator[None]:
        if getattr(self._local, "unit", None) is not None:
            yield  # a request is one unit: an inner one is part of it
            return
        try:
            connection = self._pool.getconn()
        except PoolTimeout as error:
            raise _unavailable(error) from None
        unit = Unit(connection, connection.cursor(), optimistic)
        self._local.unit = unit
        prepare_threshold = connection.prepare_threshold
        committed = False
        try:
            with ExitStack() as pipeline_mode:
                unit.pipeline_mode = pipeline_mode
                yield
                if unit.pipeline is not None:  # a transaction begun, not yet committed
                    self._send_with_commit(unit, unit.pipeline)
                else:
                    self._send_at_once(unit)
            committed = True
            for namespace, read_back in unit.learning:
                row = read_back()
                if row is not None:
                    unit.known[namespace] = _context_of(namespace, row)
            for learn in unit.on_kept:
                learn()
        except CHANGED_MEANWHILE as error:
            raise self._met_a_change(unit, error) from None
        except (psycopg.OperationalError, psycopg.InterfaceError) as error:
            raise _unavailable(error) from None
        except psycopg.Error:
            unit.suspect = True
            raise
        finally:
            self._local.unit = None
            connection.prepare_threshold = prepare_threshold  # as `_changed` may have set it
            if unit.suspect:
                connection.close()  # the pool replaces it
            # An implicit transaction ends with its failure; psycopg would clear every
            # prepared statement of the connection on a ROLLBACK it did not need.
            elif not committed and \
                    connection.info.transaction_status != TransactionStatus.IDLE:
                # A broken connection cannot roll back: the pool replaces it.
                with contextlib.suppress(psycopg.Error):
                    connection.execute("ROLLBACK")
            self._pool.putconn(connection)
        self._known.update(unit.known)
        self._remember(unit.remember)

    def _remember(self, orders: dict[str, Remembered]) -> None:
        """Orders as a unit kept them, for the next optimistic units: the ones used longest
        ago forgotten past the bound (every create adds one, so it churns under creates).
        Each step is one call, atomic as other threads do the same."""
        remembered = self._remembered
        with contextlib.suppress(KeyError):  # another thread forgot it meanwhile
            for order_id, order in orders.items():
                remembered[order_id] = order
                remembered.move_to_end(order_id)
            while len(remembered) > ORDERS_REMEMBERED:
                remembered.popitem(last=False)

    def _send_at_once(self, unit: Unit) -> None:
        """A unit with no transaction begun: its writes and checks in one statement, one
        implicit transaction, one round trip."""
        statement = self._one_statement(unit)
        if statement is not None:
            self._send_one(unit, statement, unit.cursor, last=True)

    def _send_with_commit(self, unit: Unit, pipeline: psycopg.Pipeline) -> None:
        """A unit that began a transaction to read afresh: its one statement and the commit
        go in the pipeline it read in."""
        statement = self._one_statement(unit)
        try:
            if statement is not None:
                self._send_one(unit, statement, unit.cursor)
            # Not prepared after a statement that may fail: psycopg would take a statement
            # whose preparation an aborted pipeline skipped for prepared.
            unit.cursor.execute("COMMIT", prepare=not (unit.checks or unit.expected))
        except CHANGED_MEANWHILE:
            # Its answer came before the pipeline ended: synced here, so that the pipeline
            # ends without an error of its own.
            with contextlib.suppress(psycopg.errors.PipelineAborted):
                pipeline.sync()
            raise

    @staticmethod
    def _one_statement(unit: Unit) -> tuple[str, tuple[Any, ...]] | None:
        """Everything a unit writes as it closes, as one statement: each write a common
        table expression. The select after them fails the transaction, naming what
        changed, if a namespace the unit relied on is no longer at its version, or a check
        kept nothing. Rows are locked in the order every unit locks them (namespace or
        order, then outcome count): the select reads the checks' steps, which run as it
        does; the writes it does not read run after it."""
        expressions: list[str] = []
        parameters: list[Any] = []
        checked: list[tuple[str, Check]] = []
        for check in unit.checks.values():
            previous = ""
            for statement, values in check.steps:
                name = f"w{len(expressions)}"
                expressions.append(f"{name} AS ({statement.replace('PREVIOUS', previous)})")
                parameters += values
                previous = name
            checked.append((previous, check))
        for statement, values in unit.waiting:
            expressions.append(f"w{len(expressions)} AS ({statement})")
            parameters += values
        if not expressions and not unit.expected:
            return None
        held = ["true"]
        for namespace, version in unit.expected.items():
            held.append("EXISTS (SELECT 1 FROM mock_baanx.namespaces WHERE name = %s AND "
                        "version = %s)")
            parameters += [namespace, version]
        selected = [f"mock_baanx.expect({' AND '.join(held)}, 'namespace')"]
        for last, check in checked:
            # How it now is, only read when the check fails.
            selected.append(f"CASE WHEN EXISTS (SELECT 1 FROM {last}) THEN true ELSE "
                            f"mock_baanx.expect(false, '{check.what}', {check.now_is[0]}) END")
            parameters += check.now_is[1]
        selected += [f"(SELECT kept FROM {last})" for last, check in checked
                     if check.kept is not None]
        with_clause = f"WITH {', '.join(expressions)} " if expressions else ""
        return f"{with_clause}SELECT {', '.join(selected)}", tuple(parameters)

    @staticmethod
    def _send_one(unit: Unit, statement: tuple[str, tuple[Any, ...]],
                  cursor: psycopg.Cursor[Any], last: bool = False) -> None:
        """The unit's one statement sent on `cursor`; what its checks return for `kept`
        given to them once the unit is kept (read then from `cursor` if the statement is
        the unit's `last`, else from a cursor of its own, which no later statement of the
        unit's overwrites)."""
        delivering = [check.kept for check in unit.checks.values() if check.kept is not None]
        sent = cursor if last or not delivering else unit.connection.cursor()
        sent.execute(*statement)
        if not delivering:
            return

        def deliver() -> None:
            row = sent.fetchone()
            if row is not None:
                for kept, value in zip(delivering, row[-len(delivering):], strict=True):
                    kept(value)

        unit.on_kept.append(deliver)

    def _met_a_change(self, unit: Unit, error: psycopg.Error) -> Exception:
        """What a unit that met another's change raises: Outdated if it is optimistic (its
        request is answered again); else, a deadlock, what a database away raises. A failure
        that is not one of the unit's own checks leaves its connection suspect."""
        if not (isinstance(error, psycopg.errors.SerializationFailure)
                and error.diag.message_primary in CHECKED):
            unit.suspect = True
        return self._outdated(unit, error) if unit.optimistic else _unavailable(error)

    def _outdated(self, unit: Unit, error: psycopg.Error) -> Outdated:
        """What `unit` relied on has changed (`error` says what): read afresh next time. An
        order changed meanwhile comes with the error as it now is (`Check.now_is`), and is
        remembered so: the request answered again is most often one round trip again."""
        what = error.diag.message_primary  # as `_one_statement` names it; else a deadlock
        if what == "order":
            for kind, order_id in unit.checks:
                if kind == "order":
                    self._remembered.pop(order_id, None)
            found, _, record = (error.diag.message_detail or "").partition(" ")
            version, _, body = record.partition(" ")
            if len(self._alternating) > ORDERS_REMEMBERED:
                self._alternating.clear()
            self._alternating.add(found)
            relied_on = unit.relied_on.get(found)
            # Read at the statement's start: older than the change it waited for, at times.
            if relied_on is not None and body and int(version) > relied_on:
                self._remembered[found] = Remembered(unit.remember[found].namespace_version,
                                                     int(version), order_of(json.loads(body)),
                                                     just_read=True)
        else:
            for namespace in unit.expected:
                self._known.pop(namespace, None)
            for kind, key in unit.checks:
                if kind == "create":
                    self._known.pop(key, None)
        return Outdated()

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
                if unit.pipeline is None:
                    # In pipeline mode from the first read on: a statement goes with the
                    # next one whose answer is needed (BEGIN with the first read).
                    unit.pipeline = unit.pipeline_mode.enter_context(
                        unit.connection.pipeline())
                    unit.cursor.execute("BEGIN")
                yield unit.cursor
                return
            with self._pool.connection() as connection, connection.transaction(), \
                    connection.cursor() as cursor:
                yield cursor
        except CHANGED_MEANWHILE as error:
            # Rows locked in another order than a concurrent unit's, or a check that failed.
            # Synced here, so that the pipeline ends without an error of its own; answered
            # again if optimistic.
            if unit is None:
                raise _unavailable(error) from None
            if unit.pipeline is not None:
                with contextlib.suppress(psycopg.Error):
                    unit.pipeline.sync()
            raise self._met_a_change(unit, error) from None
        except (psycopg.OperationalError, psycopg.InterfaceError, PoolTimeout) as error:
            raise _unavailable(error) from None

    def _listing(self, statement: str, parameters: tuple[Any, ...] | dict[str, Any]
                 ) -> list[tuple[Any, ...]]:
        """The rows of a read that a reply lists (faults, the journal, orders…) and nothing
        in the request changes by. In a unit it goes with all the unit has yet to send — its
        writes and checks, the read, the commit — so that it waits on the database once;
        what the unit changes after it is a transaction of its own, which relies on nothing
        remembered."""
        unit = self._unit()
        with self._transaction() as cursor:
            if unit is None:
                return cursor.execute(statement, parameters).fetchall()
            pending = self._one_statement(unit)
            # Not prepared after a statement that may fail (`_send_with_commit`).
            prepare = False if unit.checks or unit.expected else None
            if pending is not None:
                self._send_one(unit, pending, cursor)
            listed = unit.connection.execute(statement, parameters, prepare=prepare)
            cursor.execute("COMMIT", prepare=prepare)
            # The pipeline ends here, where synced it would sync once more as the unit closes.
            unit.pipeline = None
            unit.pipeline_mode.close()
            rows = listed.fetchall()
            unit.waiting.clear()
            unit.checks.clear()
            unit.expected.clear()
            # What it committed is kept: the request is never answered again, so what the
            # unit does after it locks what it relies on.
            unit.optimistic = False
            return rows

    def _later(self, statement: str, parameters: tuple[Any, ...]) -> None:
        """A write whose answer nothing waits for: with the unit's commit, or now."""
        unit = self._unit()
        if unit is not None:
            unit.waiting.append((statement, parameters))
            return
        with self._transaction() as cursor:
            cursor.execute(statement, parameters)

    def _changed(self, cursor: psycopg.Cursor[Any], namespace: str, assignments: str = "",
                 values: tuple[Any, ...] = (),
                 after: Callable[[Context], Context] | None = None) -> Context | None:
        """A change of what requests read of `namespace`, the last statement of the
        transaction that makes it: its row updated by `assignments` (each followed by a
        comma), and its version moved on, so that an optimistic unit that relied on the one
        before fails its check. How the namespace is after it: what the unit answers by for
        the rest of the request, and this process once the unit is kept (None: no such
        namespace).

        An optimistic unit that knows the namespace changes it only at the version it knows,
        and says how it is after by `after` (None: read afresh if asked), without waiting for
        the database; the context after keeps the version relied on, so a unit changes its
        namespace once. Otherwise the change is waited for, and read back for the request,
        and the process reads the namespace afresh next time."""
        self._known.pop(namespace, None)
        unit = self._unit()
        context = unit.context if unit is not None and unit.optimistic else None
        if unit is not None and context is not None and context.namespace == namespace:
            changing = unit.connection.execute(
                "WITH changed AS (UPDATE mock_baanx.namespaces n SET " + assignments +
                "version = nextval('mock_baanx.changes') WHERE n.name = %s AND n.version = %s "
                f"RETURNING {CONTEXT_COLUMNS}) SELECT changed.* FROM (SELECT mock_baanx.expect("
                "EXISTS (SELECT 1 FROM changed), 'namespace')) held LEFT JOIN changed ON true",
                (*values, namespace, context.version))
            # What follows it in the pipeline is skipped if it fails: prepared, psycopg would
            # take it for prepared all the same.
            unit.connection.prepare_threshold = None
            unit.learning.append((namespace, changing.fetchone))
            unit.expected.pop(namespace, None)
            unit.context = None if after is None else after(context)
            return unit.context
        cursor.execute("UPDATE mock_baanx.namespaces n SET " + assignments + "version = "
                       f"nextval('mock_baanx.changes') WHERE n.name = %s RETURNING "
                       f"{CONTEXT_COLUMNS}", (*values, namespace))
        row = cursor.fetchone()
        changed = None if row is None else _context_of(namespace, row)
        if unit is not None:
            # For the rest of the request only: what the statement read of other tables is
            # as its snapshot had them, older than a change it waited for.
            unit.expected.pop(namespace, None)
            unit.context = changed
        return changed

    def _changed_everywhere(self) -> None:
        """A change of every namespace (all forgotten): read afresh when next asked."""
        self._known.clear()
        unit = self._unit()
        if unit is not None:
            unit.context = None
            unit.expected.clear()

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
    def _ensure_namespace(cursor: psycopg.Cursor[Any], namespace: str, lock: bool = False
                          ) -> None:
        """The namespace's row made if it is gone (no answer waited for); with `lock`,
        locked too (an addition locks it before the additions change, so that changes of
        them take their versions in the order they are committed: a newest version read is
        never passed by an older one committed later). Made, a change after it in the
        transaction always moves the namespace's version."""
        cursor.execute("INSERT INTO mock_baanx.namespaces (name, last_used) VALUES (%s, "
                       "'0001-01-01 00:00:00+00') ON CONFLICT (name) DO "
                       + ("UPDATE SET name = excluded.name" if lock else "NOTHING"), (namespace,))

    def use(self, namespace: str, now: datetime) -> float:
        unit = self._unit()
        if unit is not None and unit.context is not None and unit.context.namespace == namespace:
            return unit.context.clock_offset
        # Written by the sweeper (`sweep`): a request locks no namespace's row to say so.
        if len(self._used) > 4 * self.max_namespaces:
            self._used.clear()
        self._used[namespace] = now
        known = self._known.get(namespace)
        if unit is not None and unit.optimistic and known is not None:
            # What this process knew of the namespace, checked as the unit commits.
            unit.context = known
            unit.expected[namespace] = known.version
            return known.clock_offset
        with self._transaction() as cursor:
            # Made if need be, without locking it; a row another process is making is
            # found once that one is committed, by the statement run again.
            for _ in range(2):
                cursor.execute(
                    "WITH made AS (INSERT INTO mock_baanx.namespaces (name, last_used) VALUES "
                    "(%(name)s, %(now)s) ON CONFLICT (name) DO NOTHING RETURNING version, "
                    "clock_offset, next_lifecycle, numbers_used), found AS (SELECT true AS "
                    "is_new, * FROM made UNION ALL SELECT false, version, clock_offset, "
                    "next_lifecycle, numbers_used FROM mock_baanx.namespaces WHERE name = "
                    "%(name)s) SELECT is_new, version, clock_offset, (SELECT max(version) FROM "
                    "mock_baanx.additions WHERE namespace = %(name)s), EXISTS (SELECT 1 FROM "
                    "mock_baanx.faults WHERE namespace = %(name)s), next_lifecycle IS NOT NULL, "
                    "numbers_used FROM found", {"name": namespace, "now": now})
                row = cursor.fetchone()
                if row is not None:
                    break
            assert row is not None
            if row[0]:  # a namespace coming into being
                self._forget_idle_namespaces(cursor)
            return self._read(namespace, row)

    def _read(self, namespace: str, row: tuple[Any, ...]) -> float:
        """The clock offset of what `use` read, kept for the rest of the unit and known to
        this process for the optimistic units after it."""
        context = _context_of(namespace, row[1:])
        unit = self._unit()
        if unit is not None:
            unit.context = context
        if len(self._known) > self.max_namespaces:
            self._known.clear()
        self._known[namespace] = context
        return context.clock_offset

    def _forget_idle_namespaces(self, cursor: psycopg.Cursor[Any]) -> None:
        cursor.execute("SELECT name FROM mock_baanx.namespaces WHERE name <> %s "
                       "ORDER BY last_used DESC OFFSET %s",
                       (DEFAULT_NAMESPACE, self.max_namespaces - 1))
        # Their rows first, in name order, as every other change of several namespaces
        # locks them, then what they hold, as a reset does: no two wait for each other.
        forgotten = sorted(name for (name,) in cursor.fetchall())
        if forgotten:
            cursor.execute(f"DELETE FROM mock_baanx.namespaces WHERE name IN ({NAME_ORDER})",
                           (forgotten, forgotten))
        for name in forgotten:
            self._known.pop(name, None)
            self._empty(cursor, name)

    @staticmethod
    def _empty(cursor: psycopg.Cursor[Any], namespace: str) -> None:
        """Everything the namespace holds but its own row gone."""
        for table in ("orders", "faults", "journal", "coverage", "additions"):
            cursor.execute(f"DELETE FROM mock_baanx.{table} WHERE namespace = %s",
                           (namespace,))

    def namespaces(self) -> list[NamespaceSummary]:
        return [NamespaceSummary(name, int(orders),
                                 datetime.min if last_used.year == 1 else last_used)
                for name, last_used, orders in self._listing(
                    "SELECT n.name, n.last_used, (SELECT count(*) FROM mock_baanx.orders o "
                    "WHERE o.namespace = n.name) FROM mock_baanx.namespaces n ORDER BY "
                    "n.last_used, n.name", ())]

    def reset(self, namespace: str) -> None:
        with self._transaction() as cursor:
            # Its row locked first (no answer waited for): a create that holds it is waited
            # for, and its order is among those the statements after it delete, each of
            # which sees what was committed before it; a create after it waits for the reset.
            cursor.execute("SELECT 1 FROM mock_baanx.namespaces WHERE name = %s FOR UPDATE",
                           (namespace,))
            self._empty(cursor, namespace)
            self._changed(cursor, namespace, "clock_offset = 0, numbers_used = 0, "
                          "next_lifecycle = NULL, next_remaining = NULL, ", (),
                          lambda context: replace(context, clock_offset=0.0,
                                                  additions_version=None, has_faults=False,
                                                  next_lifecycle_set=False, numbers_used=0))

    def reset_all(self) -> None:
        with self._transaction() as cursor:
            # The namespaces first, each deleted once a create that holds it is done: its
            # order is among those the statements after it delete.
            cursor.execute(f"DELETE FROM mock_baanx.namespaces WHERE name IN ({NAME_ORDER})",
                           (None, None))
            for table in ("orders", "faults", "journal", "coverage", "additions"):
                cursor.execute(f"DELETE FROM mock_baanx.{table}")
            self._changed_everywhere()

    # --- Clock and numbers -------------------------------------------------------------

    def advance_clock(self, namespace: str, seconds: float) -> float:
        with self._transaction() as cursor:
            self._ensure_namespace(cursor, namespace)
            changed = self._changed(cursor, namespace, "clock_offset = clock_offset + %s, ",
                                    (seconds,), lambda context: replace(
                                        context, clock_offset=context.clock_offset + seconds))
        assert changed is not None  # made above
        return changed.clock_offset

    # --- Orders ------------------------------------------------------------------------

    def create_order(self, namespace: str, build: Callable[[Creation], Order],
                     take_next_lifecycle: bool = True, exact_number: bool = True) -> Order:
        unit = self._unit()
        if unit is not None and unit.optimistic and (context := unit.context) is not None \
                and context.namespace == namespace and not (
                    take_next_lifecycle and context.next_lifecycle_set):
            return self._create_as_known(unit, context, build, exact_number)
        # A unit of its own, if no request's is under way: the row locked here stays locked
        # until what waits is written.
        with self.unit(), self._transaction() as cursor:
            # The namespace's row, made if need be and locked in one statement: a reset or
            # another create waits for this one, and one that came first is waited for.
            cursor.execute("INSERT INTO mock_baanx.namespaces (name, last_used) VALUES "
                           "(%s, '0001-01-01 00:00:00+00') ON CONFLICT (name) DO UPDATE SET "
                           "name = excluded.name RETURNING numbers_used, clock_offset, "
                           "next_lifecycle, next_remaining, version", (namespace,))
            row = cursor.fetchone()
            assert row is not None
            numbers_used, clock_offset, next_name, next_remaining, version = row
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
            # Taking the last of a next lifecycle moves no version: what this process knows
            # of the namespace says so once the unit is kept, or every create would lock.
            known = self._known.get(namespace)
            outer = self._unit()
            if known is not None and known.version == version and outer is not None:
                outer.known[namespace] = replace(
                    known, numbers_used=int(numbers_used) + 1,
                    next_lifecycle_set=next_name is not None and (
                        upcoming is None or after is not None))
            self._later(
                "INSERT INTO mock_baanx.orders (order_id, namespace, used, lifecycle, body) "
                "VALUES (%s, %s, nextval('mock_baanx.use_order'), %s, %s)",
                (order.order_id, order.namespace, order.lifecycle,
                 json.dumps(record_of(order))))
            if outer is not None:
                self._created(outer, int(version), order, order.number)
        self._created_since_sweep = True
        return order

    def _create_as_known(self, unit: Unit, context: Context,
                         build: Callable[[Creation], Order], exact_number: bool) -> Order:
        """An optimistic unit's create, in one statement that goes with the commit: the
        order built as the namespace was known here (no lifecycle set for the next orders),
        kept if its version is still the one known — and, with `exact_number`, if the
        number expected is the next — else the commit fails and the request is answered
        again. The order is kept with the number the statement assigns."""
        order = build(Creation(context.numbers_used + 1, None, context.clock_offset))
        # A guess while other processes create in the namespace too: only an exact number
        # has to be right.
        context.numbers_used += 1
        unit.checks["create", context.namespace] = Check("create", (
            ("UPDATE mock_baanx.namespaces SET numbers_used = numbers_used + 1 WHERE name = %s "
             "AND version = %s AND (NOT %s OR numbers_used = %s) RETURNING numbers_used",
             (context.namespace, context.version, exact_number, order.number - 1)),
            ("INSERT INTO mock_baanx.orders (order_id, namespace, used, lifecycle, body) SELECT "
             "%s, %s, nextval('mock_baanx.use_order'), %s, jsonb_set(%s::jsonb, '{number}', "
             "to_jsonb(numbers_used)) FROM PREVIOUS RETURNING (body->>'number')::bigint AS "
             "kept", (order.order_id, context.namespace, order.lifecycle,
                      json.dumps(record_of(order))))),
            kept=partial(self._created, unit, context.version, order))
        self._created_since_sweep = True
        return order

    @staticmethod
    def _created(unit: Unit, namespace_version: int, order: Order, number: int) -> None:
        """An order just created remembered as it was kept (with the number it was given),
        so that its first poll, most often soon, waits on the database once too."""
        kept = order if order.number == number else replace(order, number=int(number))
        unit.remember[order.order_id] = Remembered(namespace_version, 0, kept)

    def change_order(self, namespace: str, order_id: str,
                     change: Callable[[Order, float], Order]) -> Order:
        unit = self._unit()
        if unit is not None and unit.optimistic and (context := unit.context) is not None \
                and context.namespace == namespace:
            remembered = self._remembered.get(order_id)
            if remembered is None or (order_id in self._alternating and
                                      not remembered.just_read) or \
                    remembered.order.namespace != namespace or \
                    remembered.namespace_version != context.version:
                # Read afresh, without a lock: the change is kept only at the version read.
                remembered = self._read_order(unit, context, order_id)
            return self._change_as_remembered(unit, context, remembered, change)
        with self.unit(), self._transaction() as cursor:
            cursor.execute("SELECT o.body, n.clock_offset, o.version, n.version FROM "
                           "mock_baanx.orders o JOIN mock_baanx.namespaces n ON n.name = "
                           "o.namespace WHERE o.order_id = %s AND o.namespace = %s FOR UPDATE "
                           "OF o", (order_id, namespace))
            row = cursor.fetchone()
            if row is None:
                raise OrderNotFound()
            body, clock_offset, version, namespace_version = row
            order = order_of(body)
            changed = change(order, float(clock_offset))
            if changed != order:
                version += 1
                self._later("UPDATE mock_baanx.orders SET used = nextval('mock_baanx.use_order')"
                            ", body = %s, version = %s WHERE order_id = %s",
                            (json.dumps(record_of(changed)), version, order_id))
            else:  # read: its use counts, for the order forgotten first is the one unused
                self._later("UPDATE mock_baanx.orders SET used = nextval("
                            "'mock_baanx.use_order') WHERE order_id = %s", (order_id,))
            outer = self._unit()
            if outer is not None:
                outer.remember[order_id] = Remembered(int(namespace_version), int(version),
                                                      changed)
            return changed

    def _read_order(self, unit: Unit, context: Context, order_id: str) -> Remembered:
        """The order as it is, for an optimistic unit's change: its own statement (its own
        snapshot) unless the unit has begun a transaction. An order another process
        changes as often as this one is read so from then on, until it is found as this
        process left it (`_alternating`)."""
        statement = ("SELECT body, version FROM mock_baanx.orders WHERE order_id = %s AND "
                     "namespace = %s")
        try:
            if unit.pipeline is None:
                row = unit.cursor.execute(statement, (order_id, context.namespace)).fetchone()
            else:
                with self._transaction() as cursor:
                    row = cursor.execute(statement, (order_id, context.namespace)).fetchone()
        except (psycopg.OperationalError, psycopg.InterfaceError) as error:
            raise _unavailable(error) from None
        if row is None:
            raise OrderNotFound()
        body, version = row
        known = self._remembered.get(order_id)
        if known is not None and known.version == version:
            self._alternating.discard(order_id)
        return Remembered(context.version, int(version), order_of(body))

    def _change_as_remembered(self, unit: Unit, context: Context, remembered: Remembered,
                              change: Callable[[Order, float], Order]) -> Order:
        """An optimistic unit's change of an order as this process remembers or has just
        read it, in one statement that goes with the commit: kept if the order's version is
        still that one, else the commit fails and the request is answered again."""
        order = remembered.order
        changed = change(order, context.clock_offset)
        version = remembered.version + (changed != order)
        unit.checks["order", order.order_id] = Check("order", ((
            "UPDATE mock_baanx.orders SET used = nextval('mock_baanx.use_order'), body = "
            "coalesce(%s::jsonb, body), version = %s WHERE order_id = %s AND version = %s "
            "RETURNING 1",
            (None if changed == order else json.dumps(record_of(changed)), version,
             order.order_id, remembered.version)),),
            now_is=("(SELECT order_id || ' ' || version || ' ' || body::text FROM "
                    "mock_baanx.orders WHERE order_id = %s)", (order.order_id,)))
        unit.remember[order.order_id] = Remembered(context.version, version, changed)
        unit.relied_on[order.order_id] = remembered.version
        return changed

    def order_page(self, namespace: str, offset: int = 0, limit: int | None = None
                   ) -> OrderPage:
        ((total, bodies),) = self._listing(
            "SELECT (SELECT count(*) FROM mock_baanx.orders WHERE namespace = %(namespace)s), "
            "(SELECT coalesce(json_agg(body ORDER BY created DESC), '[]') FROM (SELECT body, "
            "created FROM mock_baanx.orders WHERE namespace = %(namespace)s ORDER BY created "
            "DESC OFFSET %(offset)s LIMIT %(limit)s) page)",
            {"namespace": namespace, "offset": offset, "limit": limit})
        return OrderPage([order_of(body) for body in bodies], int(total))

    def order_count(self, namespace: str) -> int:
        with self._transaction() as cursor:
            cursor.execute("SELECT count(*) FROM mock_baanx.orders WHERE namespace = %s",
                           (namespace,))
            row = cursor.fetchone()
            return 0 if row is None else int(row[0])

    def orders_forgotten(self) -> int:
        rows = self._listing("SELECT value FROM mock_baanx.counters WHERE name = 'forgotten'",
                             ())
        return int(rows[0][0]) if rows else 0

    def orders_kept(self) -> int:
        ((kept,),) = self._listing("SELECT count(*) FROM mock_baanx.orders", ())
        return int(kept)

    def forgot_any(self) -> bool:
        return self._forgot_any

    def lifecycles_in_use(self) -> set[tuple[str, str]]:
        with self._transaction() as cursor:
            cursor.execute("SELECT DISTINCT namespace, lifecycle FROM mock_baanx.orders")
            return {(namespace, lifecycle) for namespace, lifecycle in cursor.fetchall()}

    # --- Next lifecycle ----------------------------------------------------------------

    def next_lifecycle(self, namespace: str) -> NextLifecycle | None:
        rows = self._listing("SELECT next_lifecycle, next_remaining FROM "
                             "mock_baanx.namespaces WHERE name = %s", (namespace,))
        return NextLifecycle(rows[0][0], rows[0][1]) if rows and rows[0][0] is not None \
            else None

    def set_next_lifecycle(self, namespace: str, upcoming: NextLifecycle | None) -> None:
        with self._transaction() as cursor:
            self._ensure_namespace(cursor, namespace)
            self._changed(cursor, namespace, "next_lifecycle = %s, next_remaining = %s, ",
                          (None if upcoming is None else upcoming.name,
                           None if upcoming is None else upcoming.remaining),
                          lambda context: replace(context,
                                                  next_lifecycle_set=upcoming is not None))

    # --- Faults ------------------------------------------------------------------------

    def add_fault(self, namespace: str, fault: Fault) -> None:
        with self._transaction() as cursor:
            cursor.execute("INSERT INTO mock_baanx.faults (namespace, endpoint, times, body) "
                           "VALUES (%s, %s, %s, %s)", (namespace, fault.endpoint, fault.times,
                                                        json.dumps(_fault_json(fault))))
            self._changed(cursor, namespace, after=lambda context: replace(context,
                                                                           has_faults=True))

    def faults(self, namespace: str) -> tuple[Fault, ...]:
        return tuple(_fault_from(body, times) for body, times in self._listing(
            "SELECT body, times FROM mock_baanx.faults WHERE namespace = %s ORDER BY id",
            (namespace,)))

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
            self._changed(cursor, namespace, after=lambda context: replace(context,
                                                                           has_faults=False))

    # --- Journal and coverage ----------------------------------------------------------

    def record(self, namespace: str, entry: JournalEntry) -> None:
        # The journal is trimmed to its bound by the sweeper; `journal` reads the newest.
        self._later("INSERT INTO mock_baanx.journal (namespace, body) VALUES (%s, %s)",
                    (namespace, json.dumps(_entry_json(entry))))
        with self._swept:
            self._journaled_since_sweep.add(namespace)

    def journal(self, namespace: str) -> list[JournalEntry]:
        return [_entry_from(body) for (body,) in self._listing(
            "SELECT body FROM (SELECT id, body FROM mock_baanx.journal WHERE namespace = %s "
            "ORDER BY id DESC LIMIT %s) recent ORDER BY id", (namespace, JOURNAL_SIZE))]

    def clear_journal(self, namespace: str) -> None:
        with self._transaction() as cursor:
            cursor.execute("DELETE FROM mock_baanx.journal WHERE namespace = %s", (namespace,))

    def count_outcome(self, namespace: str, outcome: str) -> None:
        self._later("INSERT INTO mock_baanx.coverage VALUES (%s, %s, 1) ON CONFLICT "
                    "(namespace, outcome) DO UPDATE SET seen = coverage.seen + 1",
                    (namespace, outcome))

    def coverage(self, namespace: str) -> dict[str, int]:
        return {outcome: int(seen) for outcome, seen in self._listing(
            "SELECT outcome, seen FROM mock_baanx.coverage WHERE namespace = %s", (namespace,))}

    # --- Data added at run time --------------------------------------------------------

    def remove_stub(self, namespace: str, stub_id: str) -> bool:
        with self._transaction() as cursor:
            self._ensure_namespace(cursor, namespace, lock=True)
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
            self._changed(cursor, namespace)
        return removed

    def add(self, namespace: str, item: Addition) -> None:
        kind, key = kind_and_key(item)
        unit = self._unit()
        context = unit.context if unit is not None and unit.optimistic else None
        before = self._additions.get(namespace, NO_ADDITIONS) if context is not None and \
            context.additions_version is not None else NO_ADDITIONS
        with self._transaction() as cursor:
            self._ensure_namespace(cursor, namespace, lock=True)
            # In a unit, a cursor of its own: its answer is read once the unit is kept.
            added = (cursor if unit is None else unit.connection.cursor()).execute(
                "INSERT INTO mock_baanx.additions (namespace, kind, key, body) VALUES "
                "(%s, %s, %s, %s) ON CONFLICT (namespace, kind, key) DO UPDATE SET body = "
                "excluded.body, version = nextval(pg_get_serial_sequence("
                "'mock_baanx.additions', 'version')) RETURNING version",
                (namespace, kind, key, json.dumps(TO_JSON[kind](item))))
            self._changed(cursor, namespace)
        if unit is not None and context is not None and context.namespace == namespace and \
                before.version == (context.additions_version or 0):
            # The additions as the optimistic unit relied on them, and this one: what the
            # next request reads, once the unit is kept, without reading them again.
            unit.on_kept.append(lambda: self._added(namespace, before, item, added.fetchone()))

    def _added(self, namespace: str, before: Additions, item: Addition,
               row: tuple[Any, ...] | None) -> None:
        if row is not None:
            if len(self._additions) > self.max_namespaces:
                self._additions.clear()
            self._additions[namespace] = with_item(before, item, int(row[0]))

    def additions(self, namespace: str) -> Additions:
        # Asked on every request: the additions are read (and their users, products and
        # lifecycles built) again only when their newest version is not the one read last.
        # Versions only grow, and a reset removes every row of the namespace.
        unit = self._unit()
        if unit is not None and unit.context is not None and unit.context.namespace == namespace:
            newest = unit.context.additions_version  # what the unit read first
        else:
            with self._transaction() as cursor:
                cursor.execute("SELECT max(version) FROM mock_baanx.additions WHERE "
                               "namespace = %s", (namespace,))
                row = cursor.fetchone()
                newest = None if row is None or row[0] is None else int(row[0])
        if newest is None:
            return NO_ADDITIONS
        known = self._additions.get(namespace)
        if known is not None and known.version == newest:
            return known
        with self._transaction() as cursor:
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
        """One pass: write when this process last used each namespace; forget the orders
        used longest ago beyond the bound, the namespaces used longest ago beyond theirs
        (two processes, each making a namespace at once, each saw the other's not yet
        committed), and trim the journals written to since the last pass, unless another
        process is sweeping."""
        with self._swept:
            created, self._created_since_sweep = self._created_since_sweep, False
            journaled, self._journaled_since_sweep = self._journaled_since_sweep, set()
            used, self._used = self._used, {}
        if used:
            # This process's uses, whoever sweeps: locked in one order, that sweeps of two
            # processes do not deadlock.
            names = sorted(used)
            with self._transaction() as cursor:
                cursor.execute(
                    "UPDATE mock_baanx.namespaces n SET last_used = greatest(n.last_used, u.at) "
                    "FROM unnest(%s::text[], %s::timestamptz[]) AS u(name, at) WHERE n.name = "
                    f"u.name AND n.name IN ({NAME_ORDER})",
                    (names, [used[name] for name in names], names, names))
        if not used and not created and not journaled:
            return
        with self._transaction() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", (SWEEP_LOCK,))
            row = cursor.fetchone()
            if row is None or not row[0]:
                return
            self._forget_idle_namespaces(cursor)
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
