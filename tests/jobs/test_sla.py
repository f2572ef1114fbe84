"""The SLA tick: countdown posts in the thread at the thresholds, the breach and reminders, in
business time; the provider told of breaches; everything once, and only while it is owed.

Time is a fake clock moved to the instants that matter; every test runs on the in-memory
store and on the real database(s).
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from typing import Any

from adapters.console import PLATFORM as CONSOLE
from adapters.slack.settings import PLATFORM as SLACK
from bot.app.actions import act
from bot.app.desk import Desk
from bot.app.filing import file_ticket
from bot.app.outbox import drain
from bot.app.replies import Reply
from bot.domain.lifecycle import Action
from bot.domain.models import ChatBinding, CustomerChannel, Edit, TicketThread
from bot.domain.policy import ClosingDay
from bot.jobs import sla
from tests.app.conftest import AGNES, CARLA, CPH, GINA, INCIDENT, World, outbox, valid
from tests.fakes import RecordingNotifier

HIGHEST = {**INCIDENT, "affected": "all", "data_loss": "yes"}
HIGH = {**INCIDENT, "affected": "some", "data_loss": "yes"}
MEDIUM = INCIDENT  # some users, no risk of data loss

# Friday 20 November 2026 at 15:50: the documented example (docs/sla.md).
FRIDAY_1550 = datetime(2026, 11, 20, 15, 50, tzinfo=CPH)


def cph(*args: int) -> datetime:
    return datetime(*args, tzinfo=CPH)  # type: ignore[misc]


async def file_at(world: World, at: datetime, answers: dict[str, str], reporter=GINA) -> str:
    world.clock.set(at)
    filed = await file_ticket(world.desk, reporter=reporter, answers=valid(answers))
    return filed.ticket.ref


async def tick(world: World, at: datetime) -> int:
    world.clock.set(at)
    return await sla.run(world.desk)


async def countdown_posts(world: World) -> list[tuple[str, Reply]]:
    """(milestone key, post) of every countdown post in a thread, in the order queued."""
    found = []
    for m in await outbox(world.desk.store):
        if m.dedupe_key.startswith("countdown:"):
            assert isinstance(m.target, TicketThread)
            found.append((m.dedupe_key.split(":", 2)[2], Reply.from_json(m.content)))
    return found


async def keys(world: World) -> list[str]:
    return [key for key, _ in await countdown_posts(world)]


async def next_look(world: World, ref: str) -> datetime | None:
    """When the tick next selects the ticket (None: never again)."""
    async with world.desk.store.unit() as uow:
        due = await uow.tickets.countdowns_due(now=cph(2100, 1, 1), limit=1000)
    return next((c.next_at for c in due if c.ticket.ref == ref), None)


async def walk(world: World, ref: str, until: datetime) -> list[tuple[str, datetime]]:
    """Tick exactly at each instant the ticket asks to be looked at again, up to `until`:
    which milestone each tick posted, and when."""
    posted = []
    while (at := await next_look(world, ref)) is not None and at <= until:
        before = set(await keys(world))
        await tick(world, at.astimezone(CPH))
        new = [k for k in await keys(world) if k not in before]
        posted += [(k, at.astimezone(CPH)) for k in new]
    return posted


async def test_a_highest_ticket_filed_on_friday_at_1550_counts_down_on_monday_morning(
    world: World,
) -> None:
    ref = await file_at(world, FRIDAY_1550, HIGHEST)
    assert await tick(world, cph(2026, 11, 20, 15, 51)) == 0
    assert await next_look(world, ref) == cph(2026, 11, 23, 8, 20)  # the weekend does not count
    assert await tick(world, cph(2026, 11, 21, 12, 0)) == 0  # Saturday: nothing
    assert await walk(world, ref, cph(2026, 11, 24, 9, 0)) == [
        ("highest:50", cph(2026, 11, 23, 8, 20)),
        ("highest:75", cph(2026, 11, 23, 8, 35)),
        ("highest:90", cph(2026, 11, 23, 8, 44)),
        ("highest:breach", cph(2026, 11, 23, 8, 50)),
        *[(f"highest:reminder-{n}", cph(2026, 11, 23, 8 + n, 50)) for n in range(1, 8)],
        ("highest:reminder-8", cph(2026, 11, 24, 8, 50)),  # never after hours
    ]
    posts = dict(await countdown_posts(world))
    assert posts["highest:50"].text == (
        f"50 % of the first-response time of {ref} has passed without a first response. "
        "30 min of business time left; the first response is due Mon 23 Nov 2026 08:50 "
        "(Copenhagen time)."
    )
    assert (
        posts["highest:50"].footer == "SLA: On track, as of Mon 23 Nov 2026 08:20 (Copenhagen time)"
    )
    assert posts["highest:75"].footer.startswith("SLA: At risk")
    assert posts["highest:breach"].text == (
        f"{ref} breached its first-response time: it was due Mon 23 Nov 2026 08:50 (Copenhagen "
        "time) and has had no first response. No business time is left."
    )
    assert posts["highest:breach"].footer.startswith("SLA: Breached")
    assert posts["highest:reminder-1"].text == (
        f"Reminder: {ref} still has no first response, 1 h of business time after it was due "
        "(Mon 23 Nov 2026 08:50 (Copenhagen time))."
    )


async def test_a_medium_ticket_filed_on_friday_at_1550(world: World) -> None:
    ref = await file_at(world, FRIDAY_1550, MEDIUM)
    assert await walk(world, ref, cph(2026, 11, 24, 9, 0)) == [
        ("medium:50", cph(2026, 11, 23, 11, 50)),
        ("medium:75", cph(2026, 11, 23, 13, 50)),
        ("medium:90", cph(2026, 11, 23, 15, 2)),
        ("medium:breach", cph(2026, 11, 23, 15, 50)),
        ("medium:reminder-1", cph(2026, 11, 24, 8, 50)),
    ]


async def test_christmas_eve_and_the_bank_holidays_do_not_count(world: World) -> None:
    # High (4 business hours) on Wednesday 23 December 2026 at 14:00: 24 and 25 December are
    # closing days, then the weekend; 2 hours are left on Monday 28 December.
    ref = await file_at(world, cph(2026, 12, 23, 14, 0), HIGH)
    assert await walk(world, ref, cph(2026, 12, 28, 12, 0)) == [
        ("high:50", cph(2026, 12, 23, 16, 0)),  # exactly at closing, when 2 hours are gone
        ("high:75", cph(2026, 12, 28, 9, 0)),
        ("high:90", cph(2026, 12, 28, 9, 36)),
        ("high:breach", cph(2026, 12, 28, 10, 0)),
        ("high:reminder-1", cph(2026, 12, 28, 11, 0)),
        ("high:reminder-2", cph(2026, 12, 28, 12, 0)),
    ]


async def test_the_friday_after_ascension_day_is_closed(world: World) -> None:
    # Thursday 6 May 2027 is Ascension Day and Friday 7 May a bank closing day.
    ref = await file_at(world, cph(2027, 5, 5, 15, 0), HIGHEST)
    assert await walk(world, ref, cph(2027, 5, 10, 9, 0)) == [
        ("highest:50", cph(2027, 5, 5, 15, 30)),
        ("highest:75", cph(2027, 5, 5, 15, 45)),
        ("highest:90", cph(2027, 5, 5, 15, 54)),
        ("highest:breach", cph(2027, 5, 5, 16, 0)),
        ("highest:reminder-1", cph(2027, 5, 10, 9, 0)),
    ]


async def test_the_countdown_runs_across_the_end_of_summer_time(world: World) -> None:
    # Filed Friday 23 October 2026 at 12:00 CEST; clocks go back on Sunday 25 October.
    ref = await file_at(world, cph(2026, 10, 23, 12, 0), MEDIUM)
    posted = await walk(world, ref, cph(2026, 10, 26, 12, 0))
    assert posted == [
        ("medium:50", cph(2026, 10, 23, 16, 0)),
        ("medium:75", cph(2026, 10, 26, 10, 0)),
        ("medium:90", cph(2026, 10, 26, 11, 12)),
        ("medium:breach", cph(2026, 10, 26, 12, 0)),
    ]
    assert [at.utcoffset().total_seconds() / 3600 for _, at in posted] == [2, 1, 1, 1]  # type: ignore[union-attr]
    posts = dict(await countdown_posts(world))
    assert "due Mon 26 Oct 2026 12:00 (Copenhagen time)" in posts["medium:75"].text


async def test_acknowledging_stops_the_countdown(world: World) -> None:
    ref = await file_at(world, cph(2026, 11, 30, 9, 0), HIGHEST)
    await tick(world, cph(2026, 11, 30, 9, 30))
    assert await keys(world) == ["highest:50"]
    world.clock.set(cph(2026, 11, 30, 9, 40))
    await act(world.desk, actor=AGNES, ref=ref, action=Action.ACKNOWLEDGE)
    assert await next_look(world, ref) is None
    for at in (cph(2026, 11, 30, 9, 45), cph(2026, 11, 30, 10, 0), cph(2026, 12, 1, 12, 0)):
        assert await tick(world, at) == 0
    assert await keys(world) == ["highest:50"]


async def test_a_reprioritised_ticket_moves_to_its_new_clock(world: World) -> None:
    ref = await file_at(world, cph(2026, 11, 30, 9, 0), MEDIUM)
    await tick(world, cph(2026, 11, 30, 9, 10))
    assert await next_look(world, ref) == cph(2026, 11, 30, 13, 0)
    world.clock.set(cph(2026, 11, 30, 9, 20))
    await act(
        world.desk,
        actor=AGNES,
        ref=ref,
        action=Action.REPRIORITISE,
        text="highest all stores are down",
    )
    assert await tick(world, cph(2026, 11, 30, 9, 21)) == 0
    assert await next_look(world, ref) == cph(2026, 11, 30, 9, 30)  # Highest, counted from 09:00
    assert await walk(world, ref, cph(2026, 11, 30, 13, 0)) == [
        ("highest:50", cph(2026, 11, 30, 9, 30)),
        ("highest:75", cph(2026, 11, 30, 9, 45)),
        ("highest:90", cph(2026, 11, 30, 9, 54)),
        ("highest:breach", cph(2026, 11, 30, 10, 0)),
        ("highest:reminder-1", cph(2026, 11, 30, 11, 0)),
        ("highest:reminder-2", cph(2026, 11, 30, 12, 0)),
        ("highest:reminder-3", cph(2026, 11, 30, 13, 0)),
    ]  # and nothing of the Medium clock it left


async def test_after_downtime_only_the_newest_crossed_milestone_posts_once(world: World) -> None:
    ref = await file_at(world, cph(2026, 11, 30, 9, 0), MEDIUM)
    await tick(world, cph(2026, 11, 30, 9, 1))
    # Down from 09:01 until Tuesday 08:30: 50 %, 75 % and 90 % were crossed meanwhile.
    assert await tick(world, cph(2026, 12, 1, 8, 30)) == 1
    [(key, post)] = await countdown_posts(world)
    assert key == "medium:90"
    assert "30 min of business time left" in post.text  # the state now, not at 90 % (08:12)
    assert await tick(world, cph(2026, 12, 1, 8, 31)) == 0
    async with world.desk.store.unit() as uow:
        trail = [e.after for e in await uow.tickets.events(ref=ref) if e.action == "sla.countdown"]
    assert trail == [{"milestone": "medium:90"}]


async def test_a_tick_run_twice_posts_nothing_new(world: World) -> None:
    await file_at(world, cph(2026, 11, 30, 9, 0), HIGHEST)
    await file_at(world, cph(2026, 11, 30, 9, 0), MEDIUM)
    assert await tick(world, cph(2026, 11, 30, 9, 30)) == 1
    before = await outbox(world.desk.store)
    assert await tick(world, cph(2026, 11, 30, 9, 30)) == 0
    assert len(await outbox(world.desk.store)) == len(before)


async def provider_on_slack(world: World) -> None:
    async with world.desk.store.unit() as uow:
        await uow.customers.update(
            customer_id=world.provider.id, bindings=[ChatBinding(SLACK, None, "C0VENDOR")]
        )


def escalations(messages: list[Any]) -> list[tuple[str, Reply]]:
    return [
        (m.dedupe_key, Reply.from_json(m.content))
        for m in messages
        if isinstance(m.target, CustomerChannel) and m.dedupe_key.startswith("escalate:")
    ]


async def test_a_breach_and_each_reminder_escalate_to_the_providers_channel(world: World) -> None:
    await provider_on_slack(world)
    ref = await file_at(world, cph(2026, 11, 30, 9, 0), HIGHEST, reporter=CARLA)
    await tick(world, cph(2026, 11, 30, 9, 54))
    assert escalations(await outbox(world.desk.store)) == []  # thresholds stay in the thread
    assert await tick(world, cph(2026, 11, 30, 10, 5)) == 2  # the thread post and the provider
    assert await tick(world, cph(2026, 11, 30, 11, 0)) == 2
    found = escalations(await outbox(world.desk.store))
    assert [k for k, _ in found] == [
        f"escalate:{ref}:highest:breach:{SLACK}",
        f"escalate:{ref}:highest:reminder-1:{SLACK}",
    ]
    breach = found[0][1]
    assert breach.text == (
        f"{ref} for Acme A/S (Highest) was due Mon 30 Nov 2026 10:00 (Copenhagen time) and is "
        "5 min of business time late."
    )
    assert {f.label: f.value for f in breach.fields} == {
        "Ticket": ref,
        "Customer": "Acme A/S",
        "Priority": "Highest",
        "Late": "5 min",
    }
    for m in await outbox(world.desk.store):
        if m.dedupe_key.startswith("escalate:"):
            assert m.target == CustomerChannel(SLACK, world.provider.id, ref)


async def test_the_providers_escalation_never_becomes_the_tickets_thread(world: World) -> None:
    await provider_on_slack(world)
    ref = await file_at(world, cph(2026, 11, 30, 9, 0), HIGHEST, reporter=CARLA)
    await tick(world, cph(2026, 11, 30, 10, 0))
    slack = RecordingNotifier(SLACK)
    assert await drain(world.desk, {SLACK: slack}) == 1  # Acme's announcement is on the console
    assert slack.deliveries[0].destination.conversation == "C0VENDOR"
    async with world.desk.store.unit() as uow:
        assert (await uow.tickets.get(ref=ref)).thread is None  # type: ignore[union-attr]
    console = RecordingNotifier(CONSOLE)
    await drain(world.desk, {CONSOLE: console})
    async with world.desk.store.unit() as uow:
        thread = (await uow.tickets.get(ref=ref)).thread  # type: ignore[union-attr]
    assert thread is not None and thread.conversation == "Acme A/S"
    assert all(d.destination.thread == thread.thread for d in console.deliveries[1:])


async def test_a_countdown_redraw_and_an_acknowledgement_redraw_each_have_their_own_key(
    world: World,
) -> None:
    ref = await file_at(world, cph(2026, 11, 30, 9, 0), HIGHEST, reporter=CARLA)
    console = RecordingNotifier(CONSOLE)
    await drain(world.desk, {CONSOLE: console})
    await tick(world, cph(2026, 11, 30, 9, 45))  # redraws: at risk, no audit-visible change
    await act(world.desk, actor=AGNES, ref=ref, action=Action.ACKNOWLEDGE)  # same instant
    edits = [m for m in await outbox(world.desk.store) if isinstance(m.target, Edit)]
    assert len(edits) == 2 and len({m.dedupe_key for m in edits}) == 2
    countdown, ack = (Reply.from_json(m.content) for m in edits)
    assert _sla(countdown) == "At risk: 15 min left as of Mon 30 Nov 2026 09:45"
    assert _sla(ack) == "Met: first response given Mon 30 Nov 2026 09:45"
    await drain(world.desk, {CONSOLE: console})
    [shown] = console.edits
    assert _sla(Reply.from_json(shown.content)) == _sla(ack)
    assert Reply.from_json(shown.content).footer == "Status: Acknowledged"


def _sla(reply: Reply) -> str:
    return next(f.value for f in reply.fields if f.label == "SLA")


async def test_the_announcement_says_on_track_at_filing(world: World) -> None:
    await file_at(world, cph(2026, 11, 30, 9, 0), MEDIUM, reporter=CARLA)
    [announcement] = [
        m for m in await outbox(world.desk.store) if isinstance(m.target, CustomerChannel)
    ]
    assert _sla(Reply.from_json(announcement.content)) == (
        "On track: 8 h left as of Mon 30 Nov 2026 09:00"
    )


async def test_hypercare_expedites_critical_tickets(world: World) -> None:
    # Acme is in hypercare (from 23 November, 4 weeks); Globex is not.
    acme = await file_at(world, cph(2026, 11, 30, 9, 0), HIGH, reporter=CARLA)
    globex = await file_at(world, cph(2026, 11, 30, 9, 0), HIGH, reporter=GINA)
    await tick(world, cph(2026, 11, 30, 10, 0))
    assert [k for k, _ in await countdown_posts(world)] == ["high:25"]
    assert await next_look(world, acme) == cph(2026, 11, 30, 11, 0)
    assert await next_look(world, globex) == cph(2026, 11, 30, 11, 0)


async def test_a_changed_calendar_moves_unanswered_due_instants_once(world: World) -> None:
    ref = await file_at(world, FRIDAY_1550, HIGH)
    answered = await file_at(world, FRIDAY_1550, HIGH)
    await act(world.desk, actor=AGNES, ref=answered, action=Action.ACKNOWLEDGE)
    closed = dataclasses.replace(
        world.desk.policy,
        extra_closing_days=(ClosingDay(date(2026, 11, 23), "Office move"),),
    )
    desk = Desk.create(store=world.desk.store, clock=world.clock, policy=closed)
    world.clock.set(cph(2026, 11, 20, 18, 0))
    assert await sla.recompute(desk) == 1
    assert await sla.recompute(desk) == 0
    async with desk.store.unit() as uow:
        ticket = await uow.tickets.get(ref=ref)
        untouched = await uow.tickets.get(ref=answered)
        [event] = [e for e in await uow.tickets.events(ref=ref) if e.action == "sla.recomputed"]
    assert ticket is not None and untouched is not None
    assert ticket.first_response_due == cph(2026, 11, 24, 11, 50)
    assert untouched.first_response_due == cph(2026, 11, 23, 11, 50)
    recorded = event.after["first_response_due"]
    if isinstance(recorded, str):  # the SQL audit trail is JSON
        recorded = datetime.fromisoformat(recorded)
    assert recorded == cph(2026, 11, 24, 11, 50)
    [post] = [
        Reply.from_json(m.content)
        for m in await outbox(desk.store)
        if m.dedupe_key.startswith(f"due:{ref}:")
    ]
    assert post.text == (
        f"The support calendar changed, so the first response to {ref} is now due "
        "Tue 24 Nov 2026 11:50 (Copenhagen time) (it was Mon 23 Nov 2026 11:50 (Copenhagen time))."
    )
    # The countdown follows the new calendar.
    world.clock.set(cph(2026, 11, 20, 18, 1))
    await sla.run(desk)
    assert await next_look(world, ref) == cph(2026, 11, 24, 9, 50)


async def test_the_announcement_is_redrawn_at_thresholds_and_the_breach_not_at_reminders(
    world: World,
) -> None:
    ref = await file_at(world, cph(2026, 11, 30, 9, 0), HIGHEST, reporter=CARLA)
    await drain(world.desk, {CONSOLE: RecordingNotifier(CONSOLE)})  # the announcement is up
    redraws = []
    for at in (cph(2026, 11, 30, 9, 30), cph(2026, 11, 30, 10, 0), cph(2026, 11, 30, 11, 0)):
        await tick(world, at)
        redraws.append(
            [
                _sla(Reply.from_json(m.content))
                for m in await outbox(world.desk.store)
                if isinstance(m.target, Edit)
            ]
        )
    assert redraws[0] == ["On track: 30 min left as of Mon 30 Nov 2026 09:30"]
    assert redraws[1][1:] == ["Breached: no time left as of Mon 30 Nov 2026 10:00"]
    assert redraws[2] == redraws[1]  # reminder-1 at 11:00: a post, no redraw
    assert await keys(world) == ["highest:50", "highest:breach", "highest:reminder-1"]
    await tick(world, cph(2026, 11, 30, 11, 30))
    await act(world.desk, actor=AGNES, ref=ref, action=Action.ACKNOWLEDGE)
    [*_, ack] = [m for m in await outbox(world.desk.store) if isinstance(m.target, Edit)]
    assert _sla(Reply.from_json(ack.content)) == (
        "Breached: first response given Mon 30 Nov 2026 11:30, 1 h 30 min late"
    )
