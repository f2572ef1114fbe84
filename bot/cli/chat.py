"""`supportbot chat`: the console chat on the local database, the embedded default."""

from __future__ import annotations

import argparse
import os
from typing import Any

from bot.cli.main import CliError

ROLES = ("customer", "approver", "agent", "end-user")
# A fixed instant (ISO 8601 with offset) for scripted demos and end-to-end tests.
NOW_ENV = "SUPPORTBOT_NOW"


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
    from bot.app.clock import FrozenClock, SystemClock, parse_instant
    from bot.app.desk import Desk
    from bot.app.ports import Clock
    from bot.cli.database import open_configured
    from bot.cli.database import policy as load_policy

    clock: Clock = SystemClock()
    fixed = os.environ.get(NOW_ENV)
    if fixed:
        try:
            clock = FrozenClock(parse_instant(fixed))
        except ValueError as exc:
            raise CliError(f"{NOW_ENV}: {exc}") from None
    policy = load_policy()
    from storage.monitoring import SqlMonitoring

    store = await open_configured(policy.ticket_prefix)
    try:
        desk = Desk.create(
            store=store, clock=clock, policy=policy, monitoring=SqlMonitoring(store)
        )
        return await run_console(desk, role=role, rich=False if plain else None)
    finally:
        await store.close()
