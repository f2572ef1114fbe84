"""Admin commands: customers, contacts, tickets. Storage is imported inside handlers."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from bot.cli.database import policy as current_policy
from bot.cli.database import register_db, with_unit
from bot.cli.main import CliError

if TYPE_CHECKING:
    from storage import SqlUnitOfWork

__all__ = ["bounded", "customer_named", "print_json", "print_table", "register"]


STATUSES = (
    "open",
    "acknowledged",
    "in_progress",
    "waiting_on_customer",
    "resolved",
    "closed",
)
# Names and ids show in chat posts and table columns; longer ones are mistakes.
MAX_NAME = 200


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Register `customer`, `contact`, `ticket`, `window` and `db`."""
    from bot.cli import contacts, customers, windows

    customers.register(sub)
    contacts.register(sub)
    _register_ticket(sub)
    windows.register(sub)
    register_db(sub)


def _register_ticket(sub: argparse._SubParsersAction[Any]) -> None:
    ticket = sub.add_parser("ticket", help="list and export tickets")
    actions = ticket.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="list tickets, newest first")
    listing.add_argument("--customer", metavar="NAME")
    listing.add_argument("--status", choices=STATUSES)
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(handler=_ticket_list)
    export = actions.add_parser("export", help="export tickets for the monthly review")
    export.add_argument("--format", choices=("csv",), required=True)
    export.add_argument("--customer", metavar="NAME")
    export.add_argument(
        "--billable", action="store_true", help="billable consultancy hours per customer and month"
    )
    export.add_argument("--output", metavar="FILE", help="write to FILE instead of stdout")
    export.set_defaults(handler=_ticket_export)


# --- plumbing ------------------------------------------------------------------------------


def bounded(flag: str, value: str | None) -> str | None:
    """`value` as a name: what cannot be stored or shown removed, direction overrides refused
    (bot.domain.text), spaces tidied, refused if longer than MAX_NAME."""
    from bot.domain.text import UnsafeTextError, clean

    if value is None:
        return None
    try:
        text = clean(value)
    except UnsafeTextError:
        raise CliError(
            f"{flag} has characters that change the order text is shown in; type it without them"
        ) from None
    tidy = " ".join(text.split())
    if len(tidy) > MAX_NAME:
        raise CliError(f"{flag} is {len(tidy)} characters long; at most {MAX_NAME}")
    return tidy


def print_json(data: Any) -> None:
    """Indented JSON on stdout, nothing in it a terminal would act on."""
    import json

    from bot.domain.text import terminal_safe

    print(terminal_safe(json.dumps(data, indent=2, ensure_ascii=False), json=True))


def print_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """Left-aligned columns on stdout, or "(none)"; nothing in a cell a terminal would act
    on, nor a line break."""
    from bot.domain.text import terminal_safe

    if not rows:
        print("(none)")
        return
    rows = [[terminal_safe(cell, newlines=False) for cell in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    for line in (headers, *rows):
        print("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())


async def customer_named(uow: SqlUnitOfWork, name: str) -> Any:
    """The customer called `name` (any case), or a one-line error naming the way to list them."""
    customer = await uow.customers.by_name(name=name)
    if customer is None:
        raise CliError(f"unknown customer {name!r} (see `supportbot customer list`)")
    return customer


# --- tickets -----------------------------------------------------------------------------------


def _ticket_list(args: argparse.Namespace) -> int:
    from bot.cli.export import ticket_record
    from bot.domain.models import TicketStatus

    policy = current_policy()
    statuses = [TicketStatus(args.status)] if args.status else None

    async def load(uow: SqlUnitOfWork) -> tuple[dict[int, str], list[Any]]:
        names = {c.id: c.name for c in await uow.customers.all()}
        customer_id = None
        if args.customer is not None:
            customer_id = (await customer_named(uow, args.customer)).id
        return names, await uow.tickets.query(customer_id=customer_id, statuses=statuses)

    names, tickets = with_unit(load)
    records = [ticket_record(t, names, policy.timezone) for t in tickets]
    if args.json:
        print_json(records)
        return 0
    columns = ("ref", "customer", "priority", "status", "opened_at", "first_response_due")
    rows = [[_short(r[c]) for c in columns] for r in records]
    print_table([c.upper().replace("_", " ") for c in columns], rows)
    return 0


def _short(value: Any) -> str:
    text = "" if value is None else str(value)
    # ISO instants in a table: "2026-11-27 10:30" reads better than the full offset form.
    if len(text) >= 16 and text[4] == "-" and text[10] == "T":
        return f"{text[:10]} {text[11:16]}"
    return text


def _ticket_export(args: argparse.Namespace) -> int:
    from bot.cli.export import billable_rows, ticket_rows, write_csv

    policy = current_policy()

    async def load(uow: SqlUnitOfWork) -> tuple[dict[int, str], list[Any], list[Any]]:
        names = {c.id: c.name for c in await uow.customers.all()}
        customer_id = None
        if args.customer is not None:
            customer_id = (await customer_named(uow, args.customer)).id
        tickets = await uow.tickets.query(customer_id=customer_id)
        return names, list(reversed(tickets)), await uow.tickets.time_entries()

    names, tickets, entries = with_unit(load)
    if args.billable:
        table = billable_rows(tickets, entries, names, policy.timezone)
    else:
        table = ticket_rows(tickets, entries, names, policy.timezone)
    if args.output is None:
        write_csv(sys.stdout, table)
        return 0
    try:
        with open(args.output, "w", newline="", encoding="utf-8") as out:
            write_csv(out, table)
    except OSError as exc:
        raise CliError(f"cannot write {args.output}: {exc.strerror or exc}") from None
    return 0
