"""Entry point of the `supportbot` command: argument parsing and command dispatch.

Each command module registers its subcommands and imports its heavy dependencies
(SQLModel, chat SDKs) only inside its handlers, so `supportbot sla due` starts fast.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

__all__ = ["CliError", "Handler", "main"]

COMMAND_MODULES = (
    "bot.cli.core",
    "bot.cli.admin",
    "bot.cli.outbox",
    "bot.cli.jobs",
    "bot.cli.chat",
    "bot.cli.serve",
    "bot.cli.teams",
)

Handler = Callable[[argparse.Namespace], int]
# What a shell reports for a writer killed by SIGPIPE (128 + 13): the reader went away.
EXIT_BROKEN_PIPE = 141
# The output could not be written (sysexits.h EX_IOERR).
EXIT_OUTPUT_FAILED = 74
# What writing to a full or failing device raises (the command's own errors are CliErrors).
_WRITE_FAILURES = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO})


class CliError(Exception):
    """Bad input or a refused action: printed as one line to stderr, exit status 2."""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line and exit with status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")

    def _print_message(self, message: str, file: SupportsWrite[str] | None = None) -> None:
        # argparse ignores write errors; help that could not be written is reported (see main).
        if message and (file is None or file is sys.stdout):
            sys.stdout.write(message)
        else:
            super()._print_message(message, file)


def build_parser() -> argparse.ArgumentParser:
    """The full command tree."""
    parser = _Parser(
        prog="supportbot",
        description="A support desk bot that runs the support agreement to the letter.",
    )
    parser.add_argument("--version", action="store_true", help="print version and database")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def _version() -> int:
    from importlib.metadata import PackageNotFoundError, version

    try:
        print(f"supportbot {version('supportbot')}")
    except PackageNotFoundError:
        print("supportbot (not installed)")
    from bot.config import describe_database
    from storage.urls import UnsupportedDatabase

    try:
        print(describe_database())
    except UnsupportedDatabase as exc:
        print(f"supportbot: error: DATABASE_URL: {exc}", file=sys.stderr)
        return 2
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    try:
        try:
            return _dispatch(argv)
        finally:
            # A closed pipe fails here, inside the handler below, even when argparse exits.
            sys.stdout.flush()
    except BrokenPipeError:
        # `supportbot ... | head`: the reader has what it wanted. Stop quietly.
        _discard_stdout()
        return EXIT_BROKEN_PIPE
    except OSError as exc:
        if exc.errno not in _WRITE_FAILURES:
            raise
        # `supportbot ... > /dev/full`, a full disk: the output is lost, so say so, once.
        _discard_stdout()
        print(f"supportbot: error: cannot write the output: {exc.strerror}", file=sys.stderr)
        return EXIT_OUTPUT_FAILED


def _discard_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's final flush cannot complain either."""
    import os

    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _dispatch(argv: Sequence[str] | None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    from bot.cli.core import quick_parse

    args = quick_parse(argv)
    if args is None:
        parser = build_parser()
        args = parser.parse_args(argv)
        if args.version:
            return _version()
        if getattr(args, "handler", None) is None:
            parser.print_help()
            return 0
    handler: Handler = args.handler
    try:
        return handler(args)
    except CliError as exc:
        print(f"supportbot: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    # Re-import so command modules and this entry point share one CliError class.
    from bot.cli.main import main as _main

    raise SystemExit(_main())
