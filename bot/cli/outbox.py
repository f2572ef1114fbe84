"""`supportbot outbox parked|retry`: posts that could not be delivered, for an operator.

A post the chat refuses for good (no support channel, the bot removed from the channel, an
archived channel) is parked after the policy's number of attempts instead of being retried
for ever. Fix the cause, then put it back in line with `outbox retry`.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from bot.cli.main import CliError

if TYPE_CHECKING:
    from storage import SqlUnitOfWork

__all__ = ["register"]

# Parked posts listed at most (the count on /healthz is exact).
LIST_LIMIT = 1000


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Register `outbox parked` and `outbox retry`."""
    outbox = sub.add_parser("outbox", help="posts the bot could not deliver")
    actions = outbox.add_subparsers(dest="action", metavar="ACTION", required=True)
    parked = actions.add_parser(
        "parked",
        help="list parked posts",
        description="Posts set aside as undeliverable, oldest first, with the last error.",
    )
    parked.add_argument("--json", action="store_true", help="print JSON")
    parked.set_defaults(handler=_parked)
    retry = actions.add_parser(
        "retry",
        help="send parked posts again",
        description="Put parked posts back in line (after fixing the cause): `serve` sends "
        "them on its next round, with a fresh count of attempts.",
    )
    retry.add_argument("ids", nargs="*", type=_message_id, metavar="ID", help="parked posts")
    retry.add_argument("--all", action="store_true", help="every parked post")
    retry.set_defaults(handler=_retry)


def _message_id(raw: str) -> int:
    if not raw.isdigit() or int(raw) <= 0:
        raise argparse.ArgumentTypeError(f"invalid post id {raw!r}: expected a number")
    return int(raw)


def _parked(args: argparse.Namespace) -> int:
    from bot.cli.admin import print_json, print_table
    from bot.cli.database import policy, with_unit
    from bot.domain.models import OutboxMessage
    from storage.repos.outbox import target_json

    tz = policy().timezone

    async def load(uow: SqlUnitOfWork) -> tuple[int, list[OutboxMessage]]:
        return await uow.outbox.count_parked(), await uow.outbox.parked(limit=LIST_LIMIT)

    count, messages = with_unit(load)
    records = [
        {
            "id": m.id,
            "parked_at": m.parked_at.astimezone(tz).isoformat() if m.parked_at else None,
            "chat": m.target.platform,
            "kind": target_json(m.target)["kind"],
            "ticket": m.target.ref,
            "attempts": m.attempts,
            "error": m.last_error or "",
        }
        for m in messages
    ]
    if args.json:
        print_json(records)
        return 0
    print_table(
        ["ID", "PARKED", "CHAT", "KIND", "TICKET", "ATTEMPTS", "ERROR"],
        [
            [
                str(r["id"]),
                str(r["parked_at"])[:16].replace("T", " "),
                str(r["chat"]),
                str(r["kind"]),
                str(r["ticket"] or ""),
                str(r["attempts"]),
                str(r["error"]),
            ]
            for r in records
        ],
    )
    if count > len(records):
        print(f"({len(records)} of {count} parked posts shown)")
    return 0


def _retry(args: argparse.Namespace) -> int:
    from bot.cli.compose import clock
    from bot.cli.database import with_unit

    if bool(args.all) == bool(args.ids):
        raise CliError("name the parked posts to retry (IDs from `outbox parked`), or --all")
    now = clock().now()
    wanted: list[int] | None = None if args.all else sorted(set(args.ids))

    async def unpark(uow: SqlUnitOfWork) -> int:
        if wanted is not None:
            everything = await uow.outbox.count_parked()
            parked = {m.id for m in await uow.outbox.parked(limit=everything)}
            unknown = [str(i) for i in wanted if i not in parked]
            if unknown:
                raise CliError(
                    f"no parked post {', '.join(unknown)} (see `supportbot outbox parked`)"
                )
        return await uow.outbox.unpark(message_ids=wanted, at=now)

    count = with_unit(unpark)
    print(f"{count} parked post{'' if count == 1 else 's'} back in line")
    return 0
