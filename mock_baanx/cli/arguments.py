"""What every subcommand shares: how it reads its arguments and how it fails."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_HOST = "127.0.0.1"
# Exit statuses every subcommand keeps to.
USAGE_ERROR = 2
EXIT_CODES = ("exit status: 0 success; 1 drift found (verify, proxy); 2 a usage or "
              "environment error (a bad option, an unreadable file, a port in use, a target "
              "that is not a Baanx API), said in one line; 130 interrupted (Ctrl-C). "
              "Reference: README.md and docs/ in mock-baanx's source (serve.md, "
              "testing-kit.md, contract-testing.md).")


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


def output_file_problem(given: str) -> str | None:
    """What keeps a file the command writes when it ends (a report, a ready file) from being
    written at `given`, if anything: said at the start, before a session's work is done."""
    path = Path(given).absolute()
    if path.is_dir():
        return f"{given} is a folder, not a file"
    if not path.parent.is_dir():
        return f"{given}: no such folder to write it into"
    writable = os.access(path, os.W_OK) if path.exists() else os.access(path.parent, os.W_OK)
    return None if writable else f"{given} cannot be written"


def fail(command: str, message: str) -> int:
    """Say what went wrong in one line on stderr; the usage-error exit status."""
    print(f"mock-baanx{f' {command}' if command else ''}: {message}", file=sys.stderr)
    return USAGE_ERROR
