"""Free-text questions in English and Danish, and the cross-customer privacy rule."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from bot.app.actions import act
from bot.app.callers import Origin
from bot.app.filing import file_ticket
from bot.app.monitoring import PlannedWindow, Uptime
from bot.app.questions import answer
from bot.app.replies import Reply
from bot.domain.lifecycle import Action
from bot.domain.models import Identity
from tests.app.conftest import AGNES, CARLA, CPH, ERIK, GINA, INCIDENT, World, valid


def shown(reply: Reply) -> str:
    return "\n".join(
        [reply.title or "", reply.text, *(f"{f.label}: {f.value}" for f in reply.fields)]
    )


async def ask(world: World, who: Identity, text: str) -> str:
    return shown(await answer(world.desk, asker=who, text=text))


@pytest.mark.parametrize(
    "text",
    [
        "what's current uptime",
        "What's the current uptime?",
        "uptime",
        "current up-time please",
        "How is availability this month?",
        "is the service down?",
    ],
)
async def test_uptime_goes_through_monitoring_and_says_nothing_is_measured_yet(
    world: World, text: str
) -> None:
    reply = await ask(world, CARLA, text)
    assert "No availability measurements exist yet" in reply
    assert "99.5% per calendar month" in reply and "every 5 minutes" in reply


class Measured:
    """A monitoring source with figures, to show the same use case reads them."""

    def __init__(self) -> None:
        self.asked: list[tuple[int | None, datetime, datetime]] = []

    async def uptime(
        self, *, customer_id: int | None, start: datetime, end: datetime
    ) -> Uptime | None:
        self.asked.append((customer_id, start, end))
        return Uptime(99.873, 2112, start, end)

    async def service_windows(
        self, *, customer_id: int | None, start: datetime, end: datetime
    ) -> list[PlannedWindow]:
        begin = datetime(2026, 12, 3, 14, tzinfo=CPH)
        return [PlannedWindow(begin, begin + timedelta(hours=1), "Database patch", "SCIM")]


async def test_uptime_with_measurements_reports_month_to_date_against_target(
    world: World,
) -> None:
    monitoring = Measured()
    desk = replace(world.desk, monitoring=monitoring)
    reply = shown(await answer(desk, asker=CARLA, text="uptime?"))
    assert reply == (
        "\nUptime this month so far: 99.87% (2112 measurements since Sun 01 Nov 2026), "
        "which meets the 99.5% target."
    )
    [(customer_id, start, end)] = monitoring.asked
    assert customer_id == world.acme.id
    assert start == datetime(2026, 11, 1, tzinfo=CPH) and end == world.clock.now()
    windows = shown(await answer(desk, asker=CARLA, text="any service windows planned?"))
    assert "Thu 03 Dec 2026 14:00 (Copenhagen time) to Thu 03 Dec 2026 15:00" in windows
    assert "(SCIM): Database patch" in windows


@pytest.mark.parametrize(
    "text", ["any service windows planned", "Planned maintenance?", "maintenance for SUP?"]
)
async def test_no_service_windows_are_planned(world: World, text: str) -> None:
    assert await ask(world, CARLA, text) == "\nNo extraordinary service windows are planned."


async def test_status_and_due_of_own_ticket(world: World) -> None:
    await file_ticket(world.desk, reporter=CARLA, answers=valid(INCIDENT))
    world.clock.advance(hours=2)
    status = await ask(world, CARLA, "status of sup-1001")
    assert "SUP-1001: Sync to Salesforce stopped" in status
    assert "Status: Open" in status and "Priority: Medium (8 business hours)" in status
    assert "6 h of business time left" in status
    assert "Customer:" not in status  # a customer knows who they are
    due = await ask(world, CARLA, "When is SUP-1001 due?")
    assert due == (
        "\nSUP-1001: first response due Tue 01 Dec 2026 09:00 (Copenhagen time), "
        "6 h of business time left."
    )
    assert await ask(world, CARLA, "hvornår er frist for SUP-1001") == (
        "\nSUP-1001: første svar senest tir 01 dec 2026 09:00 (dansk tid), 6 t arbejdstid tilbage."
    )
    world.clock.advance(hours=5)
    assert "at risk" in await ask(world, CARLA, "when is SUP-1001 due")
    world.clock.advance(days=1)
    assert "overdue since" in await ask(world, CARLA, "when is SUP-1001 due")
    await act(world.desk, actor=AGNES, ref="SUP-1001", action=Action.ACKNOWLEDGE)
    assert "first response given Tue 01 Dec 2026 16:00, late (due Tue 01 Dec 2026 09:00" in (
        await ask(world, CARLA, "SUP-1001")
    )


async def test_another_customers_ticket_answers_exactly_like_a_missing_one(world: World) -> None:
    await file_ticket(world.desk, reporter=CARLA, answers=valid(INCIDENT))
    for text in ("status of {}", "when is {} due", "{}"):
        theirs = await answer(world.desk, asker=GINA, text=text.format("SUP-1001"))
        missing = await answer(world.desk, asker=GINA, text=text.format("SUP-4242"))
        assert theirs == replace(missing, text=missing.text.replace("SUP-4242", "SUP-1001"))
        assert theirs.text == "I can't find a ticket SUP-1001."
        end_user = await answer(world.desk, asker=ERIK, text=text.format("SUP-1001"))
        assert end_user == theirs


async def test_agents_see_every_customers_tickets(world: World) -> None:
    await file_ticket(world.desk, reporter=CARLA, answers=valid(INCIDENT))
    globex = valid({**INCIDENT, "summary": "Globex down"})
    await file_ticket(world.desk, reporter=GINA, answers=globex)
    status = await ask(world, AGNES, "status of SUP-1002")
    assert "Customer: Globex ApS" in status
    listing = await ask(world, AGNES, "open tickets")
    assert "Open tickets (2)" in listing
    assert "- SUP-1001 [Medium, open] Acme A/S: Sync to Salesforce stopped (" in listing
    assert "- SUP-1002 [Medium, open] Globex ApS: Globex down (" in listing


async def test_a_long_list_says_how_many_it_shows(world: World) -> None:
    from bot.app.questions import MAX_LISTED

    for n in range(MAX_LISTED + 2):
        numbered = valid({**INCIDENT, "summary": f"T{n}"})
        await file_ticket(world.desk, reporter=CARLA, answers=numbered)
    reply = await answer(world.desk, asker=CARLA, text="my open tickets")
    assert reply.title == f"Your organisation's open tickets ({MAX_LISTED} of {MAX_LISTED + 2})"
    assert reply.text.count("\n- ") == MAX_LISTED - 1
    assert reply.text.splitlines()[-1].startswith(
        f"Showing the {MAX_LISTED} most urgent of {MAX_LISTED + 2} open tickets;"
    )
    assert "Acme A/S:" not in reply.text  # a customer's own list needs no customer names


@pytest.mark.parametrize("text", ["my open tickets", "My tickets?", "open cases for us"])
async def test_my_open_tickets_lists_only_my_organisations_open_ones(
    world: World, text: str
) -> None:
    await file_ticket(world.desk, reporter=CARLA, answers=valid(INCIDENT))
    await file_ticket(world.desk, reporter=CARLA, answers=valid({**INCIDENT, "summary": "Second"}))
    await file_ticket(world.desk, reporter=GINA, answers=valid({**INCIDENT, "summary": "Globex"}))
    await act(world.desk, actor=AGNES, ref="SUP-1001", action=Action.RESOLVE)
    listing = await ask(world, CARLA, text)
    assert "Your organisation's open tickets (1)" in listing
    assert "SUP-1002 [Medium, open] Second" in listing
    assert "SUP-1001" not in listing and "Globex" not in listing
    assert await ask(world, GINA, text) != listing


async def test_with_no_open_tickets_and_for_end_users(world: World) -> None:
    assert await ask(world, CARLA, "my open tickets") == "\nYou have no open tickets."
    assert "Tickets are filed by your organisation's support contacts" in await ask(
        world, ERIK, "my open tickets"
    )


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 11, 20), "Acme A/S: hypercare starts at go-live on Mon 23 Nov 2026 and lasts "
         "4 weeks, until Mon 21 Dec 2026."),
        (date(2026, 11, 30), "Acme A/S: in hypercare since go-live on Mon 23 Nov 2026, week 2 of "
         "4; it is planned to end Mon 21 Dec 2026 (21 days left)"),
        (date(2026, 12, 21), "Acme A/S: hypercare ended on Mon 21 Dec 2026; standard support"),
    ],
)  # fmt: skip
async def test_hypercare_status_from_go_live_and_agreed_weeks(
    world: World, today: date, expected: str
) -> None:
    world.clock.set(datetime(today.year, today.month, today.day, 10, tzinfo=CPH))
    assert expected in await ask(world, CARLA, "hypercare status?")


async def test_an_agreed_extension_lengthens_hypercare(world: World) -> None:
    async with world.desk.store.unit() as uow:
        period = await uow.hypercare.current(customer_id=world.acme.id)
        await uow.hypercare.update(period_id=period.id, extensions=[{"weeks": 2}])
    assert (
        "week 2 of 6, extended by 2 weeks; it is planned to end Mon 04 Jan 2027 (35 days left)"
        in await ask(world, CARLA, "hypercare status")
    )


async def test_hypercare_without_go_live_and_for_agents(world: World) -> None:
    assert "No go-live date is recorded for Globex ApS" in await ask(world, GINA, "hypercare")
    agent = await ask(world, AGNES, "Hypercare status")
    assert "Acme A/S: in hypercare" in agent and "Globex" not in agent


async def test_an_end_user_in_a_customer_channel_gets_that_customers_hypercare(
    world: World,
) -> None:
    reply = await answer(
        world.desk, asker=ERIK, text="hypercare?", origin=Origin(customer_id=world.acme.id)
    )
    assert "Acme A/S: in hypercare" in reply.text


@pytest.mark.parametrize("text", ["help", "Help!", "hjælp", "what can you do?"])
async def test_help_lists_examples(world: World, text: str) -> None:
    reply = await ask(world, CARLA, text)
    assert "what's current uptime?" in reply and "status of SUP-1001" in reply
    assert "ack SUP-1001" not in reply
    assert "ack SUP-1001" in await ask(world, AGNES, text)


@pytest.mark.parametrize("text", ["", "bake me a cake", "hej", "<!channel> hi"])
async def test_anything_else_gets_help_with_examples(world: World, text: str) -> None:
    reply = await ask(world, CARLA, text)
    assert reply.startswith("Help\nI didn't catch that.")
    assert "when is SUP-1001 due?" in reply


@pytest.mark.parametrize(
    ("seconds_before", "expected"),
    [(20, "less than a minute"), (80, "1 min"), (3600, "1 h")],
)
async def test_due_time_and_time_left_agree_near_the_deadline(
    world: World, seconds_before: int, expected: str
) -> None:
    world.clock.advance(seconds=30)  # filed at 09:00:30: due Tue 01 Dec 09:00:30
    await file_ticket(world.desk, reporter=CARLA, answers=valid(INCIDENT))
    world.clock.advance(days=1, seconds=-seconds_before)
    reply = await ask(world, CARLA, "when is SUP-1001 due?")
    assert f"first response due Tue 01 Dec 2026 09:00:30 (Copenhagen time), {expected} " in reply


async def test_end_user_help_points_to_first_level_support_not_ticket(world: World) -> None:
    end_user = await ask(world, ERIK, "help")
    assert "/ticket" not in end_user
    assert "contact your organisation's own IT support (1st-level support) first" in end_user
    assert "To report a problem, use /ticket." in await ask(world, CARLA, "help")
    assert "/ticket" not in await ask(world, AGNES, "help")


async def test_one_week_and_one_day_are_singular(world: World) -> None:
    async with world.desk.store.unit() as uow:
        period = await uow.hypercare.current(customer_id=world.acme.id)
        await uow.hypercare.update(period_id=period.id, start=date(2026, 12, 10), weeks=1)
    assert "lasts 1 week, until" in await ask(world, CARLA, "hypercare status")
    world.clock.set(datetime(2026, 12, 16, 9, 0, tzinfo=CPH))
    assert "(1 day left)" in await ask(world, CARLA, "hypercare status")


@pytest.mark.parametrize(
    "text",
    ["status of SUP 1002", "status of 1002", "sup1002", "what is the status for #1002?"],
)
async def test_a_ticket_can_be_named_loosely(world: World, text: str) -> None:
    await file_ticket(world.desk, reporter=CARLA, answers=valid(INCIDENT))
    await file_ticket(world.desk, reporter=CARLA, answers=valid({**INCIDENT, "summary": "Second"}))
    assert (await ask(world, CARLA, text)).startswith("SUP-1002: Second\n")


async def test_when_is_a_bare_number_due(world: World) -> None:
    await file_ticket(world.desk, reporter=CARLA, answers=valid(INCIDENT))
    assert "SUP-1001: first response due" in await ask(world, CARLA, "when is 1001 due?")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hvad er oppetiden?", "Der findes endnu ingen målinger af tilgængeligheden"),
        ("hvad er den nuværende oppetid", "Aftalens mål er 99.5% pr. kalendermåned"),
        ("er der servicevinduer?", "Der er ingen ekstraordinære servicevinduer planlagt."),
        ("er der planlagt nedetid", "Der er ingen ekstraordinære servicevinduer planlagt."),
        ("mine åbne sager", "Jeres åbne sager (1)\n- SUP-1001 [Medium, åben] Sync"),
        ("sager", "Jeres åbne sager (1)"),
        ("status på SUP-1001", "SUP-1001 er åben.\nStatus: Åben\nPrioritet: Medium"),
        ("status på SUP-4242", "Jeg kan ikke finde en sag SUP-4242."),
    ],
)
async def test_questions_in_danish_get_the_main_answers_in_danish(
    world: World, text: str, expected: str
) -> None:
    await file_ticket(world.desk, reporter=CARLA, answers=valid(INCIDENT))
    assert expected in await ask(world, CARLA, text)


@pytest.mark.parametrize("text", ["status for SUP-1001", "what is uptime for us"])
async def test_english_with_for_stays_english(world: World, text: str) -> None:
    await file_ticket(world.desk, reporter=CARLA, answers=valid(INCIDENT))
    reply = await ask(world, CARLA, text)
    assert "Status: Open" in reply or "No availability measurements" in reply
