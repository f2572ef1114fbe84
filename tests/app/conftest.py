"""A small world for the use cases: two customers, their contacts, an agent, a fixed clock.

Every test using `world` runs on the in-memory fake store and on the real SQL store(s).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from adapters.console import PLATFORM as CONSOLE
from adapters.slack.settings import PLATFORM as SLACK
from bot.app.desk import Desk
from bot.app.intake import Answers, validate_answers
from bot.app.ports import Store
from bot.domain.models import ChatBinding, Customer, Identity, Role
from bot.domain.policy import default_policy
from tests.conftest import BACKENDS, fresh_database, migrated_store
from tests.fakes import FixedClock, InMemoryStore

CPH = ZoneInfo("Europe/Copenhagen")
# Monday 30 November 2026, 09:00 in Copenhagen: the desk is open.
MONDAY_9 = datetime(2026, 11, 30, 9, 0, tzinfo=CPH)

CARLA = Identity(CONSOLE, "carla")  # Acme, customer
ANDERS = Identity(CONSOLE, "anders")  # Acme, approver
AGNES = Identity(CONSOLE, "agnes")  # the provider's agent (Vendor ApS)
GINA = Identity(CONSOLE, "gina")  # Globex, customer
ERIK = Identity(CONSOLE, "erik")  # an Acme end user, unregistered

INCIDENT = {
    "summary": "Sync to Salesforce stopped",
    "description": "No users have synchronised since 07:00.",
    "affected": "some",
    "data_loss": "no",
    "category": "synchronization",
}
CONSULTANCY = {
    "summary": "Restore deleted locations",
    "description": "Three locations were deleted by mistake yesterday.",
    "affected": "single",
    "data_loss": "yes",
    "category": "restore_deleted",
}


@dataclass
class World:
    """The desk and the people in it."""

    desk: Desk
    clock: FixedClock
    acme: Customer
    globex: Customer
    provider: Customer  # the service provider's own organisation, where its agents are


@pytest.fixture(params=["memory", *BACKENDS])
async def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    """The in-memory fake, and the real database on every configured backend."""
    if request.param == "memory":
        yield InMemoryStore()
        return
    async with fresh_database(request.param, tmp_path) as database:
        async with migrated_store(database) as store:
            yield store


@pytest.fixture
async def world(any_store: Store) -> World:
    """The world on the fake store and on the real database."""
    return await build_world(any_store)


@pytest.fixture
async def sql_world(store: Store) -> World:
    """The world on the real database only (e.g. for concurrency, which the fake serialises)."""
    return await build_world(store)


async def build_world(store: Store) -> World:
    """Seed `store` with the customers and people of the world."""
    clock = FixedClock(MONDAY_9)
    desk = Desk.create(store=store, clock=clock, policy=default_policy())
    async with store.unit() as uow:
        acme = await uow.customers.add(name="Acme A/S")
        await uow.hypercare.add(customer_id=acme.id, start=date(2026, 11, 23), weeks=4)
        globex = await uow.customers.add(
            name="Globex ApS", bindings=[ChatBinding(SLACK, None, "C0GLOBEX")]
        )
        provider = await uow.customers.add(name="Vendor ApS", is_provider=True)
        people: list[tuple[Customer, Identity, Role, str]] = [
            (acme, CARLA, Role.CUSTOMER, "Carla Jensen"),
            (acme, ANDERS, Role.APPROVER, "Anders Holm"),
            (provider, AGNES, Role.AGENT, "Agnes Berg"),
            (globex, GINA, Role.CUSTOMER, "Gina Lund"),
        ]
        for customer, identity, role, name in people:
            await uow.contacts.add(
                customer_id=customer.id, identity=identity, role=role, display_name=name
            )
    return World(desk, clock, acme, globex, provider)


async def outbox(store: Any) -> list[Any]:
    """Every queued outbox message (any store), oldest first."""
    if isinstance(store, InMemoryStore):
        return store.outbox
    far = datetime(2100, 1, 1, tzinfo=CPH)
    async with store.unit() as uow:
        return list(await uow.outbox.due(now=far, limit=1000))


def valid(raw: dict[str, str]) -> Answers:
    """Raw answers as the intake's validation returns them (they must be valid)."""
    return validate_answers(default_policy(), raw)
