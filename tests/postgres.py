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
from pathlib import Path

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
