"""`mock-baanx serve`: the mock over HTTP, on granian (transports/granian_server.py)."""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import json
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..core import Backend, SeededIds, Store, StoreError
from ..core.backend import UnknownStoredLifecycle
from ..core.errors import StoreUnavailable, UnknownLifecycle, ValidationFailed
from ..core.store import DEFAULT_MAX_NAMESPACES, DEFAULT_MAX_ORDERS
from ..protocol import Options
from ..protocol.access import HOSTS_ENVIRONMENT, TOKEN_ENVIRONMENT, HostRule
from ..protocol.handler import is_the_mocks_own
from ..storage.fixture_files import FixtureError, load_fixtures
from ..transports import granian_server
from ..transports.buffered_stderr import BufferedStderr
from ..transports.extensions import ExtensionError, extend
from ..transports.flask_app import create_app
from .arguments import DEFAULT_HOST, EXIT_CODES, fail, whole_number

DEFAULT_PORT = 4010
MIN_TOKEN_LENGTH = 16
# With --state-url, requests wait on the database: this many are served at once, chosen by
# measurement (docs/serve.md).
STATE_URL_APP_THREADS = 4


class Refused(Exception):
    """Something about the command line or its surroundings that stops `serve` before it
    serves: the message is its one line."""


def add_parser(commands: Any) -> None:
    serve = commands.add_parser(
        "serve", help="serve the mock over HTTP",
        description="Serves the Baanx order API and, unless --no-control, the control API "
                    "under /__mock/, its dashboard and /openapi.json, until Ctrl-C or SIGTERM; "
                    "one log line per request.", epilog=EXIT_CODES)
    _add_what_it_serves(serve.add_argument_group("what it serves").add_argument)
    _add_who_may_reach_it(serve.add_argument_group("who may reach it").add_argument)
    _add_where_state_lives(serve.add_argument_group("where its state lives").add_argument)


def _add_what_it_serves(add: Callable[..., argparse.Action]) -> None:
    add("--host", default=DEFAULT_HOST, help=f"address to bind (default {DEFAULT_HOST})")
    add("--port", type=whole_number(0, 65535), default=DEFAULT_PORT,
        help=f"port to bind, 0 for any free one (default {DEFAULT_PORT})")
    add("--fixtures", metavar="PATH", help="a fixtures folder or file replacing the defaults")
    add("--lifecycle", default="complete", metavar="NAME",
        help="lifecycle orders follow when nothing else says (default complete)")
    add("--ready-file", metavar="PATH",
        help="once the mock answers, write JSON with its url and pid here (removed when it "
             "stops): for scripts, with --port 0 too")
    add("--log-control", action="store_true",
        help="log the control API's requests too (the dashboard's included); by default the "
             "log shows the Baanx API's requests only")
    add("--quiet", action="store_true",
        help="no log line per request (start-up, stop and errors are still said)")
    add("--extended-statuses", action="store_true",
        help="let lifecycles and forced transitions use PENDING and REFUNDED, statuses real "
             "clients handle that the Baanx docs do not list")
    add("--extend", action="append", default=[], metavar="MODULE:FUNCTION",
        help="call FUNCTION with the mock's Flask app before serving, to add routes, "
             "blueprints or hooks (repeatable; MODULE is imported from the current folder too)")
    add("--no-strict", action="store_true", help="skip checking each reply against the schemas")
    add("--seed", type=whole_number(0, 2**63 - 1), metavar="N",
        help="derive ids from N: the same order ids, request ids, payment ids and "
             "transaction hashes on every run, per namespace")


def _add_who_may_reach_it(add: Callable[..., argparse.Action]) -> None:
    add("--no-control", action="store_true",
        help="no /__mock/ control API, dashboard, /openapi.json or X-Mock-* headers: look "
             "exactly like the real API")
    add("--allowed-host", action="append", default=[], metavar="NAME",
        help="a Host name to answer besides loopback ones and addresses (repeatable; "
             f"${HOSTS_ENVIRONMENT} too, comma-separated); '*' answers any, for trusted "
             "networks only")
    add("--control-token", metavar="TOKEN",
        help=f"every control request must carry Authorization: Bearer TOKEN (${TOKEN_ENVIRONMENT}"
             " too); bound beyond loopback with none given, one is made and printed; 'none' "
             "leaves the control API open")


def _add_where_state_lives(add: Callable[..., argparse.Action]) -> None:
    add("--state-file", metavar="PATH",
        help="keep orders, their histories and the clock in this SQLite file across restarts "
             "(default: in memory only)")
    add("--state-url", metavar="URL",
        help="keep the whole state in this PostgreSQL database (postgresql://user@host/db; "
             "needs mock-baanx[postgres]): several serve processes on one database behave as "
             "one mock")
    add("--workers", type=whole_number(1, 64), default=1, metavar="N",
        help="serve with N processes on one port (Linux; needs --state-url, which they share; "
             "default 1)")
    # A worker of `--workers`: it serves beside the first process, on its port, and ends
    # when the first process closes its standard input.
    add("--worker", action="store_true", help=argparse.SUPPRESS)
    add("--max-orders", type=whole_number(1, 10_000_000), default=DEFAULT_MAX_ORDERS,
        metavar="N", help="orders kept in all namespaces; past this, each new order forgets the "
                          "one used longest ago (created, polled or read) "
                          f"(default {DEFAULT_MAX_ORDERS:,})")
    add("--max-namespaces", type=whole_number(1, 1_000_000), default=DEFAULT_MAX_NAMESPACES,
        metavar="N", help="namespaces kept; past this, the one idle longest is forgotten "
                          f"(default {DEFAULT_MAX_NAMESPACES:,})")


def run(args: argparse.Namespace) -> int:
    try:
        check_surroundings(args)
        backend = backend_of(args)
        deferred = granian_server.DeferredSleep()
        options = Options(control=not args.no_control, strict=not args.no_strict,
                          sleep=deferred, hosts=HostRule.of(args.host, allowed_hosts(args)),
                          control_token=control_token(args))
        app = create_app(backend, options)
        try:
            extend(app, args.extend)
        except ExtensionError as error:
            raise Refused(f"--extend {error}") from None
    except Refused as refused:
        return fail("", str(refused))
    return Serving(args, options).serve(app, deferred)


def allowed_hosts(args: argparse.Namespace) -> list[str]:
    from_environment = os.environ.get(HOSTS_ENVIRONMENT, "")
    return [*args.allowed_host, *(name for name in from_environment.split(",") if name.strip())]


def control_token(args: argparse.Namespace) -> str | None:
    """The token the control API asks for: the one given (option, then environment); one
    made for this run when the mock is bound beyond loopback with its control API on; none
    with `none` (or on loopback)."""
    # An empty option is a mistake (`--control-token "$UNSET"`), never a way to ask for
    # none; an empty variable in the environment is one not set, as shells have it.
    given = (args.control_token if args.control_token is not None
             else os.environ.get(TOKEN_ENVIRONMENT) or None)
    if given is not None:
        if given.strip().lower() == "none":
            return None
        if len(given) < MIN_TOKEN_LENGTH or any(character.isspace() for character in given):
            raise Refused(f"--control-token: give at least {MIN_TOKEN_LENGTH} characters and "
                          "no spaces (or none)")
        return given
    if args.no_control or is_loopback(args.host):
        return None
    made = secrets.token_urlsafe(24)
    args.made_token = made
    return made


def check_surroundings(args: argparse.Namespace) -> None:
    """Refused for what can be told wrong before anything is opened or bound."""
    if args.state_file is not None and args.state_url is not None:
        raise Refused("give --state-file or --state-url, not both")
    if args.workers > 1 and not sys.platform.startswith("linux"):
        raise Refused("--workers needs Linux, where processes can share one port")
    if args.workers > 1 and args.state_url is None:
        raise Refused("--workers needs --state-url: each worker is a process of its own, and "
                      "only a database is shared by them all")
    try:
        socket.getaddrinfo(args.host, None, type=socket.SOCK_STREAM)
    except OSError as error:
        raise Refused(f"cannot listen on {args.host}:{args.port}: {error.strerror or error}"
                      ) from None
    if args.ready_file is not None:
        folder = Path(args.ready_file).resolve().parent
        if Path(args.ready_file).is_dir():
            raise Refused(f"--ready-file: {args.ready_file} is a folder, not a file")
        if not folder.is_dir():
            raise Refused(f"--ready-file: no folder {folder}")
        if not os.access(folder, os.W_OK):
            raise Refused(f"--ready-file: cannot write in {folder}")


def backend_of(args: argparse.Namespace) -> Backend:
    """The backend the command line asks for: its fixtures, lifecycle and store."""
    try:
        fixtures = load_fixtures(args.fixtures, extended_statuses=args.extended_statuses)
    except FixtureError as error:
        raise Refused(f"bad fixtures: {error}") from None
    try:
        Backend(fixtures, default_lifecycle=args.lifecycle,
                extended_statuses=args.extended_statuses)
    except UnknownLifecycle as error:
        raise Refused(f"--lifecycle must be one of: {', '.join(error.known)}") from None
    except ValidationFailed as error:
        raise Refused(f"--lifecycle: {error.message}") from None
    option = "--state-url" if args.state_url is not None else "--state-file"
    try:
        return Backend(fixtures, default_lifecycle=args.lifecycle, store=store_of(args),
                       max_orders=args.max_orders, max_namespaces=args.max_namespaces,
                       ids=None if args.seed is None else SeededIds(args.seed),
                       extended_statuses=args.extended_statuses)
    except (StoreError, UnknownStoredLifecycle) as error:
        raise Refused(f"{option}: {error}") from None
    except StoreUnavailable as error:
        raise Refused(f"{option}: {error.message}") from None


def store_of(args: argparse.Namespace) -> Store | None:
    if args.state_url is not None:
        return open_state_url(args.state_url, args.max_orders, args.max_namespaces)
    if args.state_file is not None:
        return open_state_file(args.state_file, args.max_orders, args.max_namespaces)
    return None


def open_state_file(path: str, max_orders: int, max_namespaces: int) -> Store:
    # Imported here: SQLite is memory that every run without --state-file would carry.
    from ..storage.state_file import SqliteStore, hold

    if not path:
        raise StoreError("give the path of a file")
    hold(Path(path))  # for as long as this process lives
    return SqliteStore(path, max_orders, max_namespaces)


def open_state_url(url: str, max_orders: int, max_namespaces: int) -> Store:
    # The pool's reconnection attempts would log a paragraph each while the database is
    # away, and psycopg a line for each pipeline a lost connection ends; each request
    # answered 503 logs its own line instead.
    logging.getLogger("psycopg").setLevel(logging.CRITICAL)
    try:
        from ..storage.postgres_store import PostgresStore
    except ImportError:
        raise StoreError("needs the postgres extra: pip install 'mock-baanx[postgres]'"
                         ) from None
    # A connection for each thread that serves requests: a request holds one throughout.
    return PostgresStore(url, max_orders, max_namespaces, pool_size=STATE_URL_APP_THREADS)


class Serving:
    """A `serve` process from the moment its app is ready: the server, the workers it
    starts, what it says when it listens and when it stops."""

    def __init__(self, args: argparse.Namespace, options: Options) -> None:
        self.args = args
        self.options = options
        self.workers: list[subprocess.Popen[bytes]] = []
        self.stderr = BufferedStderr()

    def serve(self, app: Any, deferred: granian_server.DeferredSleep) -> int:
        args = self.args
        # Errors go through the same buffer (flushed at once), so that lines keep their order.
        logging.basicConfig(level=logging.INFO, format="%(message)s", stream=self.stderr.stream)
        if args.worker:
            end_with_the_first_process()
        try:
            granian_server.serve(
                app, deferred, args.host, args.port, self.announce,
                (lambda line: None) if args.quiet else self.stderr.write_line, self.stopped,
                unlogged=(lambda path: False) if args.log_control else is_the_mocks_own,
                # A database round trip must not hold up every other request.
                app_threads=STATE_URL_APP_THREADS if args.state_url is not None else 0,
                join=args.worker)
        except OSError as error:
            self.stderr.close()
            reason = os.strerror(error.errno) if error.errno else str(error)
            return fail("", f"cannot listen on {args.host}:{args.port}: {reason}")
        return 0

    def announce(self, port: int) -> None:
        args = self.args
        if args.worker:
            return
        self.workers.extend(start_workers(args.workers - 1, port, args.command_line,
                                          self.options.control_token))
        host = f"[{args.host}]" if ":" in args.host else args.host
        url = f"http://{host}:{port}"
        if args.ready_file:
            # Before the start-up line: whoever waits for either finds the file there.
            write_ready_file(Path(args.ready_file), url)
        if getattr(args, "made_token", None):
            print(f"mock-baanx: bound to {args.host}: the control API asks for this run's "
                  f"token: Authorization: Bearer {args.made_token} (give your own with "
                  "--control-token, or none)", file=sys.stderr)
        elif self.options.control_token is None:
            warning = exposure_warning(args.host, self.options.control)
            if warning:
                print(warning, file=sys.stderr)
        print(f"mock-baanx serving the Baanx order API on {url} (fixtures: "
              f"{args.fixtures or 'default'}, lifecycle: {args.lifecycle}, "
              f"state: {state_shown(args)}"
              f"{f', {args.workers} workers' if args.workers > 1 else ''}"
              f"{'' if args.seed is None else f', seed: {args.seed}'}"
              f"{', control API off' if args.no_control else ''}); Ctrl-C to stop",
              file=sys.stderr, flush=True)
        if self.options.control:
            print(f"mock-baanx dashboard: {url}/__mock/ui", file=sys.stderr, flush=True)

    def stopped(self) -> None:
        for worker in self.workers:
            worker.terminate()
        for worker in self.workers:
            try:
                worker.wait(10)
            except subprocess.TimeoutExpired:
                worker.kill()
        self.stderr.close()
        if self.args.worker:
            return
        if self.args.ready_file:
            Path(self.args.ready_file).unlink(missing_ok=True)
        print("mock-baanx stopped", file=sys.stderr, flush=True)


def state_shown(args: argparse.Namespace) -> str:
    if args.state_url is not None:
        parts = urlsplit(args.state_url)
        # Never the password a URL may carry.
        return f"PostgreSQL at {parts.hostname or 'the local socket'}{parts.path}"
    return str(args.state_file or "in memory")


def start_workers(count: int, port: int, command_line: list[str], token: str | None
                  ) -> list[subprocess.Popen[bytes]]:
    """`count` more processes serving this command line on `port` beside this one (the
    kernel spreads connections across them: granian binds a port shared, SO_REUSEPORT),
    stopped when this one stops — or ends, which closes their standard input. They ask for
    this one's control token, given them in their environment (never on a command line,
    which any user of the machine may read)."""
    command = [sys.executable, "-m", "mock_baanx", *worker_arguments(command_line, port)]
    environment = {**os.environ, TOKEN_ENVIRONMENT: token or "none"}
    return [subprocess.Popen(command, stdin=subprocess.PIPE, env=environment)
            for _ in range(count)]


def worker_arguments(argv: list[str], port: int) -> list[str]:
    """This command line for a worker: one worker, on the port this process serves, no
    ready file."""
    dropped = {"--port", "--workers", "--ready-file", "--control-token"}
    kept: list[str] = []
    skip = False
    for argument in argv:
        if skip:
            skip = False
            continue
        name = argument.split("=", 1)[0]
        if name in dropped:
            skip = "=" not in argument
            continue
        kept.append(argument)
    return [*kept, "--port", str(port), "--worker"]


def end_with_the_first_process() -> None:
    """In a worker: stop (as on SIGTERM) once the process that started it ends, however it
    ends: its end of this process's standard input closes then."""

    def watch() -> None:
        with contextlib.suppress(OSError, ValueError):
            while sys.stdin.buffer.read(4096):
                pass
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="mock-baanx first process watcher", daemon=True).start()


def write_ready_file(path: Path, url: str) -> None:
    """{"url", "pid"}, written whole or not at all: a script polling for the file never
    reads half of it."""
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    partial.write_text(json.dumps({"url": url, "pid": os.getpid()}) + "\n", encoding="utf-8")
    partial.replace(path)


def exposure_warning(host: str, control: bool) -> str | None:
    """A warning when the control API is reachable from beyond this machine."""
    if not control or is_loopback(host):
        return None
    return (f"mock-baanx: warning: bound to {host} with the control API on and no token: "
            "anyone who can reach this address can script the mock (use --control-token or "
            "--no-control)")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
