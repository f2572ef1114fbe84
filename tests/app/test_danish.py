"""Questions asked in Danish get their answers in Danish, figures and lists included, word for
word: uptime, service windows, a ticket's status and due time, and open tickets."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from bot.app.actions import act
from bot.app.filing import file_ticket
from bot.app.monitoring import PlannedWindow, Uptime
from bot.domain.lifecycle import Action
from tests.app.conftest import AGNES, CARLA, CONSULTANCY, CPH, INCIDENT, World, valid
from tests.app.test_questions import ask

DUE = "tir 01 dec 2026 09:00 (dansk tid)"  # SUP-1001: Medium, opened Monday 09:00


class Figures:
    """A monitoring source with a month's figure and two planned windows."""

    def __init__(self, percent: float) -> None:
        self.percent = percent

    async def uptime(
        self, *, customer_id: int | None, start: datetime, end: datetime
    ) -> Uptime | None:
        return Uptime(self.percent, 2112, start, end)

    async def service_windows(
        self, *, customer_id: int | None, start: datetime, end: datetime
    ) -> list[PlannedWindow]:
        patch = datetime(2026, 12, 3, 14, tzinfo=CPH)
        move = datetime(2026, 12, 12, 22, 30, 15, tzinfo=CPH)
        return [
            PlannedWindow(patch, patch + timedelta(hours=1), "Databaseopdatering", "SCIM"),
            PlannedWindow(move, move + timedelta(hours=8), "Flytning af datacenter", None),
        ]


@pytest.mark.parametrize(
    ("percent", "verdict"),
    [(99.873, "opfylder målet på 99.5%"), (98.5, "er under målet på 99.5%")],
)
async def test_uptime_in_danish_with_the_months_figure(
    world: World, percent: float, verdict: str
) -> None:
    world.desk = replace(world.desk, monitoring=Figures(percent))

    reply = await ask(world, CARLA, "hvad er oppetiden?")

    assert reply == (
        f"\nOppetid i denne måned indtil nu: {percent:.2f}% (2112 målinger siden "
        f"søn 01 nov 2026), hvilket {verdict}."
    )


async def test_service_windows_in_danish_are_listed_in_danish_time(world: World) -> None:
    world.desk = replace(world.desk, monitoring=Figures(99.9))

    reply = await ask(world, CARLA, "er der planlagt nogen servicevinduer?")

    assert reply == (
        "Planlagte servicevinduer\n"
        "- tor 03 dec 2026 14:00 (dansk tid) til tor 03 dec 2026 15:00 (dansk tid) (SCIM): "
        "Databaseopdatering\n"
        "- lør 12 dec 2026 22:30:15 (dansk tid) til søn 13 dec 2026 06:30:15 (dansk tid): "
        "Flytning af datacenter"
    )


async def test_a_tickets_status_in_danish_names_its_customer_for_an_agent(world: World) -> None:
    await file_ticket(world.desk, reporter=CARLA, answers=valid(CONSULTANCY))

    reply = await ask(world, AGNES, "hvad er status på SUP-1001?")

    assert reply == (
        "SUP-1001: Restore deleted locations\n"
        "SUP-1001 er åben.\n"
        "Kunde: Acme A/S\n"
        "Status: Åben\n"
        "Prioritet: Medium\n"
        "Oprettet: man 30 nov 2026 09:00 (dansk tid)\n"
        f"SLA: første svar senest {DUE}, 8 t arbejdstid tilbage\n"
        "Godkendelse af konsulentydelse: afventer kundens godkendelse"
    )


@pytest.mark.parametrize(
    ("later", "clock"),
    [
        (timedelta(hours=1, minutes=15), "6 t 45 min arbejdstid tilbage"),
        (timedelta(hours=6, minutes=30), "1 t 30 min arbejdstid tilbage, i fare"),
        (timedelta(hours=23, minutes=59, seconds=30), "under et minut arbejdstid tilbage, i fare"),
    ],
)
async def test_the_due_time_in_danish_counts_business_time_down(
    world: World, later: timedelta, clock: str
) -> None:
    await file_ticket(world.desk, reporter=CARLA, answers=valid(INCIDENT))
    world.clock.advance(later)

    reply = await ask(world, CARLA, "hvornår er frist for SUP-1001?")

    assert reply == f"\nSUP-1001: første svar senest {DUE}, {clock}."


async def test_an_overdue_and_a_late_answered_ticket_in_danish(world: World) -> None:
    await file_ticket(world.desk, reporter=CARLA, answers=valid(INCIDENT))
    world.clock.advance(hours=25)  # Tuesday 10:00, an hour past the due time

    overdue = await ask(world, CARLA, "hvornår er frist for SUP-1001?")
    await act(world.desk, actor=AGNES, ref="SUP-1001", action=Action.ACKNOWLEDGE)
    late = await ask(world, CARLA, "hvornår er frist for SUP-1001?")

    assert overdue == f"\nSUP-1001: første svar overskredet siden {DUE}."
    assert late == (f"\nSUP-1001: første svar givet tir 01 dec 2026 10:00, for sent (frist {DUE}).")


async def test_open_tickets_in_danish_for_a_customer_and_for_an_agent(world: World) -> None:
    await file_ticket(world.desk, reporter=CARLA, answers=valid(INCIDENT))
    world.clock.advance(hours=1)
    await file_ticket(world.desk, reporter=CARLA, answers=valid({**INCIDENT, "affected": "all"}))

    mine = await ask(world, CARLA, "mine åbne sager")
    everyone = await ask(world, AGNES, "hvilke sager er åbne?")

    high = "SUP-1002 [High, åben]"
    high_due = "første svar senest man 30 nov 2026 14:00 (dansk tid), 4 t arbejdstid tilbage"
    medium = "SUP-1001 [Medium, åben]"
    medium_due = f"første svar senest {DUE}, 7 t arbejdstid tilbage"
    assert mine == (
        "Jeres åbne sager (2)\n"
        f"- {high} Sync to Salesforce stopped ({high_due})\n"
        f"- {medium} Sync to Salesforce stopped ({medium_due})"
    )
    assert everyone == (
        "Åbne sager (2)\n"
        f"- {high} Acme A/S: Sync to Salesforce stopped ({high_due})\n"
        f"- {medium} Acme A/S: Sync to Salesforce stopped ({medium_due})"
    )


async def test_no_open_tickets_in_danish(world: World) -> None:
    assert await ask(world, CARLA, "mine åbne sager") == "\nI har ingen åbne sager."
    assert await ask(world, AGNES, "mine åbne sager") == "\nDer er ingen åbne sager."


async def test_a_long_list_in_danish_says_how_many_are_shown(world: World) -> None:
    for _ in range(27):
        await file_ticket(world.desk, reporter=CARLA, answers=valid(INCIDENT))

    reply = await ask(world, CARLA, "mine åbne sager")

    lines = reply.splitlines()
    assert lines[0] == "Jeres åbne sager (25 af 27)"
    assert len([line for line in lines if line.startswith("- SUP-")]) == 25
    first = lines[1].split()[1]
    assert lines[-1] == (
        "Viser de 25 mest presserende af 27 åbne sager; spørg om en bestemt med dens nummer, "
        f"fx 'status på {first}'."
    )
