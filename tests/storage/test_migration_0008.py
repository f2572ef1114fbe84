"""Migration 0008 with rows in place: name keys that see through case, width and invisible
characters, for customers and (per organisation) contacts' display names; and back."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from adapters.slack.settings import PLATFORM as SLACK
from bot.app.ports import DuplicateError
from bot.domain.models import Identity, Role
from storage import open_store
from storage.migrate import diff, status, upgrade
from tests.storage.factories import downgrade

CUSTOMERS = [
    (1, "Acme A/S"),
    (2, "Globex\u200b"),  # a zero-width space typed along
    (3, "Ａｃｍｅ Ａ/Ｓ"),  # full width: looks like Acme A/S, which came first
]
CONTACTS = [  # id, customer, display name
    (1, 1, "Carla Jensen"),
    (2, 1, "Carla\u200b Jensen"),  # looks like contact 1 of the same customer
    (3, 1, ""),
    (4, 1, ""),  # nameless contacts do not clash
    (5, 2, "Carla Jensen"),  # another organisation may have its own Carla
]


async def _seed_0007(conn) -> None:
    # Inserted in id order without ids, so the databases' own sequences hand them out.
    for _, name in CUSTOMERS:
        await conn.execute(
            sa.text(
                "INSERT INTO customers (name, name_key, policy_overrides, is_provider) "
                "VALUES (:name, :key, '{}', :no)"
            ),
            {"name": name, "key": " ".join(name.split()).casefold(), "no": False},
        )
    for contact_id, customer_id, display_name in CONTACTS:
        await conn.execute(
            sa.text(
                "INSERT INTO contacts (customer_id, platform, user_id, role, display_name) "
                "VALUES (:customer, 'slack', :user, 'customer', :name)"
            ),
            {"customer": customer_id, "user": f"U{contact_id}", "name": display_name},
        )


async def test_0008_gives_look_alike_names_one_key_and_back(database, caplog):
    store = await open_store(database.url, search_path=database.search_path, upgrade=False)
    try:
        await upgrade(store.engine, "0007")
        async with store.engine.begin() as conn:
            await _seed_0007(conn)
        await upgrade(store.engine)
        assert (await status(store.engine)).up_to_date and await diff(store.engine) == []
        assert "'Ａｃｍｅ Ａ/Ｓ' (id 3) looks the same as 'Acme A/S'" in caplog.text
        carla = "contact 'Carla\\u200b Jensen' (id 2) looks the same as 'Carla Jensen'"
        assert carla in caplog.text

        async with store.unit() as uow:
            assert [c.name for c in await uow.customers.all()] == [
                "Acme A/S", "Globex\u200b", "Ａｃｍｅ Ａ/Ｓ",
            ]  # fmt: skip
            assert (await uow.customers.by_name(name="ACME A/S")).id == 1  # type: ignore[union-attr]
            assert (await uow.customers.by_name(name="globex")).id == 2  # type: ignore[union-attr]
            names = [c.display_name for c in await uow.contacts.all()]
            assert names == [name for _, _, name in CONTACTS]  # nothing renamed or lost
        with pytest.raises(DuplicateError, match="Carla Jensen"):
            async with store.unit() as uow:
                await uow.contacts.add(
                    customer_id=1,
                    identity=Identity(SLACK, "U9"),
                    role=Role.CUSTOMER,
                    display_name="CARLA  JENSEN",
                )
        with pytest.raises(DuplicateError):
            async with store.unit() as uow:
                await uow.customers.add(name="ＧＬＯＢＥＸ")
        async with store.unit() as uow:
            await uow.contacts.add(
                customer_id=3,
                identity=Identity(SLACK, "U9"),
                role=Role.CUSTOMER,
                display_name="Carla Jensen",
            )

        await downgrade(store.engine, "0007")
        async with store.engine.connect() as conn:
            keys = (await conn.execute(sa.text("SELECT name_key FROM customers ORDER BY id"))).all()
            columns = await conn.run_sync(
                lambda sync: [c["name"] for c in sa.inspect(sync).get_columns("contacts")]
            )
        assert [k for (k,) in keys] == ["acme a/s", "globex\u200b", "ａｃｍｅ ａ/ｓ"]
        assert "name_key" not in columns
    finally:
        await store.close()
