"""`supportbot window add|list`: extraordinary service windows, announced to customers.

The bot answers "any service windows planned?" from what is recorded here.
"""

from __future__ import annotations

import argparse
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.cli.main import CliError

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from storage import SqlUnitOfWork

__all__ = ["MAX_REASON", "MAX_SERVICE", "register"]

MAX_REASON = 500
MAX_SERVICE = 100


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Register `window add` and `window list`."""
    window = sub.add_parser("window", help="extraordinary service windows")
    actions = window.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = actions.add_parser(
        "add",
        help="announce an extraordinary service window",
        description="Record a service window; customers asking about planned windows see it.",
    )
    add.add_argument("--start", required=True, metavar="ISO8601", help="start, with UTC offset")
    add.add_argument("--end", required=True, metavar="ISO8601", help="end, with UTC offset")
    add.add_argument("--reason", required=True, metavar="TEXT", help="why, as customers see it")
    add.add_argument("--service", metavar="NAME", help="the affected service (default: all)")
    add.set_defaults(handler=_window_add)
    listing = actions.add_parser("list", help="current and upcoming service windows")
    listing.add_argument("--all", action="store_true", help="past windows too")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(handler=_window_list)


def _instant(flag: str, raw: str) -> datetime:
    from bot.domain.calendar import OutOfRange, require_supported

    try:
        value = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise CliError(f"{flag} {raw!r} is not an ISO 8601 timestamp") from None
    if value.tzinfo is None or value.utcoffset() is None:
        raise CliError(f"{flag} {raw!r} has no UTC offset (add one, e.g. +01:00 or Z)")
    try:
        return require_supported(value, flag)
    except OutOfRange as exc:
        raise CliError(str(exc)) from None


def _text(flag: str, raw: str, limit: int) -> str:
    text = " ".join(raw.split())
    if not text:
        raise CliError(f"{flag} cannot be empty")
    if len(text) > limit:
        raise CliError(f"{flag} is {len(text)} characters long; at most {limit}")
    return text


def _local(at: datetime, tz: ZoneInfo) -> str:
    from bot.domain.calendar import supported

    # A row stored before dates were checked may not fit the calendar: show it, don't crash.
    return at.astimezone(tz).strftime("%Y-%m-%d %H:%M") if supported(at) else "(out of range)"


def _iso(at: datetime, tz: ZoneInfo) -> str | None:
    from bot.domain.calendar import supported

    return at.astimezone(tz).isoformat() if supported(at) else None


def _timing(start: datetime, end: datetime, now: datetime) -> str:
    """Where the window lies from now: customers are told of current and upcoming ones."""
    if end <= now:
        return " (already over: kept on record, not announced)"
    if start <= now:
        return " (under way now)"
    return ""


def _window_add(args: argparse.Namespace) -> int:
    from bot.cli.compose import clock
    from bot.cli.database import policy, with_unit

    now = clock().now()
    start = _instant("--start", args.start)
    end = _instant("--end", args.end)
    if end <= start:
        raise CliError(f"--end {args.end} must be after --start {args.start}")
    agreement = policy()
    longest = agreement.max_service_window_days
    if end - start > timedelta(days=longest):
        raise CliError(f"a service window lasts at most {longest} days (the policy's limit)")
    reason = _text("--reason", args.reason, MAX_REASON)
    service = None if args.service is None else _text("--service", args.service, MAX_SERVICE)
    tz = agreement.timezone

    async def add(uow: SqlUnitOfWork) -> Any:
        return await uow.windows.add(service=service, start=start, end=end, reason=reason)

    window = with_unit(add)
    print(
        f"service window {window.id} added: {_local(window.start, tz)} to "
        f"{_local(window.end, tz)} ({tz.key}), {window.service or 'all services'}: {reason}"
        f"{_timing(window.start, window.end, now)}"
    )
    return 0


def _window_list(args: argparse.Namespace) -> int:
    from bot.cli.admin import print_json, print_table
    from bot.cli.compose import clock
    from bot.cli.database import policy, with_unit

    tz = policy().timezone
    since = None if args.all else clock().now()

    async def load(uow: SqlUnitOfWork) -> list[Any]:
        return await uow.windows.list(start=since)

    windows = with_unit(load)
    if args.json:
        print_json(
            [
                {
                    "id": w.id,
                    "start": _iso(w.start, tz),
                    "end": _iso(w.end, tz),
                    "service": w.service,
                    "reason": w.reason,
                    "state": w.state,
                }
                for w in windows
            ]
        )
        return 0
    rows = [
        [
            str(w.id),
            _local(w.start, tz),
            _local(w.end, tz),
            w.service or "(all)",
            w.state,
            w.reason,
        ]
        for w in windows
    ]
    print_table(["ID", "START", "END", "SERVICE", "STATE", "REASON"], rows)
    return 0
