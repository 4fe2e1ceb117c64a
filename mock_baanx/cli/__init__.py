"""The `mock-baanx` command: `serve`, `verify`, `proxy`, `rules`, `openapi`, each in a
module of its own."""

from __future__ import annotations

import argparse
import errno
import os
import sys
from collections.abc import Callable, Sequence

from .arguments import EXIT_CODES, USAGE_ERROR

# A process that a closed pipe ends dies of SIGPIPE: the shell's status for that.
CLOSED_PIPE = 128 + 13
# The shell's status for a process Ctrl-C ended (SIGINT).
INTERRUPTED = 128 + 2


def commands() -> dict[str, Callable[[argparse.Namespace], int]]:
    """Each subcommand's function. Its modules are imported here, not with the command's:
    a Ctrl-C while they load (a quarter of a second) is then one `main` answers."""
    from . import documents, proxy, serve, verify

    return {"serve": serve.run, "verify": verify.run, "proxy": proxy.run,
            "rules": documents.rules, "openapi": documents.document}


def parser() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    """The command's parser, and each subcommand's."""
    from ..protocol.headers import __version__
    from . import documents, proxy, serve, verify

    command = argparse.ArgumentParser(prog="mock-baanx",
                                      description="A faithful local mock of the Baanx order "
                                                  "API, with a contract-testing kit.",
                                      epilog=EXIT_CODES)
    command.add_argument("--version", action="version", version=f"mock-baanx {__version__}")
    # Not `required`: argparse would say a command is missing before it said that an
    # option it does not know was given (`mock-baanx --bogus`); `run` says either.
    commands = command.add_subparsers(dest="command")
    serve.add_parser(commands)
    verify.add_parser(commands)
    proxy.add_parser(commands)
    documents.add_parsers(commands)
    return command, commands.choices


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return run(argv)
    except KeyboardInterrupt:
        # Ctrl-C before `serve` has its own way to stop in place (while it loads or starts),
        # or in a command that has none: one line, as every other end of the command.
        print("mock-baanx: interrupted", file=sys.stderr)
        return INTERRUPTED


def run(argv: Sequence[str] | None) -> int:
    command, subcommands = parser()
    command_line = list(sys.argv[1:] if argv is None else argv)
    args, unknown = command.parse_known_args(command_line)
    if args.command is None:
        command.error(f"unrecognized arguments: {' '.join(unknown)}" if unknown
                      else "the following arguments are required: command")
    if unknown:
        # Said by the subcommand's parser, with its usage, not the whole command's.
        subcommands[args.command].error(f"unrecognized arguments: {' '.join(unknown)}")
    args.command_line = command_line
    try:
        status = commands()[args.command](args)
        # Flushed here, not at exit, so that output that cannot be written is said below.
        sys.stdout.flush()
        return status
    except BrokenPipeError:
        # Whoever read the output stopped reading (`| head`): end quietly, with nothing
        # left for Python to flush into the closed pipe at exit.
        output_dropped()
        return CLOSED_PIPE
    except OSError as error:
        if error.errno not in WRITE_FAILURES:
            raise
        # What it writes cannot be written (a full disk, its output on one): one line, as
        # every environment error.
        output_dropped()
        where = f" {error.filename}" if error.filename else ""
        print(f"mock-baanx: cannot write{where}: {error.strerror}", file=sys.stderr)
        return USAGE_ERROR


# The errors of a write the disk or device refuses, whatever is written.
WRITE_FAILURES = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO})


def output_dropped() -> None:
    """Whatever is still waiting to be written to the output goes nowhere, so that Python
    has nothing left to fail to flush at exit."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
