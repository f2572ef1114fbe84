"""Admin commands: customers, contacts, tickets. Storage is imported inside handlers."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from bot.cli.database import policy as current_policy
from bot.cli.database import register_db, with_unit
from bot.cli.main import CliError

if TYPE_CHECKING:
    from bot.app.ports import BindingTakenError
    from bot.domain.models import ChatBinding, Customer, Role
    from storage import SqlUnitOfWork

__all__ = ["register"]


ROLES = ("customer", "approver", "agent")
STATUSES = (
    "open",
    "acknowledged",
    "in_progress",
    "waiting_on_customer",
    "resolved",
    "closed",
)
# Chat ids as Slack and Microsoft issue them; a typo here would silently never match.
_SLACK_USER = re.compile(r"[UW][A-Z0-9]{2,}")
_SLACK_TEAM = re.compile(r"[TE][A-Z0-9]{2,}")
_SLACK_CHANNEL = re.compile(r"[CGD][A-Z0-9]{2,}")
_GUID = re.compile(r"[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
_GUID_EXAMPLE = "8c6f1a2e-0b7d-4e4f-9a51-2f3c4d5e6f70"
# Hypercare is agreed in weeks; beyond a year it is a typo, not an agreement.
MAX_HYPERCARE_WEEKS = 52
# Names and ids show in chat posts and table columns; longer ones are mistakes.
MAX_NAME = 200


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Register `customer`, `contact`, `ticket`, `window` and `db`."""
    from bot.cli import windows

    _register_customer(sub)
    _register_contact(sub)
    _register_ticket(sub)
    windows.register(sub)
    register_db(sub)


def _register_customer(sub: argparse._SubParsersAction[Any]) -> None:
    customer = sub.add_parser("customer", help="register and list customers")
    actions = customer.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="register a customer organisation")
    add.add_argument("name", metavar="NAME")
    add.add_argument("--slack-team", metavar="T", help="Slack workspace id (T...)")
    add.add_argument("--slack-channel", metavar="C", help="Slack support channel id (C...)")
    add.add_argument("--teams-tenant", metavar="ID", help="Microsoft Entra tenant id")
    add.add_argument("--teams-channel", metavar="ID", help="Teams support channel id")
    add.add_argument("--go-live", metavar="YYYY-MM-DD", help="go-live date (starts hypercare)")
    add.add_argument("--hypercare-weeks", metavar="N", type=int, help="agreed hypercare weeks")
    add.add_argument(
        "--provider",
        action="store_true",
        help="this is the service provider's own organisation (where agents belong); one only",
    )
    add.set_defaults(handler=_customer_add)
    listing = actions.add_parser("list", help="list customers")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(handler=_customer_list)


def _register_contact(sub: argparse._SubParsersAction[Any]) -> None:
    contact = sub.add_parser("contact", help="bind chat identities to customers and roles")
    actions = contact.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = actions.add_parser(
        "add",
        help="bind a Slack or Teams user to a customer and role",
        description="Customer contacts and approvers belong to a customer; agents belong to the "
        "service provider's organisation (`customer add NAME --provider`).",
    )
    add.add_argument("--customer", metavar="NAME", required=True)
    who = add.add_mutually_exclusive_group(required=True)
    who.add_argument("--slack-user", metavar="U", help="Slack user id (U...)")
    who.add_argument("--teams-user", metavar="AAD_ID", help="Microsoft Entra object id")
    add.add_argument("--role", choices=ROLES, required=True)
    add.add_argument("--name", default="", help="display name")
    add.set_defaults(handler=_contact_add)
    listing = actions.add_parser("list", help="list contacts")
    listing.add_argument("--customer", metavar="NAME")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(handler=_contact_list)


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


def _check(pattern: re.Pattern[str], value: str | None, what: str, example: str) -> str | None:
    """The id, normalised as the chat platform writes it (Slack upper case, GUIDs lower)."""
    if value is None:
        return None
    cleaned = value.strip().lower() if pattern is _GUID else value.strip().upper()
    if not pattern.fullmatch(cleaned):
        raise CliError(f"invalid {what} {value!r}: expected an id like {example}")
    return cleaned


def _bounded(flag: str, value: str | None) -> str | None:
    """`value` with its spaces tidied, refused if longer than MAX_NAME."""
    if value is None:
        return None
    tidy = " ".join(value.split())
    if len(tidy) > MAX_NAME:
        raise CliError(f"{flag} is {len(tidy)} characters long; at most {MAX_NAME}")
    return tidy


def print_json(data: Any) -> None:
    """Indented JSON on stdout."""
    import json

    print(json.dumps(data, indent=2, ensure_ascii=False))


def print_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """Left-aligned columns on stdout, or "(none)"."""
    if not rows:
        print("(none)")
        return
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    for line in (headers, *rows):
        print("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())


# --- customers and contacts -------------------------------------------------------------------


def _customer_add(args: argparse.Namespace) -> int:
    name = _bounded("the customer name", args.name) or ""
    if not name:
        raise CliError("a customer needs a name")
    teams_channel = _bounded("--teams-channel", args.teams_channel) or None
    slack_team = _check(_SLACK_TEAM, args.slack_team, "--slack-team", "T0123ABCD")
    slack_channel = _check(_SLACK_CHANNEL, args.slack_channel, "--slack-channel", "C0123ABCD")
    tenant = _check(_GUID, args.teams_tenant, "--teams-tenant", _GUID_EXAMPLE)
    go_live: date | None = None
    if args.go_live is not None:
        try:
            go_live = date.fromisoformat(args.go_live)
        except ValueError:
            raise CliError(f"invalid --go-live date {args.go_live!r}: use YYYY-MM-DD") from None
    if (go_live is None) != (args.hypercare_weeks is None):
        raise CliError("--go-live and --hypercare-weeks go together")
    if args.provider and go_live is not None:
        raise CliError("the service provider has no go-live or hypercare of its own")
    if args.hypercare_weeks is not None:
        minimum = current_policy().hypercare_minimum_weeks
        if not minimum <= args.hypercare_weeks <= MAX_HYPERCARE_WEEKS:
            raise CliError(
                f"--hypercare-weeks must be from {minimum} (the agreement's minimum) to "
                f"{MAX_HYPERCARE_WEEKS}, got {args.hypercare_weeks}"
            )

    bindings = _bindings(slack_team, slack_channel, tenant, teams_channel)

    async def add(uow: SqlUnitOfWork) -> Any:
        from bot.app.ports import BindingTakenError, DuplicateError

        await _check_tenant_free(uow, None, bindings)
        try:
            return await uow.customers.add(
                name=name,
                bindings=bindings,
                go_live=go_live,
                hypercare_weeks=args.hypercare_weeks,
                is_provider=args.provider,
            )
        except BindingTakenError as exc:
            raise CliError(_taken(exc)) from None
        except DuplicateError as exc:
            raise CliError(str(exc)) from None

    customer = with_unit(add)
    what = "service provider" if customer.is_provider else "customer"
    print(f"{what} {customer.name} added (id {customer.id})")
    _warn_unannounced(customer)
    return 0


def _bindings(
    slack_team: str | None,
    slack_channel: str | None,
    teams_tenant: str | None,
    teams_channel: str | None,
) -> list[ChatBinding]:
    """The chat bindings the Slack and Teams flags describe."""
    from adapters.slack.settings import PLATFORM as SLACK
    from adapters.teams import PLATFORM as TEAMS
    from bot.domain.models import ChatBinding

    bindings = []
    if slack_team or slack_channel:
        bindings.append(ChatBinding(SLACK, slack_team, slack_channel))
    if teams_tenant or teams_channel:
        bindings.append(ChatBinding(TEAMS, teams_tenant, teams_channel))
    return bindings


async def _check_tenant_free(
    uow: SqlUnitOfWork, customer_id: int | None, bindings: Sequence[ChatBinding]
) -> None:
    """A Teams tenant is one organisation: refuse one that another customer has already."""
    from adapters.teams import PLATFORM as TEAMS

    tenant = next((b.workspace for b in bindings if b.platform == TEAMS and b.workspace), None)
    if tenant is None:
        return
    for other in await uow.customers.all():
        binding = other.binding(TEAMS)
        if other.id != customer_id and binding is not None and binding.workspace == tenant:
            raise CliError(f"Teams tenant {tenant} already belongs to {other.name}")


def _taken(exc: BindingTakenError) -> str:
    """The clash in the words of the flags that caused it."""
    from adapters.slack.settings import PLATFORM as SLACK

    b = exc.binding
    chat = "" if b.platform == SLACK else "Teams "
    if exc.whole_workspace:
        place = "Slack workspace" if b.platform == SLACK else "Teams tenant"
        return f"{place} {b.workspace} already belongs to {exc.holder}"
    return f"{chat}channel {b.conversation} is already the support channel of {exc.holder}"


def _warn_unannounced(customer: Customer) -> None:
    """One line on stderr if a Slack workspace is bound without a channel to announce in."""
    from adapters.slack.settings import PLATFORM as SLACK

    slack = customer.binding(SLACK)
    if slack is not None and slack.conversation is None:
        print(
            f"supportbot: warning: {customer.name} has a Slack workspace but no --slack-channel: "
            "its tickets filed in Slack will not be announced anywhere",
            file=sys.stderr,
        )


def _customer_list(args: argparse.Namespace) -> int:
    async def load(uow: SqlUnitOfWork) -> Any:
        return await uow.customers.all()

    records = [_customer_json(c) for c in with_unit(load)]
    if args.json:
        print_json(records)
        return 0
    rows = [
        [
            f"{r['name']} (provider)" if r["is_provider"] else r["name"],
            r["slack_channel"] or "",
            r["teams_tenant"] or "",
            r["go_live"] or "",
            str(r["hypercare_weeks"] or ""),
        ]
        for r in records
    ]
    print_table(["NAME", "SLACK CHANNEL", "TEAMS TENANT", "GO-LIVE", "HYPERCARE WEEKS"], rows)
    return 0


def _customer_json(c: Customer) -> dict[str, Any]:
    from adapters.slack.settings import PLATFORM as SLACK
    from adapters.teams import PLATFORM as TEAMS

    slack, teams = c.binding(SLACK), c.binding(TEAMS)
    return {
        "id": c.id,
        "name": c.name,
        "slack_team": slack.workspace if slack else None,
        "slack_channel": slack.conversation if slack else None,
        "teams_tenant": teams.workspace if teams else None,
        "teams_channel": teams.conversation if teams else None,
        "go_live": c.go_live.isoformat() if c.go_live else None,
        "hypercare_weeks": c.hypercare_weeks,
        "is_provider": c.is_provider,
    }


def _contact_add(args: argparse.Namespace) -> int:
    from adapters.slack.settings import PLATFORM as SLACK
    from adapters.teams import PLATFORM as TEAMS
    from bot.domain.models import Identity, Role

    if args.slack_user is not None:
        user = _check(_SLACK_USER, args.slack_user, "--slack-user", "U0123ABCD")
        identity = Identity(SLACK, str(user))
    else:
        user = _check(_GUID, args.teams_user, "--teams-user", _GUID_EXAMPLE)
        identity = Identity(TEAMS, str(user))
    role = Role(args.role)
    display_name = _bounded("--name", args.name) or ""

    async def add(uow: SqlUnitOfWork) -> Any:
        from bot.app.ports import DuplicateError

        customer = await _customer_named(uow, args.customer)
        _check_role(customer, role)
        bound = await uow.contacts.find(identity=identity)
        if bound is not None:
            owner = await uow.customers.get(customer_id=bound.customer_id)
            where = owner.name if owner else f"customer {bound.customer_id}"
            raise CliError(f"{identity} is already bound to {where} as {bound.role.value}")
        try:
            await uow.contacts.add(
                customer_id=customer.id, identity=identity, role=role, display_name=display_name
            )
        except DuplicateError as exc:
            raise CliError(str(exc)) from None
        return customer

    customer = with_unit(add)
    print(f"{identity} bound to {customer.name} as {role.value}")
    return 0


def _contact_list(args: argparse.Namespace) -> int:
    async def load(uow: SqlUnitOfWork) -> tuple[dict[int, str], list[Any]]:
        names = {c.id: c.name for c in await uow.customers.all()}
        if args.customer is None:
            return names, await uow.contacts.all()
        customer = await _customer_named(uow, args.customer)
        return names, await uow.contacts.for_customer(customer_id=customer.id)

    names, contacts = with_unit(load)
    records = [
        {
            "customer": names.get(c.customer_id, ""),
            "channel": c.identity.platform,
            "user": c.identity.user_id,
            "role": c.role.value,
            "name": c.display_name,
        }
        for c in contacts
    ]
    if args.json:
        print_json(records)
    else:
        print_table(
            ["CUSTOMER", "CHANNEL", "USER", "ROLE", "NAME"], [list(r.values()) for r in records]
        )
    return 0


def _check_role(organisation: Customer, role: Role) -> None:
    """Agents belong to the service provider; customer contacts and approvers to a customer."""
    from bot.domain.models import Role

    if role is Role.AGENT and not organisation.is_provider:
        raise CliError(
            f"agents belong to the service provider, and {organisation.name} is a customer "
            "(register the provider with `supportbot customer add NAME --provider`)"
        )
    if role is not Role.AGENT and organisation.is_provider:
        raise CliError(
            f"{organisation.name} is the service provider: its contacts are agents "
            f"(--role agent), {role.value}s belong to a customer"
        )


async def _customer_named(uow: SqlUnitOfWork, name: str) -> Any:
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
            customer_id = (await _customer_named(uow, args.customer)).id
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
            customer_id = (await _customer_named(uow, args.customer)).id
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
