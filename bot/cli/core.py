"""Core commands: `sla due`, `classify`, `calendar` — the agreement's arithmetic from a shell.

These commands need only bot.domain; they import it inside their handlers so that
`supportbot --help` stays instant, and never touch storage or chat SDKs.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.cli.main import CliError, _Parser

if TYPE_CHECKING:
    from bot.domain.policy import Policy

__all__ = ["quick_parse", "register"]

PRIORITIES = ("highest", "high", "medium", "low", "lowest")
AFFECTED = ("all", "some", "single")


class _GatheringParser(_Parser):
    """Gathers every `--opened X [Y ...]` into one `--opened X Y ...` before parsing.

    argparse rescans all option positions after each option it consumes, so 10,000 repeated
    options cost seconds; one option with 10,000 values costs milliseconds.
    """

    gather = "--opened"

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        """Parse after gathering the repeated option's values, keeping their order."""
        if args is None:
            args = sys.argv[1:]
        flag, prefix = self.gather, self.gather + "="
        rest: list[str] = []
        values: list[str] = []
        i, n = 0, len(args)
        while i < n:
            arg = args[i]
            if arg == flag and i + 1 < n and not args[i + 1].startswith("-"):
                # Like nargs="+": every value up to the next option belongs to this flag.
                i += 1
                while i < n and not args[i].startswith("-"):
                    values.append(args[i])
                    i += 1
            elif arg.startswith(prefix):
                values.append(arg[len(prefix) :])
                i += 1
            elif arg == "--":
                rest.extend(args[i:])
                break
            else:
                rest.append(arg)
                i += 1
        if values:
            rest[len(rest) :] = [flag, *values]
        return super().parse_known_args(rest, namespace)


def quick_parse(argv: Sequence[str]) -> argparse.Namespace | None:
    """`sla due` arguments read in one pass when plainly well formed; None means "use argparse".

    Building the whole command tree and letting argparse match 10,000 `--opened` values costs
    more than computing their due times. Anything unusual (help, an abbreviation, an unknown
    or missing option, an unknown priority) returns None, so the full parser reports it with
    the usual usage line and error. Values are read as _GatheringParser reads them.
    """
    if len(argv) < 2 or argv[0] != "sla" or argv[1] != "due":
        return None
    priority: str | None = None
    opened: list[str] = []
    as_json = False
    i, n = 2, len(argv)
    while i < n:
        arg = argv[i]
        i += 1
        if arg == "--opened":
            start = i
            while i < n and not argv[i].startswith("-"):
                i += 1
            if i == start:
                return None
            opened += argv[start:i]
        elif arg == "--priority" and i < n and argv[i] in PRIORITIES:
            priority = argv[i]
            i += 1
        elif arg == "--json":
            as_json = True
        elif arg.startswith("--opened=") and not arg.startswith("--opened=-"):
            opened.append(arg[9:])
        elif arg.startswith("--priority=") and arg[11:] in PRIORITIES:
            priority = arg[11:]
        else:
            return None
    if priority is None or not opened:
        return None
    return argparse.Namespace(
        version=False,
        command="sla",
        sla_command="due",
        priority=priority,
        opened=opened,
        json=as_json,
        handler=_sla_due,
    )


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Register `sla`, `classify` and `calendar`."""
    sla = sub.add_parser("sla", help="first-response SLA arithmetic")
    sla_sub = sla.add_subparsers(
        dest="sla_command", metavar="COMMAND", required=True, parser_class=_GatheringParser
    )
    due = sla_sub.add_parser(
        "due",
        help="due instant of a first response",
        description="Print, for each --opened instant in order, when the first response is due "
        "(ISO 8601 in the policy's time zone).",
    )
    due.add_argument("--priority", required=True, choices=PRIORITIES)
    due.add_argument(
        "--opened",
        required=True,
        action="extend",
        nargs="+",
        metavar="ISO8601",
        help="when the ticket was opened, with its UTC offset; repeatable",
    )
    _json_flag(due)
    due.set_defaults(handler=_sla_due)

    classify = sub.add_parser(
        "classify",
        help="priority from the agreement's table",
        description="Classify by who is affected and the risk of data loss, or as an inquiry.",
    )
    classify.add_argument("--affected", choices=AFFECTED)
    classify.add_argument("--data-loss", choices=("yes", "no"))
    classify.add_argument("--inquiry", action="store_true", help="the request is an inquiry")
    _json_flag(classify)
    classify.set_defaults(handler=_classify)

    calendar = sub.add_parser(
        "calendar",
        help="weekdays the desk is closed in a year",
        description="List the weekdays of a year on which the desk is closed, with their names.",
    )
    calendar.add_argument("--year", required=True, type=int, metavar="YYYY")
    _json_flag(calendar)
    calendar.set_defaults(handler=_calendar)


def _json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON")


def _policy() -> Policy:
    from bot.cli.database import policy

    return policy()


def _instant(raw: str) -> datetime:
    """An aware instant from ISO 8601 text, or a CliError saying what is wrong with it."""
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise CliError(f"--opened {raw!r} is not an ISO 8601 timestamp") from None
    if value.tzinfo is None:
        raise CliError(f"--opened {raw!r} has no UTC offset (add one, e.g. +01:00 or Z)")
    return value


def _out_of_range(raw: Sequence[str], opened: Sequence[datetime], due: Any) -> str:
    """Name the first --opened value the calendar cannot handle, and its year as written."""
    from bot.domain.calendar import MAX_YEAR, MIN_YEAR

    span = f"the supported range {MIN_YEAR}-{MAX_YEAR}"
    for text, at in zip(raw, opened, strict=True):
        if not MIN_YEAR <= at.year <= MAX_YEAR:
            return f"--opened {text!r}: year {at.year} is outside {span}"
        try:
            due(at)
        except ValueError:
            return f"--opened {text!r}: the first response would be due after {span}"
    return f"--opened: outside {span}"


def _write(text: str) -> None:
    sys.stdout.write(text + "\n")


def _write_json(value: Any) -> None:
    import json  # only when asked for: it costs `sla due` start-up a few milliseconds

    _write(json.dumps(value, indent=2, ensure_ascii=False))


def _sla_due(args: argparse.Namespace) -> int:
    policy = _policy()
    from bot.domain.calendar import BusinessCalendar

    calendar = BusinessCalendar(policy)
    hours = policy.priority(args.priority).first_response_hours
    target = timedelta(hours=hours)
    # Parse every instant before printing anything: one bad value means no output at all.
    opened = [_instant(raw) for raw in args.opened]
    try:
        due = calendar.add_business_time_each(opened, target)
    except ValueError:
        add = calendar.add_business_time
        raise CliError(_out_of_range(args.opened, opened, lambda at: add(at, target))) from None
    # Many tickets share a due instant (all opened in one night, say): format each once.
    text = {at: at.isoformat() for at in dict.fromkeys(due)}
    if args.json:
        rows = [
            {
                "opened": at.isoformat(),
                "priority": args.priority,
                "due": text[d],
                "first_response_hours": hours,
            }
            for at, d in zip(opened, due, strict=True)
        ]
        _write_json(rows)
    else:
        _write("\n".join([text[d] for d in due]))
    return 0


def _classify(args: argparse.Namespace) -> int:
    if args.inquiry == (args.affected is not None or args.data_loss is not None):
        raise CliError("give either --affected and --data-loss, or --inquiry")
    if not args.inquiry and (args.affected is None or args.data_loss is None):
        raise CliError("--affected and --data-loss go together")
    policy = _policy()
    from bot.domain.policy import Affected
    from bot.domain.priority import classify

    if args.inquiry:
        result = classify(policy, inquiry=True)
    else:
        result = classify(
            policy, affected=Affected(args.affected), data_loss=args.data_loss == "yes"
        )
    if args.json:
        payload = {
            "priority": result.priority.value,
            "name": result.name,
            "first_response_hours": result.first_response_hours,
            "reason": result.reason,
        }
        _write_json(payload)
    else:
        unit = "hour" if result.first_response_hours == 1 else "hours"
        _write(
            f"Priority:        {result.name} ({result.priority.value})\n"
            f"First response:  within {result.first_response_hours} business {unit}\n"
            f"Reason:          {result.reason}"
        )
    return 0


def _calendar(args: argparse.Namespace) -> int:
    policy = _policy()
    from bot.domain.calendar import MAX_YEAR, MIN_YEAR, BusinessCalendar

    if not MIN_YEAR <= args.year <= MAX_YEAR:
        raise CliError(f"--year {args.year} is out of range {MIN_YEAR}-{MAX_YEAR}")
    days = BusinessCalendar(policy).closed_days(args.year)
    if args.json:
        _write_json([{"date": d.date.isoformat(), "name": d.name} for d in days])
    else:
        _write("\n".join(f"{d.date.isoformat()}  {d.date:%a}  {d.name}" for d in days))
    return 0
