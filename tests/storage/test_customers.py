"""Customers and contacts."""

from __future__ import annotations

import pytest

from adapters.slack.settings import PLATFORM as SLACK
from adapters.teams import PLATFORM as TEAMS
from bot.app.ports import BindingTakenError, DuplicateError, NotFoundError
from bot.domain.models import ChatBinding, Identity, Role


async def test_customer_names_are_unique_regardless_of_case(store):
    async with store.unit() as uow:
        acme = await uow.customers.add(
            name="Acme  A/S",
            bindings=[ChatBinding(SLACK, "T1", "C1")],
        )
    async with store.unit() as uow:
        assert await uow.customers.by_name(name="acme a/s") == acme
        assert await uow.customers.get(customer_id=acme.id) == acme
        with pytest.raises(DuplicateError):
            await uow.customers.add(name="ACME A/S")
    assert acme.name == "Acme A/S" and acme.bindings == (ChatBinding(SLACK, "T1", "C1"),)


@pytest.mark.parametrize(
    "twin", ["Ａｃｍｅ A/S", "Acme\u200b A/S", "ACME\u00a0A/S", "Ac\u2060me A/S", "acme a/s\ufeff"]
)
async def test_names_that_only_look_different_are_one_customer(store, twin):
    async with store.unit() as uow:
        acme = await uow.customers.add(name="Acme A/S")
    async with store.unit() as uow:
        assert await uow.customers.by_name(name=twin) == acme
        with pytest.raises(DuplicateError, match="'Acme A/S' exists already"):
            await uow.customers.add(name=twin)
        other = await uow.customers.add(name="Acme B/S")
        with pytest.raises(DuplicateError):
            await uow.customers.update(customer_id=other.id, name=twin)


async def test_contacts_of_one_organisation_have_names_that_tell_them_apart(store):
    async with store.unit() as uow:
        acme = await uow.customers.add(name="Acme")
        globex = await uow.customers.add(name="Globex")
        await uow.contacts.add(
            customer_id=acme.id, identity=Identity(SLACK, "U1"), role=Role.CUSTOMER,
            display_name="Carla Jensen",
        )  # fmt: skip
    for twin in ("carla jensen", "Ｃａｒｌａ Jensen", "Carla\u200b Jensen"):
        with pytest.raises(DuplicateError, match="Acme has a contact named 'Carla Jensen'"):
            async with store.unit() as uow:
                await uow.contacts.add(
                    customer_id=acme.id, identity=Identity(SLACK, "U2"), role=Role.APPROVER,
                    display_name=twin,
                )  # fmt: skip
    async with store.unit() as uow:
        for customer, user, name in ((globex, "U3", "Carla Jensen"), (acme, "U4", "Carla Holm")):
            await uow.contacts.add(
                customer_id=customer.id, identity=Identity(SLACK, user), role=Role.CUSTOMER,
                display_name=name,
            )  # fmt: skip
        for user in ("U5", "U6"):  # nameless contacts never clash
            nameless = Identity(SLACK, user)
            await uow.contacts.add(customer_id=acme.id, identity=nameless, role=Role.CUSTOMER)
        assert len(await uow.contacts.for_customer(customer_id=acme.id)) == 4


async def test_customers_are_found_by_conversation_or_workspace(store):
    async with store.unit() as uow:
        acme = await uow.customers.add(name="Acme", bindings=[ChatBinding(SLACK, "T1", "C1")])
        globex = await uow.customers.add(name="Globex", bindings=[ChatBinding(TEAMS, "tenant-g")])
        nordlys = await uow.customers.add(name="Nordlys", bindings=[ChatBinding(SLACK, None, "C3")])
    async with store.unit() as uow:
        find = uow.customers.by_binding
        assert await find(platform=SLACK, workspace="T1", conversation="C1") == acme
        assert await find(platform=SLACK, conversation="C1") == acme
        assert await find(platform=SLACK, workspace="T2", conversation="C1") is None
        assert await find(platform=TEAMS, conversation="C1") is None  # another platform
        assert await find(platform=SLACK, workspace="T1", conversation="C9") is None
        # A binding without a workspace matches the conversation from any workspace.
        assert await find(platform=SLACK, workspace="T7", conversation="C3") == nordlys
        assert await find(platform=TEAMS, workspace="tenant-g") == globex
        assert await find(platform=TEAMS, workspace="other") is None
        assert await find(platform=SLACK, workspace="T1") == acme  # the one customer in T1
        assert await find(platform=SLACK) is None
        assert [c.name for c in await uow.customers.all()] == ["Acme", "Globex", "Nordlys"]


async def test_a_workspace_shared_by_several_customers_tells_none_of_them(store):
    async with store.unit() as uow:
        await uow.customers.add(name="Acme", bindings=[ChatBinding(SLACK, "T1", "C1")])
        gamma = await uow.customers.add(name="Gamma", bindings=[ChatBinding(SLACK, "T1", "C2")])
    async with store.unit() as uow:
        assert await uow.customers.by_binding(platform=SLACK, workspace="T1") is None
        assert await uow.customers.by_binding(platform=SLACK, conversation="C2") == gamma


async def test_customer_update(store):
    async with store.unit() as uow:
        acme = await uow.customers.add(name="Acme")
        await uow.customers.add(name="Globex")
    async with store.unit() as uow:
        changed = await uow.customers.update(
            customer_id=acme.id,
            bindings=[ChatBinding(TEAMS, "tenant", "19:x")],
            policy_overrides={"hypercare_minimum_weeks": 3},
        )
        with pytest.raises(DuplicateError):
            await uow.customers.update(customer_id=acme.id, name="globex")
        with pytest.raises(ValueError, match="colour"):
            await uow.customers.update(customer_id=acme.id, colour="red")
        with pytest.raises(NotFoundError):
            await uow.customers.update(customer_id=acme.id + 100, name="x")
        with pytest.raises(ValueError, match="one binding per platform"):
            await uow.customers.update(
                customer_id=acme.id, bindings=[ChatBinding(SLACK, "T1"), ChatBinding(SLACK, "T2")]
            )
        with pytest.raises(ValueError, match="workspace or conversation"):
            await uow.customers.update(customer_id=acme.id, bindings=[ChatBinding(SLACK)])
    async with store.unit() as uow:
        assert await uow.customers.get(customer_id=acme.id) == changed
    assert changed.policy_overrides == {"hypercare_minimum_weeks": 3}
    assert changed.bindings == (ChatBinding(TEAMS, "tenant", "19:x"),)
    async with store.unit() as uow:
        cleared = await uow.customers.update(customer_id=acme.id, bindings=[])
    async with store.unit() as uow:
        assert await uow.customers.get(customer_id=acme.id) == cleared
        assert cleared.bindings == ()
        assert await uow.customers.by_binding(platform=TEAMS, workspace="tenant") is None


async def test_an_identity_is_bound_once(store):
    user = Identity(SLACK, "U1")
    async with store.unit() as uow:
        acme = await uow.customers.add(name="Acme")
        globex = await uow.customers.add(name="Globex")
        contact = await uow.contacts.add(customer_id=acme.id, identity=user, role=Role.APPROVER)
        with pytest.raises(DuplicateError):
            await uow.contacts.add(customer_id=globex.id, identity=user, role=Role.CUSTOMER)
        with pytest.raises(NotFoundError):
            await uow.contacts.add(
                customer_id=globex.id + 9,
                identity=Identity(SLACK, "U9"),
                role=Role.CUSTOMER,
            )
    async with store.unit() as uow:
        assert await uow.contacts.find(identity=user) == contact
        assert await uow.contacts.find(identity=Identity(TEAMS, "U1")) is None
        assert await uow.contacts.all() == [contact]


async def test_contacts_by_customer_and_role(store):
    async with store.unit() as uow:
        acme = await uow.customers.add(name="Acme")
        vendor = await uow.customers.add(name="Vendor", is_provider=True)
        filer = await uow.contacts.add(
            customer_id=acme.id, identity=Identity(SLACK, "U1"), role=Role.CUSTOMER
        )
        approver = await uow.contacts.add(
            customer_id=acme.id,
            identity=Identity(TEAMS, "aad-2"),
            role=Role.APPROVER,
            display_name="Ann",
        )
        agent = await uow.contacts.add(
            customer_id=vendor.id, identity=Identity(SLACK, "U9"), role=Role.AGENT
        )
    async with store.unit() as uow:
        assert await uow.contacts.for_customer(customer_id=acme.id) == [filer, approver]
        assert await uow.contacts.for_customer(customer_id=acme.id, roles=[Role.APPROVER]) == [
            approver
        ]
        assert await uow.contacts.for_customer(customer_id=vendor.id) == [agent]


async def test_every_customer_field_round_trips(store):
    fields = {
        "bindings": (ChatBinding(SLACK, "T1", "C1"), ChatBinding(TEAMS, "tenant", "19:channel")),
        "is_provider": True,
    }
    async with store.unit() as uow:
        added = await uow.customers.add(name="Acme", **fields)
        updated = await uow.customers.update(
            customer_id=added.id,
            name="Acme Group",
            policy_overrides={"availability_target_percent": 99.9},
            is_provider=False,
        )
    async with store.unit() as uow:
        loaded = await uow.customers.get(customer_id=added.id)
    assert loaded == updated
    for key, value in fields.items():
        assert getattr(added, key) == value, key
    assert loaded.name == "Acme Group" and not loaded.is_provider
    assert loaded.policy_overrides == {"availability_target_percent": 99.9}


@pytest.mark.parametrize(
    ("first", "second", "whole_workspace"),
    [
        (ChatBinding(SLACK, "T1", "C1"), ChatBinding(SLACK, "T1", "C1"), False),
        (ChatBinding(SLACK, None, "C1"), ChatBinding(SLACK, "T2", "C1"), False),
        (ChatBinding(TEAMS, "tenant-a"), ChatBinding(TEAMS, "tenant-a"), True),
        (ChatBinding(TEAMS, "tenant-a"), ChatBinding(TEAMS, "tenant-a", "19:y"), True),
        (ChatBinding(TEAMS, "tenant-a", "19:y"), ChatBinding(TEAMS, "tenant-a"), True),
        (ChatBinding(TEAMS, "tenant-a", "19:x"), ChatBinding(TEAMS, "tenant-b", "19:x"), False),
    ],
)
async def test_a_conversation_or_whole_workspace_belongs_to_one_customer(
    store, first, second, whole_workspace
):
    async with store.unit() as uow:
        acme = await uow.customers.add(name="Acme", bindings=[first])
    async with store.unit() as uow:
        with pytest.raises(BindingTakenError) as refused:
            await uow.customers.add(name="Gamma", bindings=[second])
        assert (refused.value.binding, refused.value.holder) == (second, "Acme")
        assert refused.value.whole_workspace is whole_workspace
        gamma = await uow.customers.add(name="Gamma")
        with pytest.raises(BindingTakenError):
            await uow.customers.update(customer_id=gamma.id, bindings=[second])
        # Re-saving a customer's own binding is no clash.
        await uow.customers.update(customer_id=acme.id, bindings=[first])
    async with store.unit() as uow:
        assert [c.name for c in await uow.customers.all()] == ["Acme", "Gamma"]
        assert await uow.customers.get(customer_id=gamma.id) == gamma


async def test_customers_may_share_a_workspace_each_with_its_own_conversation(store):
    async with store.unit() as uow:
        await uow.customers.add(name="Acme", bindings=[ChatBinding(SLACK, "T1", "C1")])
        gamma = await uow.customers.add(name="Gamma", bindings=[ChatBinding(SLACK, "T1", "C2")])
    assert gamma.bindings == (ChatBinding(SLACK, "T1", "C2"),)


@pytest.mark.parametrize(("workspace", "conversation"), [("T1", "C1"), (None, "C1"), ("T1", None)])
async def test_the_database_refuses_a_shared_conversation_or_workspace(
    store, workspace, conversation
):
    import sqlalchemy as sa
    from sqlalchemy.exc import IntegrityError

    async with store.unit() as uow:
        acme = await uow.customers.add(name="Acme")
        gamma = await uow.customers.add(name="Gamma")
    insert = sa.text(
        "INSERT INTO chat_bindings (customer_id, platform, workspace, conversation) "
        "VALUES (:customer, 'slack', :workspace, :conversation)"
    )
    row = {"workspace": workspace, "conversation": conversation}
    async with store.engine.begin() as conn:
        await conn.execute(insert, {**row, "customer": acme.id})
    with pytest.raises(IntegrityError):
        async with store.engine.begin() as conn:
            await conn.execute(insert, {**row, "customer": gamma.id})


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


async def test_a_removed_contact_is_unknown_at_once(store):
    user = Identity(SLACK, "U1")
    async with store.unit() as uow:
        acme = await uow.customers.add(name="Acme")
        contact = await uow.contacts.add(customer_id=acme.id, identity=user, role=Role.APPROVER)
    async with store.unit() as uow:
        assert await uow.contacts.remove(identity=user) == contact
        assert await uow.contacts.remove(identity=user) is None
    async with store.unit() as uow:
        assert await uow.contacts.find(identity=user) is None
        assert await uow.contacts.all() == []


async def test_a_removed_customer_takes_its_bindings_along(store):
    binding = ChatBinding(SLACK, "T1", "C1")
    async with store.unit() as uow:
        acme = await uow.customers.add(name="Acme", bindings=[binding])
    async with store.unit() as uow:
        await uow.customers.remove(customer_id=acme.id)
        with pytest.raises(NotFoundError):
            await uow.customers.remove(customer_id=acme.id)
    async with store.unit() as uow:
        assert await uow.customers.all() == []
        assert await uow.customers.by_binding(platform=SLACK, conversation="C1") is None
        gamma = await uow.customers.add(name="Gamma", bindings=[binding])  # free again
    assert gamma.bindings == (binding,)
