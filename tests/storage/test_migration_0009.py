"""Migration 0009 with rows in place: the SLA countdown columns and index, and back."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from storage import open_store
from storage.migrate import diff, status, upgrade
from tests.storage.factories import downgrade

OPENED = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


async def _seed_0008(conn) -> None:
    await conn.execute(
        sa.text(
            "INSERT INTO customers (id, name, name_key, policy_overrides, is_provider) "
            "VALUES (1, 'Acme', 'acme', '{}', :no)"
        ),
        {"no": False},
    )
    for id_, state, responded in (
        (1, "open", None),  # owed a first response: its countdown starts
        (2, "acknowledged", OPENED),  # answered: nothing owed
        (3, "resolved", OPENED),
    ):
        await conn.execute(
            sa.text(
                "INSERT INTO tickets (id, ref, customer_id, reporter_platform, reporter_user, "
                "summary, description, category, inquiry, priority, priority_reason, opened_at, "
                "first_response_due, first_responded_at, status, consultancy, approval, details, "
                "updated_at) VALUES (:id, :ref, 1, 'console', 'carla', 's', 'd', 'other', :no, "
                "'high', 'r', :opened, :opened, :responded, :status, :no, 'not_required', '{}', "
                ":opened)"
            ),
            {
                "id": id_,
                "ref": f"SUP-{1000 + id_}",
                "no": False,
                "opened": OPENED,
                "responded": responded,
                "status": state,
            },
        )
    for _ in range(3):  # ticket 1 has three audit events, so edits were numbered up to 3
        await conn.execute(
            sa.text(
                "INSERT INTO ticket_events (ticket_id, at, actor, action, before, after) "
                "VALUES (1, :at, 'bot', 'x', '{}', '{}')"
            ),
            {"at": OPENED},
        )


async def test_0009_starts_countdowns_of_unanswered_tickets_and_back(database):
    store = await open_store(database.url, search_path=database.search_path, upgrade=False)
    try:
        await upgrade(store.engine, "0008")
        async with store.engine.begin() as conn:
            await _seed_0008(conn)
        await upgrade(store.engine)
        assert (await status(store.engine)).up_to_date and await diff(store.engine) == []
        async with store.unit() as uow:
            due = await uow.tickets.countdowns_due(now=OPENED, limit=10)
            assert [(c.ticket.ref, c.done, c.next_at) for c in due] == [("SUP-1001", (), OPENED)]
            assert await uow.tickets.next_edit_seq(ref="SUP-1001") == 4  # above the old ones
            assert await uow.tickets.next_edit_seq(ref="SUP-1002") == 1

        await downgrade(store.engine, "0008")
        async with store.engine.connect() as conn:
            columns = await conn.run_sync(
                lambda sync: [c["name"] for c in sa.inspect(sync).get_columns("tickets")]
            )
            indexes = await conn.run_sync(
                lambda sync: [i["name"] for i in sa.inspect(sync).get_indexes("tickets")]
            )
            count = (await conn.execute(sa.text("SELECT count(*) FROM tickets"))).scalar()
        assert not {"countdown_at", "countdown_done", "edit_seq"} & set(columns)
        assert "ix_tickets_countdown_at" not in indexes
        assert count == 3
    finally:
        await store.close()
