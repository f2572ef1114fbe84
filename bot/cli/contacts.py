"""`supportbot contact add|list|remove`: chat identities bound to a customer and a role.
Storage is imported inside handlers."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from bot.cli import chat_flags
from bot.cli.admin import bounded, customer_named, print_json, print_table
from bot.cli.database import with_unit
from bot.cli.main import CliError

if TYPE_CHECKING:
    from bot.domain.models import Customer, Role
    from storage import SqlUnitOfWork

__all__ = ["register"]

ROLES = ("customer", "approver", "agent")


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Register `contact add|list|remove`."""
    contact = sub.add_parser("contact", help="bind chat identities to customers and roles")
    actions = contact.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = actions.add_parser(
        "add",
        help="bind a Slack or Teams user to a customer and role",
        description="Customer contacts and approvers belong to a customer; agents belong to the "
        "service provider's organisation (`customer add NAME --provider`).",
    )
    add.add_argument("--customer", metavar="NAME", required=True)
    chat_flags.add_identity_flags(add)
    add.add_argument("--role", choices=ROLES, required=True)
    add.add_argument("--name", default="", help="display name")
    add.set_defaults(handler=_contact_add)
    listing = actions.add_parser("list", help="list contacts")
    listing.add_argument("--customer", metavar="NAME")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(handler=_contact_list)
    remove = actions.add_parser(
        "remove",
        help="unbind a Slack or Teams user (e.g. one who left): takes effect at once",
        description="The user can no longer file, approve or act as an agent; tickets they "
        "filed or worked on keep their name in the history.",
    )
    chat_flags.add_identity_flags(remove)
    remove.set_defaults(handler=_contact_remove)


def _contact_add(args: argparse.Namespace) -> int:
    from bot.domain.models import Role

    identity = chat_flags.identity_of(args)
    role = Role(args.role)
    display_name = bounded("--name", args.name) or ""

    async def add(uow: SqlUnitOfWork) -> Any:
        from bot.app.ports import DuplicateError

        customer = await customer_named(uow, args.customer)
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
        customer = await customer_named(uow, args.customer)
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


def _contact_remove(args: argparse.Namespace) -> int:
    identity = chat_flags.identity_of(args)

    async def remove(uow: SqlUnitOfWork) -> tuple[str, str]:
        removed = await uow.contacts.remove(identity=identity)
        if removed is None:
            raise CliError(f"{identity} is not registered (see `supportbot contact list`)")
        owner = await uow.customers.get(customer_id=removed.customer_id)
        return removed.role.value, owner.name if owner else f"customer {removed.customer_id}"

    role, owner = with_unit(remove)
    print(f"{identity} removed ({role} of {owner})")
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
