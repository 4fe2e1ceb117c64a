"""`mock-baanx rules` and `mock-baanx openapi`: what the mock holds itself to, printed."""

from __future__ import annotations

import argparse
import json
from typing import Any

from ..protocol import ROUTES, fidelity_ledger, openapi
from .arguments import EXIT_CODES


def add_parsers(commands: Any) -> None:
    rules = commands.add_parser(
        "rules", help="print the fidelity ledger: every rule the mock enforces, and its basis",
        description="Every rule the mock enforces, with its id, its basis (documented by "
                    "Baanx, observed in real clients, or decided by this project where the "
                    "docs are silent) and the tests that hold the mock to it.",
        epilog=EXIT_CODES)
    rules.add_argument("--json", action="store_true", help="print the ledger as JSON")
    document = commands.add_parser(
        "openapi", help="print the OpenAPI 3.1 document",
        description="Prints the OpenAPI 3.1 document of the mock: the three Baanx order "
                    "endpoints and, unless --no-control, its control API; what a code "
                    "generator or a fuzzer reads. A served mock's GET /openapi.json adds its "
                    "own clients, products and lifecycles as examples.",
        epilog=EXIT_CODES)
    document.add_argument("--no-control", action="store_true", help="leave the control API out")


def rules(args: argparse.Namespace) -> int:
    if args.json:
        print(json.dumps({"rules": [rule.as_json() for rule in fidelity_ledger.RULES]},
                         indent=2, ensure_ascii=False))
    else:
        print(fidelity_ledger.text())
    return 0


def document(args: argparse.Namespace) -> int:
    print(json.dumps(openapi.document(ROUTES, control=not args.no_control), indent=2))
    return 0
