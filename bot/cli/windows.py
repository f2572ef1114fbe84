"""`supportbot window add|change|cancel|list`: extraordinary service windows, announced to
customers (the same use cases as `window add ...` typed to the bot, done as the operator).

Times are ISO 8601 with an offset, or local wall-clock times (`2026-12-01 20:00`) in the
agreement's time zone. The bot answers "any service windows planned?" from what is recorded
here, and its clock posts the notices (docs/windows.md).
"""

from __future__ import annotations

import argparse
import re
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any

from bot.cli.main import CliError

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from bot.app.desk import Desk
    from bot.app.windows import Recorded
    from bot.domain.models import ServiceWindow
    from storage import SqlUnitOfWork

__all__ = ["register"]

_LOCAL = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2})[ T](\d{1,2}):(\d{2})$")


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Register `window add|change|cancel|list`."""
    window = sub.add_parser("window", help="extraordinary service windows")
    actions = window.add_subparsers(dest="action", metavar="ACTION", required=True)
    when = "ISO 8601 with an offset, or local 'YYYY-MM-DD HH:MM' (the agreement's time zone)"
    add = actions.add_parser(
        "add",
        help="announce an extraordinary service window",
        description="Record a service window and tell every affected customer; the clock "
        "posts reminders 24 hours before, at the start and at the end.",
    )
    add.add_argument("--start", required=True, metavar="WHEN", help=f"start: {when}")
    add.add_argument("--end", required=True, metavar="WHEN", help=f"end: {when}")
    add.add_argument("--reason", required=True, metavar="TEXT", help="why, as customers see it")
    add.add_argument("--service", metavar="NAME", help="the affected service (default: all)")
    add.set_defaults(handler=_window_add)
    change = actions.add_parser(
        "change",
        help="give a service window new times, service or reason",
        description="Change a window (it keeps its id; the change is a new revision) and tell "
        "its customers; later reminders follow the new times.",
    )
    change.add_argument("id", type=int, metavar="ID", help="the window, as `window list` shows")
    change.add_argument("--start", metavar="WHEN", help=f"new start: {when}")
    change.add_argument("--end", metavar="WHEN", help=f"new end: {when}")
    change.add_argument("--reason", metavar="TEXT", help="new reason")
    service = change.add_mutually_exclusive_group()
    service.add_argument("--service", metavar="NAME", help="now for this service only")
    service.add_argument("--all-services", action="store_true", help="now for every service")
    change.set_defaults(handler=_window_change)
    cancel = actions.add_parser(
        "cancel",
        help="call off a service window",
        description="Cancel a window (kept on record as cancelled) and tell its customers.",
    )
    cancel.add_argument("id", type=int, metavar="ID", help="the window, as `window list` shows")
    cancel.add_argument("--reason", metavar="TEXT", help="why, as customers see it")
    cancel.set_defaults(handler=_window_cancel)
    listing = actions.add_parser("list", help="current and upcoming service windows")
    listing.add_argument("--all", action="store_true", help="past windows too")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(handler=_window_list)


def _instant(flag: str, raw: str, tz: ZoneInfo) -> datetime:
    from bot.app.window_commands import local_instant
    from bot.domain.calendar import OutOfRange, require_supported
    from bot.domain.windows import WindowProblem

    text = raw.strip()
    try:
        local = _LOCAL.match(text)
        if local is not None:
            day = date.fromisoformat("-".join(p.zfill(2) for p in local[1].split("-")))
            value = local_instant(day, time(int(local[2]), int(local[3])), tz)
        else:
            value = datetime.fromisoformat(text)
    except WindowProblem as exc:
        raise CliError(f"{flag} {raw!r}: {exc}") from None
    except ValueError:
        raise CliError(
            f"{flag} {raw!r} is not a time: use ISO 8601 (2026-12-01T20:00+01:00) or "
            "'2026-12-01 20:00'"
        ) from None
    if value.tzinfo is None or value.utcoffset() is None:
        value = value.replace(tzinfo=tz)
    try:
        return require_supported(value, flag)
    except OutOfRange as exc:
        raise CliError(str(exc)) from None


def _local(at: datetime, tz: ZoneInfo) -> str:
    from bot.domain.calendar import supported

    # A row stored before dates were checked may not fit the calendar: show it, don't crash.
    return at.astimezone(tz).strftime("%Y-%m-%d %H:%M") if supported(at) else "(out of range)"


def _iso(at: datetime | None, tz: ZoneInfo) -> str | None:
    from bot.domain.calendar import supported

    return at.astimezone(tz).isoformat() if at is not None and supported(at) else None


def _state(window: ServiceWindow, now: datetime) -> str:
    """As people read it: cancelled, planned, under way or over."""
    if window.cancelled:
        return "cancelled"
    if window.end <= now:
        return "over"
    return "under way" if window.start <= now else "planned"


def _with_desk(work: Any) -> Any:
    """Run `work(desk)` on the configured database; a refused window is a one-line error."""
    from bot.cli.compose import open_desk
    from bot.cli.database import run
    from bot.domain.windows import WindowProblem

    async def go() -> Any:
        async with open_desk() as wired:
            return await work(wired.desk)

    try:
        return run(go())
    except WindowProblem as exc:
        raise CliError(str(exc)) from None


def _said(done: Recorded, action: str, tz: ZoneInfo) -> int:
    from bot.cli.compose import clock

    w = done.window
    told = f"{done.customers} customer(s) told, {done.posts} post(s) queued"
    under_way = " (under way now)" if w.start <= clock().now() and not w.cancelled else ""
    print(
        f"service window {w.id} {action}: {_local(w.start, tz)} to {_local(w.end, tz)} "
        f"({tz.key}), {w.service or 'all services'}: {w.reason}{under_way} ({told})"
    )
    return 0


def _checked(flag: str, check: Any, raw: str | None) -> None:
    """A reason or service problem named by its flag (the use case checks it again)."""
    from bot.domain.windows import WindowProblem

    if raw is None:
        return
    try:
        check(raw)
    except WindowProblem as exc:
        raise CliError(f"{flag}: {exc}") from None


def _window_add(args: argparse.Namespace) -> int:
    from bot.app.windows import schedule
    from bot.cli.database import policy
    from bot.domain.windows import check_reason, check_service

    tz = policy().timezone
    start, end = _instant("--start", args.start, tz), _instant("--end", args.end, tz)
    _checked("--reason", check_reason, args.reason)
    _checked("--service", check_service, args.service)

    async def add(desk: Desk) -> Recorded:
        return await schedule(
            desk, by=None, start=start, end=end, reason=args.reason, service=args.service
        )

    return _said(_with_desk(add), "added", tz)


def _window_change(args: argparse.Namespace) -> int:
    from bot.app.windows import KEEP, change
    from bot.cli.database import policy

    tz = policy().timezone
    start = None if args.start is None else _instant("--start", args.start, tz)
    end = None if args.end is None else _instant("--end", args.end, tz)
    from bot.domain.windows import check_reason, check_service

    service = None if args.all_services else (KEEP if args.service is None else args.service)
    _checked("--reason", check_reason, args.reason)
    _checked("--service", check_service, args.service)
    if start is None and end is None and args.reason is None and service is KEEP:
        raise CliError("nothing to change: give --start, --end, --reason or a service")

    async def revise(desk: Desk) -> Recorded:
        return await change(
            desk,
            by=None,
            window_id=args.id,
            start=start,
            end=end,
            reason=args.reason,
            service=service,
        )

    return _said(_with_desk(revise), "changed", tz)


def _window_cancel(args: argparse.Namespace) -> int:
    from bot.app.windows import cancel
    from bot.cli.database import policy
    from bot.domain.windows import check_reason

    tz = policy().timezone
    if args.reason is not None and args.reason.strip():
        _checked("--reason", check_reason, args.reason)

    async def call_off(desk: Desk) -> Recorded:
        return await cancel(desk, by=None, window_id=args.id, note=args.reason)

    return _said(_with_desk(call_off), "cancelled", tz)


def _window_list(args: argparse.Namespace) -> int:
    from bot.cli.admin import print_json, print_table
    from bot.cli.compose import clock
    from bot.cli.database import policy, with_unit

    tz = policy().timezone
    now = clock().now()
    since = None if args.all else now

    async def load(uow: SqlUnitOfWork) -> list[ServiceWindow]:
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
                    "state": _state(w, now),
                    "revision": w.revision,
                    "revised_at": _iso(w.revised_at, tz),
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
            _state(w, now),
            w.reason,
        ]
        for w in windows
    ]
    print_table(["ID", "START", "END", "SERVICE", "STATE", "REASON"], rows)
    return 0
