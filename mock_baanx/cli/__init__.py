"""The `mock-baanx` command."""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import json
import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from urllib.parse import urlsplit

from ..core import Backend, SeededIds, Store, StoreError
from ..core.backend import UnknownStoredLifecycle
from ..core.errors import StoreUnavailable, UnknownLifecycle, ValidationFailed
from ..core.store import DEFAULT_MAX_NAMESPACES, DEFAULT_MAX_ORDERS
from ..protocol import ROUTES, Options, fidelity_ledger, openapi
from ..protocol.handler import is_the_mocks_own
from ..protocol.version import __version__
from ..storage.fixture_files import FixtureError, load_fixtures
from ..transports import granian_server
from ..transports.buffered_stderr import BufferedStderr
from ..transports.extensions import ExtensionError, extend
from ..transports.flask_app import create_app

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4010
DEFAULT_PROXY_PORT = 4020
# With --state-url, requests wait on the database: this many are served at once (more
# threads only contend for the GIL: docs/performance.md).
STATE_URL_APP_THREADS = 4
USAGE_ERROR = 2


def whole_number(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be from {low} to {high}")
        return value

    return parse


def url_problem(text: str) -> str | None:
    """What is wrong with `text` as the URL of an HTTP API, if anything: it needs http:// or
    https://, a host, and a numeric port if it names one."""
    try:
        parts = urlsplit(text)
    except ValueError:  # e.g. an IPv6 address without its closing bracket
        return f"{text!r} is not a URL"
    try:
        parts.port  # noqa: B018 (reading it checks it)
    except ValueError:
        return f"{text!r} has a port that is not a number"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return (f"{text!r} is not an http:// or https:// URL with a host "
                "(e.g. http://127.0.0.1:4010)")
    return None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="mock-baanx",
                                     description="A faithful local mock of the Baanx order API.")
    parser.add_argument("--version", action="version", version=f"mock-baanx {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve the mock over HTTP")
    serve.add_argument("--host", default=DEFAULT_HOST,
                       help=f"address to bind (default {DEFAULT_HOST})")
    serve.add_argument("--port", type=whole_number(0, 65535), default=DEFAULT_PORT,
                       help=f"port to bind, 0 for any free one (default {DEFAULT_PORT})")
    serve.add_argument("--fixtures", metavar="PATH",
                       help="a fixtures folder or file replacing the defaults")
    serve.add_argument("--lifecycle", default="complete", metavar="NAME",
                       help="lifecycle orders follow when nothing else says (default complete)")
    serve.add_argument("--no-control", action="store_true",
                       help="no /__mock/ control API and no X-Mock-* headers: look exactly like "
                            "the real API")
    serve.add_argument("--ready-file", metavar="PATH",
                       help="once the mock answers, write JSON with its url and pid here "
                            "(removed when it stops): for scripts, with --port 0 too")
    serve.add_argument("--log-control", action="store_true",
                       help="log the control API's requests too (the dashboard's included); "
                            "by default the log shows the Baanx API's requests only")
    serve.add_argument("--extended-statuses", action="store_true",
                       help="let lifecycles and forced transitions use PENDING and REFUNDED, "
                            "statuses real clients handle that the Baanx docs do not list")
    serve.add_argument("--extend", action="append", default=[], metavar="MODULE:FUNCTION",
                       help="call FUNCTION with the mock's Flask app before serving, to add "
                            "routes, blueprints or hooks (repeatable; MODULE is imported from "
                            "the current folder too)")
    serve.add_argument("--no-strict", action="store_true",
                       help="skip checking each reply against the schemas")
    serve.add_argument("--state-file", metavar="PATH",
                       help="keep orders, their histories and the clock in this SQLite file "
                            "across restarts (default: in memory only)")
    serve.add_argument("--state-url", metavar="URL",
                       help="keep the whole state in this PostgreSQL database "
                            "(postgresql://user@host/db; needs mock-baanx[postgres]): several "
                            "serve processes on one database behave as one mock")
    serve.add_argument("--workers", type=whole_number(1, 64), default=1, metavar="N",
                       help="serve with N processes on one port (needs --state-url, which "
                            "they share; default 1)")
    # A worker of `--workers`: it serves beside the first process, on its port, and ends
    # when the first process closes its standard input.
    serve.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    serve.add_argument("--max-orders", type=whole_number(1, 10_000_000),
                       default=DEFAULT_MAX_ORDERS, metavar="N",
                       help="orders kept in all namespaces; past this, each new order forgets "
                            "the one used longest ago (created, polled or read) "
                            f"(default {DEFAULT_MAX_ORDERS:,})")
    serve.add_argument("--max-namespaces", type=whole_number(1, 1_000_000),
                       default=DEFAULT_MAX_NAMESPACES, metavar="N",
                       help="namespaces kept; past this, the one idle longest is forgotten "
                            f"(default {DEFAULT_MAX_NAMESPACES:,})")
    serve.add_argument("--seed", type=whole_number(0, 2**63 - 1), metavar="N",
                       help="derive ids from N: the same order ids, request ids, payment ids "
                            "and transaction hashes on every run, per namespace")

    verify = commands.add_parser(
        "verify", help="check a target (the live API, or a mock) against the documented contract",
        description="Runs the contract checks against a target and prints a drift report. "
                    "Exit 0: the target conforms; 1: drift found; 2: unreachable or bad usage.")
    verify.add_argument("--base-url", required=True, help="e.g. https://dev.api.baanx.com")
    verify.add_argument("--client-id", default=os.environ.get("BAANX_CLIENT_ID"),
                        help="the client id to send (default: $BAANX_CLIENT_ID)")
    verify.add_argument("--token", default=os.environ.get("BAANX_ACCESS_TOKEN"),
                        help="a valid user's access token (default: $BAANX_ACCESS_TOKEN)")
    verify.add_argument("--ineligible-token", default=os.environ.get("BAANX_INELIGIBLE_TOKEN"),
                        help="a user's token with a product they may not order, for the 403 "
                             "check (default: $BAANX_INELIGIBLE_TOKEN)")
    verify.add_argument("--allow-orders", action="store_true",
                        default=os.environ.get("BAANX_ALLOW_ORDERS") == "1",
                        help="let checks create orders (default: $BAANX_ALLOW_ORDERS=1)")
    verify.add_argument("--poll-interval", type=float, default=3.0, metavar="S",
                        help="seconds between polls of an order (default 3, as the docs "
                             "advise); on a mock-baanx its clock moves on instead of waiting")
    verify.add_argument("--max-orders", type=whole_number(0, 1000), default=2, metavar="N",
                        help="orders a run may create on a live target, never exceeded "
                             "(default 2; a mock's orders are not counted)")
    verify.add_argument("--pace", type=float, default=0.5, metavar="S",
                        help="least seconds between two requests to a live target "
                             "(default 0.5; a mock is not paced)")
    verify.add_argument("--require-all", action="store_true",
                        help="exit 1 unless every check that applies was run: a skip fails")
    verify.add_argument("--strict", action="store_true",
                        help="count novelty (a field the docs do not mention) as drift")
    verify.add_argument("--json", action="store_true", help="print the report as JSON")
    verify.add_argument("--junit-xml", metavar="FILE", help="also write a JUnit XML report")

    proxy = commands.add_parser(
        "proxy", help="forward an app's requests to the real API, judging every reply",
        description="A validating proxy: point the app under test here instead of the "
                    "sandbox. Requests go to --upstream unchanged and replies come back byte "
                    "for byte, while each reply is judged against the contract; findings "
                    "print as they happen, and Ctrl-C (or SIGTERM) stops and reports. Exit 0: "
                    "the upstream conformed; 1: drift seen; 2: bad usage or nothing recorded.")
    proxy.add_argument("--upstream", required=True, help="e.g. https://dev.api.baanx.com")
    proxy.add_argument("--host", default=DEFAULT_HOST,
                       help=f"address to bind (default {DEFAULT_HOST})")
    proxy.add_argument("--port", type=whole_number(0, 65535), default=DEFAULT_PROXY_PORT,
                       help=f"port to bind, 0 for any free one (default {DEFAULT_PROXY_PORT})")
    proxy.add_argument("--record", metavar="DIR",
                       help="on exit, write what was seen as a fixtures folder for "
                            "mock-baanx serve --fixtures DIR (tokens replaced by names)")
    proxy.add_argument("--force", action="store_true",
                       help="let --record replace a folder that is not empty")
    proxy.add_argument("--report-json", metavar="FILE", help="on exit, write the report as JSON")
    proxy.add_argument("--junit-xml", metavar="FILE", help="on exit, write a JUnit XML report")
    proxy.add_argument("--strict", action="store_true",
                       help="count novelty (a field the docs do not mention) as drift")
    proxy.add_argument("--upstream-timeout", type=float, default=30.0, metavar="S",
                       help="seconds to wait for the upstream before answering 502 "
                            "(default 30)")

    rules = commands.add_parser(
        "rules", help="print the fidelity ledger: every rule the mock enforces, and its basis",
        description="Every rule the mock enforces, with its id, its basis (documented by "
                    "Baanx, observed in real clients, or decided by this project where the "
                    "docs are silent) and the tests that hold the mock to it.")
    rules.add_argument("--json", action="store_true", help="print the ledger as JSON")

    document = commands.add_parser("openapi", help="print the OpenAPI 3.1 document")
    document.add_argument("--no-control", action="store_true",
                          help="leave the control API out")

    command_line = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(command_line)
    args.command_line = command_line
    if args.command == "openapi":
        print(json.dumps(openapi.document(ROUTES, control=not args.no_control), indent=2))
        return 0
    if args.command == "rules":
        if args.json:
            print(json.dumps({"rules": [rule.as_json() for rule in fidelity_ledger.RULES]},
                             indent=2, ensure_ascii=False))
        else:
            print(fidelity_ledger.text())
        return 0
    if args.command == "verify":
        return _verify(args)
    if args.command == "proxy":
        return _proxy(args)
    return _serve(args)


def _verify(args: argparse.Namespace) -> int:
    # Imported here: the checks need requests, which `serve` never does.
    from ..contract import verify

    problem = url_problem(args.base_url)
    if problem is not None:
        print(f"mock-baanx verify: --base-url {problem}", file=sys.stderr)
        return USAGE_ERROR
    for name in ("poll_interval", "pace"):
        if getattr(args, name) < 0:
            print(f"mock-baanx verify: --{name.replace('_', '-')} must not be negative",
                  file=sys.stderr)
            return USAGE_ERROR
    return verify.run(args.base_url, verify.Settings(
        client_id=args.client_id, token=args.token, ineligible_token=args.ineligible_token,
        allow_orders=args.allow_orders, poll_interval=args.poll_interval,
        max_orders=args.max_orders, pace=args.pace, require_all=args.require_all,
        strict=args.strict, json=args.json, junit_xml=args.junit_xml))


def _proxy(args: argparse.Namespace) -> int:
    # Imported here: the proxy needs requests and the contract kit, which `serve` never does.
    from ..contract import proxy, recorder

    problem = url_problem(args.upstream)
    if problem is not None:
        print(f"mock-baanx proxy: --upstream {problem}", file=sys.stderr)
        return USAGE_ERROR
    if args.upstream_timeout <= 0:
        print("mock-baanx proxy: --upstream-timeout must be more than 0", file=sys.stderr)
        return USAGE_ERROR
    record = Path(args.record) if args.record else None
    if record is not None:
        refusal = recorder.refuse_unless_empty(record, args.force)
        if refusal is not None:
            print(f"mock-baanx proxy: {refusal}", file=sys.stderr)
            return USAGE_ERROR
    stop = threading.Event()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signal_number, lambda *_: stop.set())
    return proxy.run(args.upstream, host=args.host, port=args.port, strict=args.strict,
                     timeout=args.upstream_timeout, record=record, force=args.force,
                     report_json=Path(args.report_json) if args.report_json else None,
                     junit_xml=Path(args.junit_xml) if args.junit_xml else None, stop=stop)


def _serve(args: argparse.Namespace) -> int:
    try:
        fixtures = load_fixtures(args.fixtures, extended_statuses=args.extended_statuses)
    except FixtureError as error:
        print(f"mock-baanx: bad fixtures: {error}", file=sys.stderr)
        return USAGE_ERROR
    try:
        Backend(fixtures, default_lifecycle=args.lifecycle,
                extended_statuses=args.extended_statuses)
    except UnknownLifecycle as error:
        print(f"mock-baanx: --lifecycle must be one of: {', '.join(error.known)}",
              file=sys.stderr)
        return USAGE_ERROR
    except ValidationFailed as error:
        print(f"mock-baanx: --lifecycle: {error.message}", file=sys.stderr)
        return USAGE_ERROR
    if args.state_file and args.state_url:
        print("mock-baanx: give --state-file or --state-url, not both", file=sys.stderr)
        return USAGE_ERROR
    if args.workers > 1 and not sys.platform.startswith("linux"):
        print("mock-baanx: --workers needs Linux, where processes can share one port",
              file=sys.stderr)
        return USAGE_ERROR
    if args.workers > 1 and not args.state_url:
        print("mock-baanx: --workers needs --state-url: each worker is a process of its own, "
              "and only a database is shared by them all", file=sys.stderr)
        return USAGE_ERROR
    state_option = "--state-url" if args.state_url else "--state-file"
    try:
        store = (_open_state_url(args.state_url, args.max_orders, args.max_namespaces)
                 if args.state_url else
                 _open_state_file(args.state_file, args.max_orders, args.max_namespaces)
                 if args.state_file else None)
        backend = Backend(fixtures, default_lifecycle=args.lifecycle, store=store,
                          max_orders=args.max_orders, max_namespaces=args.max_namespaces,
                          ids=None if args.seed is None else SeededIds(args.seed),
                          extended_statuses=args.extended_statuses)
    except (StoreError, UnknownStoredLifecycle) as error:
        print(f"mock-baanx: {state_option}: {error}", file=sys.stderr)
        return USAGE_ERROR
    except StoreUnavailable as error:
        print(f"mock-baanx: {state_option}: {error.message}", file=sys.stderr)
        return USAGE_ERROR
    deferred = granian_server.DeferredSleep()
    options = Options(control=not args.no_control, strict=not args.no_strict, sleep=deferred)
    app = create_app(backend, options)
    try:
        extend(app, args.extend)
    except ExtensionError as error:
        print(f"mock-baanx: --extend {error}", file=sys.stderr)
        return USAGE_ERROR
    stderr = BufferedStderr()
    # Errors go through the same buffer (flushed at once), so that lines keep their order.
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=stderr.stream)
    warning = exposure_warning(args.host, options.control)
    if warning:
        print(warning, file=sys.stderr)

    workers: list[subprocess.Popen[bytes]] = []
    if args.worker:
        _end_with_the_first_process()

    def announce(port: int) -> None:
        if args.worker:
            return
        workers.extend(_start_workers(args.workers - 1, port, args.command_line))
        host = f"[{args.host}]" if ":" in args.host else args.host
        url = f"http://{host}:{port}"
        if args.ready_file:
            # Before the start-up line: whoever waits for either finds the file there.
            write_ready_file(Path(args.ready_file), url)
        print(f"mock-baanx serving the Baanx order API on {url} (fixtures: "
              f"{args.fixtures or 'default'}, lifecycle: {args.lifecycle}, "
              f"state: {_state_shown(args)}"
              f"{f', {args.workers} workers' if args.workers > 1 else ''}"
              f"{'' if args.seed is None else f', seed: {args.seed}'}"
              f"{', control API off' if args.no_control else ''}); Ctrl-C to stop",
              file=sys.stderr, flush=True)
        if options.control:
            print(f"mock-baanx dashboard: {url}/__mock/ui", file=sys.stderr, flush=True)

    def stopped() -> None:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            try:
                worker.wait(10)
            except subprocess.TimeoutExpired:
                worker.kill()
        stderr.close()
        if args.worker:
            return
        if args.ready_file:
            Path(args.ready_file).unlink(missing_ok=True)
        print("mock-baanx stopped", file=sys.stderr, flush=True)

    try:
        granian_server.serve(app, deferred, args.host, args.port, announce,
                             stderr.write_line, stopped,
                             unlogged=(lambda path: False) if args.log_control
                             else is_the_mocks_own,
                             # A database round trip must not hold up every other request.
                             app_threads=STATE_URL_APP_THREADS if args.state_url else 0,
                             join=args.worker)
    except OSError as error:
        stderr.close()
        reason = os.strerror(error.errno) if error.errno else str(error)
        print(f"mock-baanx: cannot listen on {args.host}:{args.port}: {reason}",
              file=sys.stderr)
        return USAGE_ERROR
    return 0


def _open_state_file(path: str, max_orders: int, max_namespaces: int) -> Store:
    # Imported here: SQLite is memory that every run without --state-file would carry.
    from ..storage.state_file import SqliteStore, hold

    hold(Path(path))  # for as long as this process lives
    return SqliteStore(path, max_orders, max_namespaces)


def _open_state_url(url: str, max_orders: int, max_namespaces: int) -> Store:
    # The pool's reconnection attempts would log a paragraph each while the database is
    # away; each request answered 503 logs its own line instead.
    logging.getLogger("psycopg.pool").setLevel(logging.CRITICAL)
    try:
        from ..storage.postgres_store import PostgresStore
    except ImportError:
        raise StoreError("needs the postgres extra: pip install 'mock-baanx[postgres]'"
                         ) from None
    return PostgresStore(url, max_orders, max_namespaces)


def _state_shown(args: argparse.Namespace) -> str:
    if args.state_url:
        parts = urlsplit(args.state_url)
        # Never the password a URL may carry.
        return f"PostgreSQL at {parts.hostname or 'the local socket'}{parts.path}"
    return str(args.state_file or "in memory")


def _start_workers(count: int, port: int, command_line: list[str]
                   ) -> list[subprocess.Popen[bytes]]:
    """`count` more processes serving this command line on `port` beside this one (the
    kernel spreads connections across them: granian binds a port shared, SO_REUSEPORT),
    stopped when this one stops — or ends, which closes their standard input."""
    command = [sys.executable, "-m", "mock_baanx", *_worker_arguments(command_line, port)]
    return [subprocess.Popen(command, stdin=subprocess.PIPE) for _ in range(count)]


def _worker_arguments(argv: list[str], port: int) -> list[str]:
    """This command line for a worker: one worker, on the port this process serves, no
    ready file."""
    dropped = {"--port", "--workers", "--ready-file"}
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


def _end_with_the_first_process() -> None:
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
    if not control or _is_loopback(host):
        return None
    return (f"mock-baanx: warning: bound to {host} with the control API on: anyone who can "
            "reach this address can script the mock (use --no-control)")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
