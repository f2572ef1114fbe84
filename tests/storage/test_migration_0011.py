"""Migration 0011 with rows in place: windows get revision 1 and no revision instant (the clock
owes them the phases ahead), revisions are recorded from then on; and back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from storage import open_store
from storage.migrate import diff, status, upgrade
from tests.storage.factories import downgrade

START = datetime(2026, 12, 1, 19, 0, tzinfo=UTC)


async def test_0011_numbers_existing_windows_and_records_revisions_and_back(database):
    store = await open_store(database.url, search_path=database.search_path, upgrade=False)
    try:
        await upgrade(store.engine, "0010")
        async with store.engine.begin() as conn:
            await conn.execute(
                sa.text(
                    'INSERT INTO service_windows (service, start, "end", reason, state) '
                    "VALUES (NULL, :start, :end, 'Database upgrade', 'planned')"
                ),
                {"start": START, "end": START + timedelta(hours=3)},
            )
        await upgrade(store.engine)
        assert (await status(store.engine)).up_to_date and await diff(store.engine) == []

        async with store.unit() as uow:
            (window,) = await uow.windows.list()
            assert (window.revision, window.revised_at, window.reason) == (
                1, None, "Database upgrade",
            )  # fmt: skip
            changed = await uow.windows.revise(
                window_id=window.id,
                at=START - timedelta(days=1),
                actor="cli",
                action="changed",
                end=START + timedelta(hours=4),
            )
            assert changed.revision == 2
            assert [r.revision for r in await uow.windows.revisions(window_id=window.id)] == [2]

        await downgrade(store.engine, "0010")
        async with store.engine.connect() as conn:
            rows = (await conn.execute(sa.text("SELECT reason FROM service_windows"))).all()
            columns = await conn.run_sync(
                lambda sync: [c["name"] for c in sa.inspect(sync).get_columns("service_windows")]
            )
            tables = await conn.run_sync(lambda sync: sa.inspect(sync).get_table_names())
        assert [r for (r,) in rows] == ["Database upgrade"]
        assert "revision" not in columns and "revised_at" not in columns
        assert "service_window_revisions" not in tables
    finally:
        await store.close()
