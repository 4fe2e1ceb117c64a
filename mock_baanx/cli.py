"""The `mock-baanx` command."""

from __future__ import annotations

import argparse
import ipaddress
import json
import logging
import signal
import sys
from collections.abc import Sequence
from types import FrameType

from . import api, openapi
from .core import Backend
from .fixtures import FixtureError, load_fixtures
from .flask_app import create_app
from .server import DEFAULT_THREADS, make_server

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4010
USAGE_ERROR = 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="mock-baanx",
                                     description="A faithful local mock of the Baanx order API.")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve the mock over HTTP")
    serve.add_argument("--host", default=DEFAULT_HOST,
                       help=f"address to bind (default {DEFAULT_HOST})")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT,
                       help=f"port to bind, 0 for any free one (default {DEFAULT_PORT})")
    serve.add_argument("--fixtures", metavar="PATH",
                       help="a fixtures folder or file replacing the defaults")
    serve.add_argument("--lifecycle", default="complete", metavar="NAME",
                       help="lifecycle orders follow when nothing else says (default complete)")
    serve.add_argument("--no-control", action="store_true",
                       help="no /__mock/ control API and no X-Mock-* headers: look exactly like "
                            "the real API")
    serve.add_argument("--no-strict", action="store_true",
                       help="skip checking each reply against the schemas")
    serve.add_argument("--threads", type=int, default=DEFAULT_THREADS,
                       help=f"worker threads (default {DEFAULT_THREADS})")

    document = commands.add_parser("openapi", help="print the OpenAPI 3.1 document")
    document.add_argument("--no-control", action="store_true",
                          help="leave the control API out")

    args = parser.parse_args(argv)
    if args.command == "openapi":
        print(json.dumps(openapi.document(control=not args.no_control), indent=2))
        return 0
    return _serve(args)


def _serve(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    logging.getLogger("waitress").setLevel(logging.WARNING)
    try:
        fixtures = load_fixtures(args.fixtures)
    except FixtureError as error:
        print(f"mock-baanx: bad fixtures: {error}", file=sys.stderr)
        return USAGE_ERROR
    if args.lifecycle not in fixtures.lifecycles:
        print(f"mock-baanx: --lifecycle must be one of: {', '.join(sorted(fixtures.lifecycles))}",
              file=sys.stderr)
        return USAGE_ERROR
    backend = Backend(fixtures, default_lifecycle=args.lifecycle)
    options = api.Options(control=not args.no_control, strict=not args.no_strict)
    try:
        server = make_server(create_app(backend, options), args.host, args.port, args.threads)
    except OSError as error:
        print(f"mock-baanx: cannot listen on {args.host}:{args.port}: {error.strerror}",
              file=sys.stderr)
        return 1
    if options.control and not _is_loopback(args.host):
        print(f"mock-baanx: warning: bound to {args.host} with the control API on: anyone who "
              "can reach this address can script the mock (use --no-control)", file=sys.stderr)

    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    host = f"[{args.host}]" if ":" in args.host else args.host
    url = f"http://{host}:{server.effective_port}"
    print(f"mock-baanx serving the Baanx order API on {url} (fixtures: "
          f"{args.fixtures or 'default'}, lifecycle: {args.lifecycle}"
          f"{', control API off' if args.no_control else ''}); Ctrl-C to stop",
          file=sys.stderr, flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    print("mock-baanx stopped", file=sys.stderr, flush=True)
    return 0


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
