"""`mock-baanx proxy`: the validating proxy and its recorder."""

from __future__ import annotations

import argparse
import os
import signal
import threading
from pathlib import Path
from typing import Any

from .arguments import (
    DEFAULT_HOST,
    EXIT_CODES,
    fail,
    output_file_problem,
    url_problem,
    whole_number,
)

DEFAULT_PROXY_PORT = 4020


def add_parser(commands: Any) -> None:
    proxy = commands.add_parser(
        "proxy", help="forward an app's requests to the real API, judging every reply",
        description="A validating proxy: point the app under test here instead of the "
                    "sandbox. Requests go to --upstream unchanged and replies come back byte "
                    "for byte, while each reply is judged against the contract; findings "
                    "print as they happen, and Ctrl-C (or SIGTERM) stops and reports.",
        epilog=EXIT_CODES + " proxy also exits 2 when its recording or a report cannot "
                                    "be written, or when the upstream never answered.")
    add = proxy.add_argument
    add("--upstream", required=True, help="e.g. https://dev.api.baanx.com")
    add("--host", default=DEFAULT_HOST, help=f"address to bind (default {DEFAULT_HOST})")
    add("--port", type=whole_number(0, 65535), default=DEFAULT_PROXY_PORT,
        help=f"port to bind, 0 for any free one (default {DEFAULT_PROXY_PORT})")
    add("--record", metavar="DIR",
        help="on exit, write what was seen as a fixtures folder for mock-baanx serve "
             "--fixtures DIR (the client id and tokens replaced by recorded-client-1, "
             "recorded-user-1…)")
    add("--force", action="store_true", help="let --record replace a folder that is not empty")
    add("--report-json", metavar="FILE", help="on exit, write the report as JSON")
    add("--junit-xml", metavar="FILE", help="on exit, write a JUnit XML report")
    add("--strict", action="store_true",
        help="count novelty (a field the docs do not mention) as drift")
    add("--upstream-timeout", type=float, default=30.0, metavar="S",
        help="seconds to wait for the upstream before answering 502 (default 30)")


def run(args: argparse.Namespace) -> int:
    # Imported here: the proxy needs requests and the contract kit, which `serve` never does.
    from ..contract import proxy, recorder

    problem = url_problem(args.upstream)
    if problem is not None:
        return fail("proxy", f"--upstream {problem}")
    if args.upstream_timeout <= 0:
        return fail("proxy", "--upstream-timeout must be more than 0")
    # Said now, not when the session ends and its report or recording would be lost.
    for option, given in (("--report-json", args.report_json),
                          ("--junit-xml", args.junit_xml)):
        problem = output_file_problem(given) if given else None
        if problem is not None:
            return fail("proxy", f"{option} {problem}")
    record = Path(args.record) if args.record else None
    if record is not None:
        refusal = recorder.refuse_unless_empty(record, args.force)
        if refusal is not None:
            return fail("proxy", refusal)
        existing = next(folder for folder in (record.absolute(), *record.absolute().parents)
                        if folder.exists())
        if not (existing.is_dir() and os.access(existing, os.W_OK)):
            return fail("proxy", f"--record {record}: {existing} cannot be written into")
    stop = threading.Event()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signal_number, lambda *_: stop.set())
    return proxy.run(args.upstream, host=args.host, port=args.port, strict=args.strict,
                     timeout=args.upstream_timeout, record=record, force=args.force,
                     report_json=Path(args.report_json) if args.report_json else None,
                     junit_xml=Path(args.junit_xml) if args.junit_xml else None, stop=stop)
