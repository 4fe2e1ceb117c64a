"""`mock-baanx verify`: the contract checks against a target, and a drift report."""

from __future__ import annotations

import argparse
import os
from typing import Any

from ..core import Stub
from ..storage.fixture_files import FixtureError, load_fixtures
from .arguments import EXIT_CODES, fail, output_file_problem, url_problem, whole_number


def add_parser(commands: Any) -> None:
    verify = commands.add_parser(
        "verify", help="check a target (the live API, or a mock) against the documented contract",
        description="Runs the contract checks against a target and prints a drift report.",
        epilog=EXIT_CODES)
    add = verify.add_argument
    add("--base-url", required=True, help="e.g. https://dev.api.baanx.com")
    add("--client-id", default=os.environ.get("BAANX_CLIENT_ID"),
        help="the client id to send (default: $BAANX_CLIENT_ID)")
    add("--token", default=os.environ.get("BAANX_ACCESS_TOKEN"),
        help="a valid user's access token (default: $BAANX_ACCESS_TOKEN)")
    add("--ineligible-token", default=os.environ.get("BAANX_INELIGIBLE_TOKEN"),
        help="a user's token with a product they may not order, for the 403 check "
             "(default: $BAANX_INELIGIBLE_TOKEN)")
    add("--allow-orders", action="store_true",
        default=os.environ.get("BAANX_ALLOW_ORDERS") == "1",
        help="let checks create orders (default: $BAANX_ALLOW_ORDERS=1)")
    add("--poll-interval", type=float, default=3.0, metavar="S",
        help="seconds between polls of an order (default 3, as the docs advise); on a "
             "mock-baanx its clock moves on instead of waiting")
    add("--max-orders", type=whole_number(0, 1000), default=2, metavar="N",
        help="orders a run may create on a live target, never exceeded (default 2; a mock's "
             "orders are not counted)")
    add("--pace", type=float, default=0.5, metavar="S",
        help="least seconds between two requests to a live target (default 0.5; a mock is "
             "not paced)")
    add("--control-token", default=os.environ.get("MOCK_BAANX_CONTROL_TOKEN"), metavar="TOKEN",
        help="a mock-baanx target's control token, if it asks for one (default: "
             "$MOCK_BAANX_CONTROL_TOKEN)")
    add("--stubs", metavar="PATH",
        help="also hold each stub with a schema to the target: a fixtures folder, or its "
             "stubs file")
    add("--allow-writes", action="store_true",
        help="with --stubs, also call the stubs whose method may change the target's state "
             "(POST, PUT, PATCH, DELETE)")
    add("--require-all", action="store_true",
        help="exit 1 unless every check that applies was run: a skip fails")
    add("--strict", action="store_true",
        help="count novelty (a field the docs do not mention) as drift")
    add("--json", action="store_true", help="print the report as JSON")
    add("--junit-xml", metavar="FILE", help="also write a JUnit XML report")


def run(args: argparse.Namespace) -> int:
    # Imported here: the checks need requests, which `serve` never does.
    from ..contract import verify

    problem = url_problem(args.base_url)
    if problem is not None:
        return fail("verify", f"--base-url {problem}")
    for name in ("poll_interval", "pace"):
        if getattr(args, name) < 0:
            return fail("verify", f"--{name.replace('_', '-')} must not be negative")
    problem = output_file_problem(args.junit_xml) if args.junit_xml else None
    if problem is not None:
        return fail("verify", f"--junit-xml {problem}")
    stubs: tuple[Stub, ...] = ()
    if args.stubs is not None:
        try:
            stubs = load_fixtures(args.stubs).stubs
        except FixtureError as error:
            return fail("verify", f"--stubs: {error}")
        if not stubs:
            return fail("verify", f"--stubs {args.stubs}: holds no stubs")
    return verify.run(args.base_url, verify.Settings(
        client_id=args.client_id, token=args.token, ineligible_token=args.ineligible_token,
        allow_orders=args.allow_orders, poll_interval=args.poll_interval,
        max_orders=args.max_orders, pace=args.pace, require_all=args.require_all,
        strict=args.strict, json=args.json, junit_xml=args.junit_xml,
        control_token=args.control_token, stubs=stubs, allow_writes=args.allow_writes))
