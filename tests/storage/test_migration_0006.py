"""Migration 0006 with rows in place: customers' go-live and weeks become hypercare periods."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from storage import open_store
from storage.migrate import diff, status, upgrade
from tests.storage.factories import downgrade


async def test_0006_moves_go_live_and_weeks_into_hypercare_periods_and_back(database):
    store = await open_store(database.url, search_path=database.search_path, upgrade=False)
    try:
        await upgrade(store.engine, "0005")
        async with store.engine.begin() as conn:
            for id_, name, go_live, weeks in (
                (1, "Acme", date(2026, 12, 1), 4),
                (2, "Beta", None, None),
                (3, "Gamma", date(2026, 11, 2), None),  # weeks never agreed: the minimum
            ):
                await conn.execute(
                    sa.text(
                        "INSERT INTO customers (id, name, name_key, go_live, hypercare_weeks, "
                        "policy_overrides, is_provider) VALUES (:id, :name, :key, :go_live, "
                        ":weeks, '{}', :no)"
                    ),
                    {
                        "id": id_,
                        "name": name,
                        "key": name.lower(),
                        "go_live": go_live,
                        "weeks": weeks,
                        "no": False,
                    },
                )
        await upgrade(store.engine)
        assert (await status(store.engine)).up_to_date and await diff(store.engine) == []
        async with store.unit() as uow:
            periods = {p.customer_id: p for p in await uow.hypercare.all_current()}
        assert {k: (p.start, p.weeks, p.extensions) for k, p in periods.items()} == {
            1: (date(2026, 12, 1), 4, ()),
            3: (date(2026, 11, 2), 2, ()),
        }

        await downgrade(store.engine, "0005")
        async with store.engine.connect() as conn:
            rows = (
                await conn.execute(
                    sa.text("SELECT id, go_live, hypercare_weeks FROM customers ORDER BY id")
                )
            ).all()
            left = (await conn.execute(sa.text("SELECT count(*) FROM hypercare_periods"))).scalar()
        as_dates = [(i, date.fromisoformat(str(g)) if g else None, w) for i, g, w in rows]
        assert as_dates == [(1, date(2026, 12, 1), 4), (2, None, None), (3, date(2026, 11, 2), 2)]
        assert left == 0
    finally:
        await store.close()
