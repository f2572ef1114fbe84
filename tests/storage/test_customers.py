"""Customers and contacts."""

from __future__ import annotations

from datetime import date

import pytest

from bot.app.ports import DuplicateError, NotFoundError
from bot.domain.models import Channel, Identity, Role


async def test_customer_names_are_unique_regardless_of_case(store):
    async with store.unit() as uow:
        acme = await uow.customers.add(
            name="Acme  A/S",
            slack_team="T1",
            slack_channel="C1",
            go_live=date(2026, 12, 1),
            hypercare_weeks=4,
        )
    async with store.unit() as uow:
        assert await uow.customers.by_name(name="acme a/s") == acme
        assert await uow.customers.get(customer_id=acme.id) == acme
        with pytest.raises(DuplicateError):
            await uow.customers.add(name="ACME A/S")
    assert acme.name == "Acme A/S" and acme.go_live == date(2026, 12, 1)


async def test_customers_are_found_by_slack_channel_and_teams_tenant(store):
    async with store.unit() as uow:
        acme = await uow.customers.add(name="Acme", slack_team="T1", slack_channel="C1")
        globex = await uow.customers.add(name="Globex", teams_tenant="tenant-g")
    async with store.unit() as uow:
        assert await uow.customers.by_slack_channel(team="T1", channel="C1") == acme
        assert await uow.customers.by_slack_channel(team=None, channel="C1") == acme
        assert await uow.customers.by_slack_channel(team="T2", channel="C1") is None
        assert await uow.customers.by_teams_tenant(tenant="tenant-g") == globex
        assert await uow.customers.by_teams_tenant(tenant="other") is None
        assert [c.name for c in await uow.customers.all()] == ["Acme", "Globex"]


async def test_customer_update(store):
    async with store.unit() as uow:
        acme = await uow.customers.add(name="Acme")
        await uow.customers.add(name="Globex")
    async with store.unit() as uow:
        changed = await uow.customers.update(
            customer_id=acme.id,
            teams_conversation='{"id": "19:x"}',
            policy_overrides={"hypercare_minimum_weeks": 3},
        )
        with pytest.raises(DuplicateError):
            await uow.customers.update(customer_id=acme.id, name="globex")
        with pytest.raises(ValueError, match="colour"):
            await uow.customers.update(customer_id=acme.id, colour="red")
        with pytest.raises(NotFoundError):
            await uow.customers.update(customer_id=acme.id + 100, name="x")
    async with store.unit() as uow:
        assert await uow.customers.get(customer_id=acme.id) == changed
    assert changed.policy_overrides == {"hypercare_minimum_weeks": 3}


async def test_an_identity_is_bound_once(store):
    user = Identity(Channel.SLACK, "U1")
    async with store.unit() as uow:
        acme = await uow.customers.add(name="Acme")
        globex = await uow.customers.add(name="Globex")
        contact = await uow.contacts.add(customer_id=acme.id, identity=user, role=Role.APPROVER)
        with pytest.raises(DuplicateError):
            await uow.contacts.add(customer_id=globex.id, identity=user, role=Role.CUSTOMER)
        with pytest.raises(NotFoundError):
            await uow.contacts.add(
                customer_id=globex.id + 9,
                identity=Identity(Channel.SLACK, "U9"),
                role=Role.CUSTOMER,
            )
    async with store.unit() as uow:
        assert await uow.contacts.find(identity=user) == contact
        assert await uow.contacts.find(identity=Identity(Channel.TEAMS, "U1")) is None
        assert await uow.contacts.all() == [contact]


async def test_contacts_by_customer_role_and_agents(store):
    async with store.unit() as uow:
        acme = await uow.customers.add(name="Acme")
        vendor = await uow.customers.add(name="Vendor")
        filer = await uow.contacts.add(
            customer_id=acme.id, identity=Identity(Channel.SLACK, "U1"), role=Role.CUSTOMER
        )
        approver = await uow.contacts.add(
            customer_id=acme.id,
            identity=Identity(Channel.TEAMS, "aad-2"),
            role=Role.APPROVER,
            display_name="Ann",
        )
        slack_agent = await uow.contacts.add(
            customer_id=vendor.id, identity=Identity(Channel.SLACK, "U9"), role=Role.AGENT
        )
        teams_agent = await uow.contacts.add(
            customer_id=vendor.id, identity=Identity(Channel.TEAMS, "aad-9"), role=Role.AGENT
        )
    async with store.unit() as uow:
        assert await uow.contacts.for_customer(customer_id=acme.id) == [filer, approver]
        assert await uow.contacts.for_customer(customer_id=acme.id, roles=[Role.APPROVER]) == [
            approver
        ]
        assert await uow.contacts.agents() == [slack_agent, teams_agent]
        assert await uow.contacts.agents(channel=Channel.TEAMS) == [teams_agent]


async def test_every_customer_field_round_trips(store):
    fields = {
        "slack_team": "T1",
        "slack_channel": "C1",
        "teams_tenant": "tenant",
        "teams_channel": "19:channel",
        "go_live": date(2026, 12, 1),
        "hypercare_weeks": 6,
    }
    async with store.unit() as uow:
        added = await uow.customers.add(name="Acme", **fields)
        updated = await uow.customers.update(
            customer_id=added.id,
            name="Acme Group",
            teams_conversation='{"conversation": {"id": "19:x"}}',
            policy_overrides={"availability_target_percent": 99.9},
            hypercare_weeks=8,
        )
    async with store.unit() as uow:
        loaded = await uow.customers.get(customer_id=added.id)
    assert loaded == updated
    for key, value in fields.items():
        assert getattr(added, key) == value, key
    assert loaded.name == "Acme Group" and loaded.hypercare_weeks == 8
    assert loaded.teams_conversation == '{"conversation": {"id": "19:x"}}'
    assert loaded.policy_overrides == {"availability_target_percent": 99.9}


@pytest.mark.parametrize(
    ("first", "second", "message"),
    [
        (
            {"slack_team": "T1", "slack_channel": "C1"},
            {"slack_team": "T1", "slack_channel": "C1"},
            "channel C1 is already the support channel of Acme",
        ),
        (
            {"slack_channel": "C1"},
            {"slack_team": "T2", "slack_channel": "C1"},
            "channel C1 is already the support channel of Acme",
        ),
        (
            {"teams_tenant": "tenant-a"},
            {"teams_tenant": "tenant-a"},
            "Teams tenant tenant-a already belongs to Acme",
        ),
        (
            {"teams_tenant": "tenant-a", "teams_channel": "19:x"},
            {"teams_tenant": "tenant-b", "teams_channel": "19:x"},
            "Teams channel 19:x is already the support channel of Acme",
        ),
    ],
)
async def test_a_channel_or_tenant_belongs_to_one_customer(store, first, second, message):
    async with store.unit() as uow:
        acme = await uow.customers.add(name="Acme", **first)
    async with store.unit() as uow:
        with pytest.raises(DuplicateError, match=message):
            await uow.customers.add(name="Gamma", **second)
        gamma = await uow.customers.add(name="Gamma")
        with pytest.raises(DuplicateError, match=message):
            await uow.customers.update(customer_id=gamma.id, **second)
        # Re-saving a customer's own binding is no clash.
        await uow.customers.update(customer_id=acme.id, **first)
    async with store.unit() as uow:
        assert [c.name for c in await uow.customers.all()] == ["Acme", "Gamma"]
        assert await uow.customers.get(customer_id=gamma.id) == gamma


@pytest.mark.parametrize("column", ["slack_channel", "teams_tenant", "teams_channel"])
async def test_the_database_refuses_a_shared_channel_or_tenant(store, column):
    import sqlalchemy as sa
    from sqlalchemy.exc import IntegrityError

    insert = sa.text(
        f"INSERT INTO customers (name, name_key, {column}, policy_overrides) "
        f"VALUES (:name, :key, 'X1', '{{}}')"
    )
    async with store.engine.begin() as conn:
        await conn.execute(insert, {"name": "Acme", "key": "acme"})
    with pytest.raises(IntegrityError):
        async with store.engine.begin() as conn:
            await conn.execute(insert, {"name": "Gamma", "key": "gamma"})


async def test_at_most_one_customer_is_the_service_provider(store):
    async with store.unit() as uow:
        assert await uow.customers.provider() is None
        vendor = await uow.customers.add(name="Vendor", is_provider=True)
        acme = await uow.customers.add(name="Acme")
    async with store.unit() as uow:
        assert await uow.customers.provider() == vendor and vendor.is_provider
        assert not acme.is_provider
        with pytest.raises(DuplicateError, match="the service provider is Vendor already"):
            await uow.customers.add(name="Other", is_provider=True)
        with pytest.raises(DuplicateError, match="the service provider is Vendor already"):
            await uow.customers.update(customer_id=acme.id, is_provider=True)
    import sqlalchemy as sa
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError):  # the database holds the line too
        async with store.engine.begin() as conn:
            await conn.execute(
                sa.text("UPDATE customers SET is_provider = :yes WHERE id = :id"),
                {"yes": True, "id": acme.id},
            )
