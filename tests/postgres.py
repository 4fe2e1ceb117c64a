"""A throwaway PostgreSQL cluster for the tests: made in a temporary folder, listening on a
free loopback port, fsync off (a stopped server keeps what it committed; only the machine
crashing would lose it), and removed at the end. `.ci/run` installs the server (Debian's
postgresql); without it the tests that need one skip, saying so."""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

START_TIMEOUT = 60


def server_binaries() -> Path | None:
    """The folder of initdb and pg_ctl: on PATH, or where Debian puts them."""
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(found).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
                      key=lambda path: int(Path(path).parts[-3]))
    return Path(versions[-1]).parent if versions else None


class Cluster:
    """A PostgreSQL server of its own: `url(database)` to connect, `stop()` and `start()` to
    take it away and bring it back (the same data), `remove()` at the end."""

    def __init__(self, binaries: Path) -> None:
        self.binaries = binaries
        self.folder = Path(tempfile.mkdtemp(prefix="mock-baanx-pg-"))
        self.data = self.folder / "data"
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        # initdb refuses to run as root: then the cluster belongs to the postgres user the
        # Debian package creates.
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self._run("initdb", "-D", str(self.data), "--auth=trust", "--username=mock",
                  "--no-sync", "--encoding=UTF8")
        self.start()

    def _run(self, program: str, *args: str) -> None:
        subprocess.run([*self.as_user, str(self.binaries / program), *args], check=True,
                       capture_output=True, timeout=START_TIMEOUT)

    def start(self) -> None:
        options = (f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
                   "-c fsync=off -c max_connections=200")
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l",
                  str(self.folder / "log"), "-w", "-t", str(START_TIMEOUT), "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://mock@127.0.0.1:{self.port}/{database}"

    def new_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


def round_trips_per_request(url: str) -> dict[str, int]:
    """How many times each Baanx request, and each common control request, waits on the
    database at `url`, on a connection in use (its statements prepared), through the mock's
    app in this process."""
    from mock_baanx import create_app
    from mock_baanx.core import Backend
    from mock_baanx.storage.fixture_files import load_fixtures
    from mock_baanx.storage.postgres_store import PostgresStore

    from .helpers import ORDER_BODY, headers

    connections: list[Any] = []
    # No sweep meanwhile: it would take the one connection between two requests' statements.
    backend = Backend(load_fixtures(), store=PostgresStore(
        url, pool_size=1, sweep_every=3600, on_connect=connections.append))
    try:
        client = create_app(backend).test_client()
        order_id = client.post("/v1/order", json=ORDER_BODY, headers=headers()).get_json()[
            "orderId"]
        order = f"/__mock/orders/{order_id}"
        requests_of: dict[str, Callable[[], Any]] = {
            "products": lambda: client.get("/v1/order/products/available", headers=headers()),
            "create": lambda: client.post("/v1/order", json=ORDER_BODY, headers=headers()),
            "poll": lambda: client.get(f"/v1/order/{order_id}", headers=headers()),
            "GET orders": lambda: client.get("/__mock/orders?limit=20"),
            "GET order": lambda: client.get(order),
            "GET requests": lambda: client.get("/__mock/requests"),
            "DELETE requests": lambda: client.delete("/__mock/requests"),
            "GET coverage": lambda: client.get("/__mock/coverage"),
            "GET faults": lambda: client.get("/__mock/faults"),
            "POST faults": lambda: client.post("/__mock/faults", json={
                "endpoint": "getOrderStatus", "delayMs": 1, "times": 1}),
            "DELETE faults": lambda: client.delete("/__mock/faults"),
            "GET clock": lambda: client.get("/__mock/clock"),
            "POST clock": lambda: client.post("/__mock/clock", json={"advanceSeconds": 1}),
            "GET lifecycle": lambda: client.get("/__mock/lifecycle"),
            "POST lifecycle": lambda: client.post("/__mock/lifecycle",
                                                  json={"name": "complete", "count": 1}),
            "POST users": lambda: client.post("/__mock/users", json={
                "token": "added-token", "id": "added-user"}),
            "POST reset": lambda: client.post("/__mock/reset"),
        }
        (connection,) = connections
        counted = {}
        for name, request in requests_of.items():
            for _ in range(10):  # each statement prepared, as on a connection in use
                request()
            counted[name] = round_trips(connection, request)
        return counted
    finally:
        backend.store.close()


def round_trips(connection: Any, request: Callable[[], Any]) -> int:
    """How many times `request()` waits on the database: libpq's trace of the connection,
    counted as the times the client asks for answers (a Sync, a Flush or a simple Query)
    and then reads one. Rows the server sends before being asked (a large result fills its
    buffer while the client is still sending) are no wait."""
    from psycopg import pq

    with tempfile.TemporaryFile("w+") as trace:
        connection.pgconn.trace(trace.fileno())
        connection.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)
        reply = request()
        connection.pgconn.untrace()
        trace.seek(0)
        messages = [line.split("\t")[:3] for line in trace if line[:1] in ("F", "B")]
    assert reply.status_code == 200, reply.get_data(as_text=True)
    waits, asked = 0, False
    for side, _, kind in messages:
        if side == "F":
            asked = asked or kind.strip() in ("Sync", "Flush", "Query")
        elif asked:
            waits, asked = waits + 1, False
    return waits
