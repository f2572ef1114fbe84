"""The demo organisation the console chat seeds on first run, and who you can be in it."""

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
    "DEMO_USERS",
    "PERSONAS",
    "Persona",
    "origin_of",
    "seed_demo",
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

DEMO_USERS = frozenset(p.identity.user_id for p in PERSONAS.values())


async def seed_demo(store: Store, policy: Policy, now: datetime) -> Customer:
    """Create the demo customer and its console contacts unless they exist; return the customer.

    Go-live is a week before the first run, so hypercare is under way in the demo. The agent
    works for the service provider: the provider already registered, else the demo one.
    """
    async with store.unit() as uow:
        customer = await uow.customers.by_name(name=DEMO_CUSTOMER)
        if customer is None:
            go_live = (now.astimezone(policy.timezone) - timedelta(days=7)).date()
            customer = await uow.customers.add(name=DEMO_CUSTOMER)
            await uow.hypercare.add(
                customer_id=customer.id, start=go_live, weeks=DEMO_HYPERCARE_WEEKS
            )
        for persona in PERSONAS.values():
            if persona.contact_role is None:
                continue
            if await uow.contacts.find(identity=persona.identity) is None:
                home = customer if persona.contact_role is not Role.AGENT else await _provider(uow)
                await uow.contacts.add(
                    customer_id=home.id,
                    identity=persona.identity,
                    role=persona.contact_role,
                    display_name=persona.name,
                )
    return customer


async def _provider(uow: UnitOfWork) -> Customer:
    found = next((c for c in await uow.customers.all() if c.is_provider), None)
    return found or await uow.customers.add(name=DEMO_PROVIDER, is_provider=True)


def origin_of(customer: Customer) -> Origin:
    """Everyone at the console sits at the demo customer (it tells end users' organisation)."""
    return Origin(customer_id=customer.id)
