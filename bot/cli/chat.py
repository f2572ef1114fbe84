"""`supportbot chat`: the console chat on the local database, the embedded default."""

from __future__ import annotations

import argparse
from typing import Any

ROLES = ("customer", "approver", "agent", "end-user")


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Register `chat`."""
    parser = sub.add_parser(
        "chat",
        help="chat with the bot in this terminal (no Slack or Teams needed)",
        description="Open the console chat on the local database. On first run it seeds a "
        "demo customer with a customer, an approver and an agent.",
    )
    parser.add_argument(
        "--as",
        dest="role",
        choices=ROLES,
        default="customer",
        help="who you are at the start (switch later with /as ROLE)",
    )
    parser.add_argument(
        "--plain", action="store_true", help="plain text even on a terminal (no colours)"
    )
    parser.set_defaults(handler=_chat)


def _chat(args: argparse.Namespace) -> int:
    import asyncio

    return asyncio.run(_run(args.role, plain=args.plain))


async def _run(role: str, *, plain: bool) -> int:
    from adapters.console.runner import run_console
    from bot.cli.compose import open_desk

    async with open_desk() as wired:
        return await run_console(wired.desk, role=role, rich=False if plain else None)
