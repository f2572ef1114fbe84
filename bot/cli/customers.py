"""`supportbot customer add|list|set|remove`: customer organisations, their chat bindings and
their hypercare period. Storage is imported inside handlers."""

from __future__ import annotations

import argparse
from datetime import date
from typing import TYPE_CHECKING, Any

from bot.cli import chat_flags
from bot.cli.admin import bounded, customer_named, print_json, print_table
from bot.cli.database import policy as current_policy
from bot.cli.database import with_unit
from bot.cli.main import CliError

if TYPE_CHECKING:
    from bot.domain.models import Customer, HypercarePeriod
    from storage import SqlUnitOfWork

__all__ = ["register"]

# Open tickets named in a refusal to remove a customer; the rest are counted.
NAMED_TICKETS = 3


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Register `customer add|list|set|remove`."""
    customer = sub.add_parser("customer", help="register, change and remove customers")
    actions = customer.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="register a customer organisation")
    add.add_argument("name", metavar="NAME")
    chat_flags.add_binding_flags(add)
    _hypercare_flags(add)
    add.add_argument(
        "--provider",
        action="store_true",
        help="this is the service provider's own organisation (where agents belong); one only",
    )
    add.set_defaults(handler=_customer_add)
    listing = actions.add_parser("list", help="list customers")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(handler=_customer_list)
    change = actions.add_parser(
        "set",
        help="change a customer's chat ids or hypercare",
        description="Flags not given stay as they are; an empty id removes it, e.g. "
        "--slack-channel ''. A customer without hypercare needs --go-live and "
        "--hypercare-weeks together.",
    )
    change.add_argument("name", metavar="NAME")
    chat_flags.add_binding_flags(change, clearing=True)
    _hypercare_flags(change)
    change.add_argument(
        "--no-hypercare", action="store_true", help="remove the customer's hypercare period"
    )
    change.set_defaults(handler=_customer_set)
    remove = actions.add_parser(
        "remove",
        help="remove a customer registered by mistake",
        description="Refused while the customer has tickets: their history stays for exports "
        "and billing. To end a customer's access, remove its contacts (`contact remove`) and "
        "chat ids (`customer set NAME --slack-channel '' ...`).",
    )
    remove.add_argument("name", metavar="NAME")
    remove.set_defaults(handler=_customer_remove)


def _hypercare_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--go-live", metavar="YYYY-MM-DD", help="go-live date (starts hypercare)")
    parser.add_argument("--hypercare-weeks", metavar="N", type=int, help="agreed hypercare weeks")


def _go_live(raw: str | None) -> date | None:
    """The --go-live date, within the years the business calendar knows."""
    from bot.domain.calendar import OutOfRange, require_supported

    if raw is None:
        return None
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        raise CliError(f"invalid --go-live date {raw!r}: use YYYY-MM-DD") from None
    try:
        return require_supported(value, "--go-live")
    except OutOfRange as exc:
        raise CliError(str(exc)) from None


def _weeks(weeks: int | None) -> int | None:
    """--hypercare-weeks, from the agreement's minimum to a year."""
    from bot.domain.policy import MAX_HYPERCARE_WEEKS

    if weeks is None:
        return None
    minimum = current_policy().hypercare_minimum_weeks
    if not minimum <= weeks <= MAX_HYPERCARE_WEEKS:
        raise CliError(
            f"--hypercare-weeks must be from {minimum} (the agreement's minimum) to "
            f"{MAX_HYPERCARE_WEEKS}, got {weeks}"
        )
    return weeks


async def _bind(uow: SqlUnitOfWork, customer_id: int | None, args: argparse.Namespace) -> Any:
    """Add (customer_id None) or change a customer with the binding flags applied."""
    from bot.app.ports import BindingTakenError, DuplicateError

    current = None if customer_id is None else await uow.customers.get(customer_id=customer_id)
    bindings = chat_flags.new_bindings(args, current)
    await chat_flags.check_tenant_free(uow, customer_id, bindings)
    try:
        if customer_id is None:
            name = bounded("the customer name", args.name) or ""
            return await uow.customers.add(name=name, bindings=bindings, is_provider=args.provider)
        return await uow.customers.update(customer_id=customer_id, bindings=bindings)
    except BindingTakenError as exc:
        raise CliError(chat_flags.taken(exc)) from None
    except DuplicateError as exc:
        raise CliError(str(exc)) from None


def _customer_add(args: argparse.Namespace) -> int:
    if not bounded("the customer name", args.name):
        raise CliError("a customer needs a name")
    chat_flags.new_bindings(args)  # every id checked before the database is opened
    go_live, weeks = _go_live(args.go_live), _weeks(args.hypercare_weeks)
    if (go_live is None) != (weeks is None):
        raise CliError("--go-live and --hypercare-weeks go together")
    if args.provider and go_live is not None:
        raise CliError("the service provider has no go-live or hypercare of its own")

    async def add(uow: SqlUnitOfWork) -> Any:
        customer = await _bind(uow, None, args)
        if go_live is not None and weeks is not None:
            await uow.hypercare.add(customer_id=customer.id, start=go_live, weeks=weeks)
        return customer

    customer = with_unit(add)
    what = "service provider" if customer.is_provider else "customer"
    print(f"{what} {customer.name} added (id {customer.id})")
    chat_flags.warn_unannounced(customer)
    return 0


def _customer_list(args: argparse.Namespace) -> int:
    async def load(uow: SqlUnitOfWork) -> list[dict[str, Any]]:
        periods = {p.customer_id: p for p in await uow.hypercare.all_current()}
        return [
            {**_customer_json(c, periods.get(c.id)), **await chat_flags.reachability(uow, c)}
            for c in await uow.customers.all()
        ]

    records = with_unit(load)
    if args.json:
        print_json(records)
        return 0
    rows = [
        [
            f"{r['name']} (provider)" if r["is_provider"] else r["name"],
            r["slack_channel"] or "",
            chat_flags.teams_cell(r),
            r["go_live"] or "",
            str(r["hypercare_weeks"] or ""),
        ]
        for r in records
    ]
    print_table(["NAME", "SLACK CHANNEL", "TEAMS TENANT", "GO-LIVE", "HYPERCARE WEEKS"], rows)
    return 0


def _customer_json(c: Customer, period: HypercarePeriod | None) -> dict[str, Any]:
    return {
        "id": c.id,
        "name": c.name,
        **chat_flags.binding_columns(c),
        "go_live": period.start.isoformat() if period else None,
        "hypercare_weeks": period.weeks if period else None,
        "is_provider": c.is_provider,
    }


def _customer_set(args: argparse.Namespace) -> int:
    binding_flags = ("slack_team", "slack_channel", "teams_tenant", "teams_channel")
    go_live, weeks = _go_live(args.go_live), _weeks(args.hypercare_weeks)
    hypercare = go_live is not None or weeks is not None
    if args.no_hypercare and hypercare:
        raise CliError("--no-hypercare removes hypercare: give it without --go-live or weeks")
    ids = any(getattr(args, flag) is not None for flag in binding_flags)
    if not (ids or hypercare or args.no_hypercare):
        raise CliError(
            "nothing to change: give chat ids, --go-live and/or --hypercare-weeks, or "
            "--no-hypercare (see `supportbot customer set --help`)"
        )

    async def change(uow: SqlUnitOfWork) -> Any:
        customer = await customer_named(uow, args.name)
        if customer.is_provider and hypercare:
            raise CliError("the service provider has no go-live or hypercare of its own")
        updated = await _bind(uow, customer.id, args)
        period = await uow.hypercare.current(customer_id=customer.id)
        if args.no_hypercare:
            await uow.hypercare.remove(customer_id=customer.id)
        elif period is not None and hypercare:
            changes = {"start": go_live, "weeks": weeks}
            await uow.hypercare.update(
                period_id=period.id, **{k: v for k, v in changes.items() if v is not None}
            )
        elif hypercare:
            if go_live is None or weeks is None:
                raise CliError(
                    f"{customer.name} has no hypercare yet: --go-live and --hypercare-weeks "
                    "go together"
                )
            await uow.hypercare.add(customer_id=customer.id, start=go_live, weeks=weeks)
        return updated

    customer = with_unit(change)
    print(f"customer {customer.name} changed")
    chat_flags.warn_unannounced(customer)
    return 0


def _customer_remove(args: argparse.Namespace) -> int:
    from bot.domain.models import TicketStatus

    done = (TicketStatus.RESOLVED, TicketStatus.CLOSED)
    open_statuses = [s for s in TicketStatus if s not in done]

    async def remove(uow: SqlUnitOfWork) -> tuple[str, int]:
        customer = await customer_named(uow, args.name)
        still_open = await uow.tickets.query(customer_id=customer.id, statuses=open_statuses)
        if still_open:
            oldest = list(reversed(still_open))[:NAMED_TICKETS]
            named = ", ".join(t.ref for t in oldest)
            more = len(still_open) - NAMED_TICKETS
            if more > 0:
                named += f" and {more} more"
            raise CliError(
                f"{customer.name} has {len(still_open)} open ticket"
                f"{'' if len(still_open) == 1 else 's'} ({named}): resolve or close them first"
            )
        if await uow.tickets.query(customer_id=customer.id, limit=1):
            raise CliError(
                f"{customer.name} has ticket history, which stays for exports and billing: "
                "to end its access, remove its contacts (`contact remove`) and chat ids "
                "(`customer set`)"
            )
        contacts = await uow.contacts.for_customer(customer_id=customer.id)
        for contact in contacts:
            await uow.contacts.remove(identity=contact.identity)
        await uow.hypercare.remove(customer_id=customer.id)
        await uow.customers.remove(customer_id=customer.id)
        return customer.name, len(contacts)

    name, contacts = with_unit(remove)
    suffix = "" if not contacts else f", with its {contacts} contact{'' if contacts == 1 else 's'}"
    print(f"customer {name} removed{suffix}")
    return 0
