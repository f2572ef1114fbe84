"""Answers on stored data the calendar cannot work with: rows written straight into the database
(or before dates were checked), with dates far outside the supported years. Each bad row is
named as such in the answer; the good rows around it are answered as usual; nothing raises."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from bot.app.filing import file_ticket
from bot.app.questions import answer
from bot.domain.models import Identity
from storage import SqlStore
from storage.monitoring import SqlMonitoring
from storage.tables import HypercareRow, ServiceWindowRow, TicketRow
from tests.app.conftest import AGNES, CARLA, CPH, INCIDENT, World, valid
from tests.app.test_questions import shown

FAR = datetime(9999, 12, 31, 23, 30, tzinfo=UTC)  # 10000 in Copenhagen: no local time exists


async def _execute(store: SqlStore, statement: sa.Executable) -> None:
    async with store.engine.begin() as conn:
        await conn.execute(statement)


async def _ask(world: World, who: Identity, text: str) -> str:
    assert isinstance(world.desk.store, SqlStore)
    desk = replace(world.desk, monitoring=SqlMonitoring(world.desk.store))
    return shown(await answer(desk, asker=who, text=text))


async def _windows(store: SqlStore) -> None:
    soon = datetime(2026, 12, 3, 14, tzinfo=CPH)
    for start, end, reason in (
        (soon, soon + timedelta(hours=1), "Database patch"),
        (soon, FAR, "Forever"),
        (datetime(1900, 1, 1, tzinfo=UTC), soon, "Since ever"),
    ):
        await _execute(
            store, sa.insert(ServiceWindowRow).values(start=start, end=end, reason=reason)
        )


async def test_a_window_with_dates_out_of_range_is_named_not_raised(sql_world: World) -> None:
    assert isinstance(sql_world.desk.store, SqlStore)
    await _windows(sql_world.desk.store)

    english = await _ask(sql_world, CARLA, "any service windows planned?")
    danish = await _ask(sql_world, CARLA, "er der planlagt nogen servicevinduer?")

    assert "Thu 03 Dec 2026 14:00 (Copenhagen time) to Thu 03 Dec 2026 15:00" in english
    assert "Forever" not in english and "Since ever" not in english
    assert (
        "2 service windows on record cannot be shown: a date lies outside the supported years "
        "1971-2100. The service provider can correct it."
    ) in english
    assert "Database patch" in danish
    assert "2 servicevinduer kan ikke vises: en dato ligger uden for de understøttede år" in danish


@pytest.mark.parametrize("start", [date(9999, 12, 31), date(1960, 1, 4)])
async def test_a_hypercare_period_out_of_range_is_named_not_raised(
    sql_world: World, start: date
) -> None:
    store = sql_world.desk.store
    assert isinstance(store, SqlStore)
    await _execute(
        store,
        sa.insert(HypercareRow).values(customer_id=sql_world.globex.id, start=start, weeks=4),
    )

    reply = await _ask(sql_world, AGNES, "hypercare status")

    assert "Acme A/S: in hypercare since go-live on Mon 23 Nov 2026, week 2 of 4" in reply
    assert (
        f"Globex ApS: the hypercare on record (go-live {start}) lies outside the supported "
        "years 1971-2100; the service provider can correct it with `supportbot customer set`."
    ) in reply


async def test_a_hypercare_extended_beyond_any_calendar_is_named(sql_world: World) -> None:
    store = sql_world.desk.store
    assert isinstance(store, SqlStore)
    await _execute(
        store,
        sa.update(HypercareRow)
        .where(HypercareRow.customer_id == sql_world.acme.id)  # type: ignore[arg-type]
        .values(extensions=[{"weeks": 10**9}]),
    )

    reply = await _ask(sql_world, CARLA, "hypercare status")

    assert "Acme A/S: the hypercare on record (go-live 2026-11-23) lies outside" in reply


async def test_a_ticket_with_dates_out_of_range_is_named_not_raised(sql_world: World) -> None:
    store = sql_world.desk.store
    assert isinstance(store, SqlStore)
    for _ in range(2):
        await file_ticket(sql_world.desk, reporter=CARLA, answers=valid(INCIDENT))
    await _execute(
        store,
        sa.update(TicketRow)
        .where(TicketRow.ref == "SUP-1001")  # type: ignore[arg-type]
        .values(first_response_due=FAR),
    )

    status = await _ask(sql_world, CARLA, "status of SUP-1001")
    due = await _ask(sql_world, CARLA, "hvornår er SUP-1001 due?")
    mine = await _ask(sql_world, CARLA, "my open tickets")
    everyone = await _ask(sql_world, AGNES, "mine åbne sager")

    assert status == (
        "\nSUP-1001 cannot be shown: a date stored on it lies outside the supported years "
        "1971-2100. The service provider can correct it."
    )
    assert due.startswith("\nSUP-1001 kan ikke vises: en dato på sagen ligger uden for")
    assert "- SUP-1002 [Medium, open]" in mine
    assert "Not shown, a stored date lies outside the supported years 1971-2100: SUP-1001." in mine
    assert "- SUP-1002 [Medium, åben] Acme A/S:" in everyone
    assert "Ikke vist, en gemt dato ligger uden for de understøttede år 1971-2100: SUP-1001." in (
        everyone
    )
