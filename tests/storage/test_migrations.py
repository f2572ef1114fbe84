"""Alembic migrations build exactly the schema the SQLModel tables describe."""

from __future__ import annotations

from adapters.slack.settings import PLATFORM as SLACK
from adapters.teams import PLATFORM as TEAMS
from storage import open_store
from storage.migrate import diff, status


async def test_upgrade_builds_the_tables_schema_exactly(database):
    store = await open_store(database.url, search_path=database.search_path)
    try:
        assert await diff(store.engine) == []
        state = await status(store.engine)
        assert state.up_to_date and state.current == state.head
    finally:
        await store.close()


async def test_upgrading_twice_is_harmless_and_keeps_data(database):
    store = await open_store(database.url, search_path=database.search_path)
    async with store.unit() as uow:
        await uow.customers.add(name="Acme")
    await store.close()
    store = await open_store(database.url, search_path=database.search_path)
    try:
        async with store.unit() as uow:
            assert [c.name for c in await uow.customers.all()] == ["Acme"]
    finally:
        await store.close()


async def test_a_fresh_database_reports_no_revision(database):
    store = await open_store(database.url, search_path=database.search_path, upgrade=False)
    try:
        state = await status(store.engine)
        assert state.current is None and not state.up_to_date
        assert await diff(store.engine) != []
    finally:
        await store.close()


async def test_instances_starting_together_migrate_once(database):
    import asyncio

    stores = await asyncio.gather(
        *(open_store(database.url, search_path=database.search_path) for _ in range(6))
    )
    try:
        for store in stores:
            assert (await status(store.engine)).up_to_date
    finally:
        for store in stores:
            await store.close()


async def test_stores_opened_together_in_one_process_migrate_in_turn(tmp_path):
    import asyncio

    # Interleaved Alembic runs fail only now and then, so try a fresh database many times.
    for round_ in range(20):
        url = f"sqlite:///{tmp_path}/round{round_}.db"
        stores = await asyncio.gather(*(open_store(url) for _ in range(6)))
        for store in stores:
            assert (await status(store.engine)).up_to_date
            await store.close()


async def test_customers_sharing_a_channel_before_0002_keep_it_on_the_first(database):
    import sqlalchemy as sa

    from storage.migrate import upgrade

    store = await open_store(database.url, search_path=database.search_path, upgrade=False)
    try:
        await upgrade(store.engine, "0001")
        insert = sa.text(
            "INSERT INTO customers (id, name, name_key, slack_channel, teams_tenant, "
            "policy_overrides) VALUES (:id, :name, :key, :channel, :tenant, '{}')"
        )
        async with store.engine.begin() as conn:
            for id_, name, channel, tenant in (
                (1, "Acme", "C1", "t-1"),
                (2, "Gamma", "C1", "t-2"),
                (3, "Delta", "C2", "t-1"),
            ):
                row = {"id": id_, "name": name, "key": name.lower(), "channel": channel}
                await conn.execute(insert, {**row, "tenant": tenant})
        await upgrade(store.engine)
        assert (await status(store.engine)).up_to_date
        async with store.unit() as uow:
            found = {
                c.name: (
                    c.binding(SLACK).conversation if c.binding(SLACK) else None,
                    c.binding(TEAMS).workspace if c.binding(TEAMS) else None,
                )
                for c in await uow.customers.all()
            }
            assert await uow.customers.by_binding(platform=SLACK, conversation="C1") is not None
        assert found == {"Acme": ("C1", "t-1"), "Gamma": (None, "t-2"), "Delta": ("C2", None)}
    finally:
        await store.close()


async def test_an_agents_only_organisation_becomes_the_provider_in_0003(database):
    import sqlalchemy as sa

    from storage.migrate import upgrade

    store = await open_store(database.url, search_path=database.search_path, upgrade=False)
    try:
        await upgrade(store.engine, "0002")
        async with store.engine.begin() as conn:
            for id_, name in ((1, "Acme"), (2, "Provider")):
                await conn.execute(
                    sa.text(
                        "INSERT INTO customers (id, name, name_key, policy_overrides) "
                        "VALUES (:id, :name, :key, '{}')"
                    ),
                    {"id": id_, "name": name, "key": name.lower()},
                )
            for id_, customer, user, role in ((1, 1, "U1", "customer"), (2, 2, "U9", "agent")):
                await conn.execute(
                    sa.text(
                        "INSERT INTO contacts (id, customer_id, channel, user_id, role, "
                        "display_name) VALUES (:id, :customer, 'slack', :user, :role, '')"
                    ),
                    {"id": id_, "customer": customer, "user": user, "role": role},
                )
        await upgrade(store.engine)
        async with store.unit() as uow:
            provider = await uow.customers.provider()
            assert provider is not None and provider.name == "Provider"
            assert not (await uow.customers.by_name(name="Acme")).is_provider
    finally:
        await store.close()


async def test_downgrading_to_0001_and_back_keeps_customers_and_contacts(database):
    from alembic import command

    from bot.domain.models import ChatBinding, Identity, Role
    from storage.migrate import alembic_config, upgrade

    store = await open_store(database.url, search_path=database.search_path)
    try:
        async with store.unit() as uow:
            acme = await uow.customers.add(name="Acme", bindings=[ChatBinding(SLACK, None, "C1")])
            await uow.contacts.add(
                customer_id=acme.id, identity=Identity(SLACK, "U1"), role=Role.CUSTOMER
            )

        def downgrade(connection):
            config = alembic_config()
            config.attributes["connection"] = connection
            command.downgrade(config, "0001")

        async with store.engine.begin() as conn:
            await conn.run_sync(downgrade)
        assert (await status(store.engine)).current == "0001"
        await upgrade(store.engine)
        assert await diff(store.engine) == []
        async with store.unit() as uow:
            assert await uow.customers.by_binding(platform=SLACK, conversation="C1") == acme
            assert len(await uow.contacts.all()) == 1
    finally:
        await store.close()
