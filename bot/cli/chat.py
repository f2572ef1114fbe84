"""`supportbot chat`: the console chat on the local database, the embedded default, with the
scheduled jobs running and the console's clock movable (`/clock`)."""

from __future__ import annotations

import argparse
from typing import Any

ROLES = ("customer", "approver", "agent", "end-user")


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Register `chat`."""
    parser = sub.add_parser(
        "chat",
        help="chat with the bot in this terminal (no Slack or Teams needed)",
        description="Open the console chat on the local database. On a database with no "
        "customers yet (or only the demo) it seeds a demo customer with a customer, an approver "
        "and an agent; on one with customers of its own, chat as one of its contacts with "
        "--as-user, or add the demo customer beside them with --demo.",
    )
    who = parser.add_mutually_exclusive_group()
    who.add_argument(
        "--as",
        dest="role",
        choices=ROLES,
        default="customer",
        help="the demo persona you are at the start (switch later with /as ROLE)",
    )
    who.add_argument(
        "--as-user",
        metavar="ID",
        help="a registered contact, as `contact list` shows it: slack:U0123ABCD, "
        "console:carla (or the id alone, if only one contact has it)",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="seed the demo customer even beside customers of this database's own",
    )
    parser.add_argument(
        "--plain", action="store_true", help="plain text even on a terminal (no colours)"
    )
    parser.set_defaults(handler=_chat)


def _chat(args: argparse.Namespace) -> int:
    import asyncio

    from bot.cli.main import CliError

    if args.demo and args.as_user is not None:
        raise CliError("--demo chats as the demo's personas, not as --as-user")
    return asyncio.run(_run(args))


async def _run(args: argparse.Namespace) -> int:
    from adapters.console.runner import console_desk, run_console
    from adapters.console.seed import ConsoleRefusal
    from bot.app.clock import ShiftedClock
    from bot.cli.compose import clock, open_desk
    from bot.cli.main import CliError
    from bot.jobs import scheduled
    from bot.jobs.scheduler import JobScheduler, prepare

    # Starts at SUPPORTBOT_NOW (if set) and runs on; `/clock` moves it forward.
    time = ShiftedClock(clock(running=True))
    async with open_desk(time) as wired:
        desk = console_desk(wired.desk)
        jobs = scheduled()
        await prepare(desk, jobs)
        try:
            return await run_console(
                desk,
                role=args.role,
                demo=args.demo,
                as_user=args.as_user,
                rich=False if args.plain else None,
                clock=time,
                scheduler=JobScheduler(desk, jobs),
            )
        except ConsoleRefusal as exc:
            raise CliError(str(exc)) from None
