"""Who sits at the console: the demo organisation it seeds on first run and its personas, or
one registered contact of a real database.

Console identities are named `console:<name>` (the demo's: console:carla, console:anders,
console:agnes, and console:erik, an unregistered end user). `supportbot chat --as-user`
takes any registered contact's identity as `supportbot contact list` shows it, platform and
id (`slack:U0123ABCD`, `console:carla`), or the id alone when only one contact has it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from adapters.console import PLATFORM
from bot.app.callers import Origin
from bot.app.ports import Store, UnitOfWork
from bot.domain.models import Customer, Identity, Role
from bot.domain.policy import Policy

__all__ = [
    "DEMO_CUSTOMER",
    "DEMO_PROVIDER",
    "PERSONAS",
    "Cast",
    "ConsoleRefusal",
    "Persona",
    "cast",
    "origin_of",
]

DEMO_CUSTOMER = "Nordlys Retail A/S"
DEMO_PROVIDER = "Fjordsoft ApS"  # the service provider, where the agent works
DEMO_HYPERCARE_WEEKS = 4


@dataclass(frozen=True, slots=True)
class Persona:
    """A console identity: the `--as` role name, the chat identity and a display name."""

    role: str
    identity: Identity
    name: str
    contact_role: Role | None  # None: an unregistered end user of the demo customer


PERSONAS = {
    p.role: p
    for p in (
        Persona("customer", Identity(PLATFORM, "carla"), "Carla Jensen", Role.CUSTOMER),
        Persona("approver", Identity(PLATFORM, "anders"), "Anders Holm", Role.APPROVER),
        Persona("agent", Identity(PLATFORM, "agnes"), "Agnes Berg", Role.AGENT),
        Persona("end-user", Identity(PLATFORM, "erik"), "Erik Nielsen", None),
    )
}


@dataclass(frozen=True, slots=True)
class Cast:
    """Who may sit at the console this run: the personas `/as` switches between (by role
    name), the organisation they sit at, and whether it is the demo."""

    personas: dict[str, Persona]
    customer: Customer
    demo: bool


class ConsoleRefusal(ValueError):
    """The console will not run on this database as asked (one line, for the CLI)."""


async def cast(
    store: Store, policy: Policy, now: datetime, *, demo: bool = False, as_user: str | None = None
) -> Cast:
    """Who sits at the console: a registered contact (`as_user`), or the demo's personas.

    The demo is seeded only into a database that has no customers yet, or holds nothing but
    the demo, or when `demo` asks for it; a database with customers of its own otherwise is
    refused (ConsoleRefusal). Console contacts never join a real provider organisation.
    """
    async with store.unit() as uow:
        if as_user is not None:
            return await _registered(uow, as_user)
        own = await _customers_of_its_own(uow)
        if own and not demo:
            raise ConsoleRefusal(
                f"this database has customers of its own ({', '.join(own)}): run "
                "`supportbot chat --as-user ID` as one of its contacts (see `supportbot "
                "contact list`), or add --demo to chat with the demo customer beside them"
            )
        customer = await _seed(uow, policy, now, provider=not own)
        personas = {}
        for persona in PERSONAS.values():
            seated = persona.contact_role is None or await uow.contacts.find(
                identity=persona.identity
            )
            if seated:
                personas[persona.role] = persona
        return Cast(personas, customer, demo=True)


async def _registered(uow: UnitOfWork, as_user: str) -> Cast:
    """The registered contact named `as_user` ("platform:id", or an id only one contact has)."""
    platform, _, user = as_user.strip().rpartition(":")
    if not user:
        raise ConsoleRefusal("--as-user needs a contact's identity, e.g. slack:U0123ABCD")
    found = [
        c
        for c in await uow.contacts.all()
        if c.identity.user_id == user and platform in ("", c.identity.platform)
    ]
    if not found:
        raise ConsoleRefusal(
            f"no contact {as_user.strip()!r} is registered (see `supportbot contact list`)"
        )
    if len(found) > 1:
        choices = " or ".join(str(c.identity) for c in found)
        raise ConsoleRefusal(f"{user} is a contact on several platforms: say {choices}")
    [contact] = found
    home = await uow.customers.get(customer_id=contact.customer_id)
    assert home is not None  # a contact belongs to an organisation
    name = contact.display_name or contact.identity.user_id
    persona = Persona(contact.role.value, contact.identity, name, contact.role)
    return Cast({persona.role: persona}, home, demo=False)


async def _customers_of_its_own(uow: UnitOfWork) -> list[str]:
    """The names of the organisations this database holds besides the demo's."""
    demo_ids = {p.identity for p in PERSONAS.values()}
    contacts = await uow.contacts.all()
    own = []
    for customer in await uow.customers.all():
        theirs = {c.identity for c in contacts if c.customer_id == customer.id}
        if customer.is_provider:
            demo = customer.name == DEMO_PROVIDER and PERSONAS["agent"].identity in theirs
        else:
            demo = customer.name == DEMO_CUSTOMER
        if not demo or not theirs <= demo_ids:
            own.append(customer.name)
    return own


async def _seed(uow: UnitOfWork, policy: Policy, now: datetime, *, provider: bool) -> Customer:
    """Create the demo customer and its console contacts unless they exist; the customer.

    Go-live is a week before the first run, so hypercare is under way in the demo. The agent
    works at the demo's own provider, created only with `provider` (a database of the demo's
    own): a real provider never gets console contacts, so beside real customers the demo has
    no agent unless it had one before.
    """
    customer = await uow.customers.by_name(name=DEMO_CUSTOMER)
    if customer is None:
        go_live = (now.astimezone(policy.timezone) - timedelta(days=7)).date()
        customer = await uow.customers.add(name=DEMO_CUSTOMER)
        await uow.hypercare.add(customer_id=customer.id, start=go_live, weeks=DEMO_HYPERCARE_WEEKS)
    for persona in PERSONAS.values():
        if persona.contact_role is None or await uow.contacts.find(identity=persona.identity):
            continue
        if persona.contact_role is Role.AGENT:
            if not provider:
                continue
            home = next((c for c in await uow.customers.all() if c.is_provider), None)
            home = home or await uow.customers.add(name=DEMO_PROVIDER, is_provider=True)
        else:
            home = customer
        await uow.contacts.add(
            customer_id=home.id,
            identity=persona.identity,
            role=persona.contact_role,
            display_name=persona.name,
        )
    return customer


def origin_of(customer: Customer) -> Origin:
    """Everyone at the console sits at its organisation (it tells end users' organisation)."""
    return Origin(customer_id=customer.id)
