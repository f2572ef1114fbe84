"""Service windows: agents schedule, change and cancel them; customers' channels are told at
once and, by the clock job, 24 hours before, at the start and at the end."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from adapters.console import PLATFORM as CONSOLE
from adapters.slack.settings import PLATFORM as SLACK
from bot.app import windows as use
from bot.app.conversation import respond
from bot.app.replies import Reply
from bot.app.window_notices import audience
from bot.domain.models import CustomerChannel
from bot.domain.windows import WindowProblem
from bot.jobs.windows import run as tick
from tests.app.conftest import AGNES, CARLA, CPH, MONDAY_9, World, outbox

# Tuesday 1 December 2026, 20:00-23:00 Copenhagen: more than 24 hours after MONDAY_9.
START = datetime(2026, 12, 1, 20, 0, tzinfo=CPH)
END = datetime(2026, 12, 1, 23, 0, tzinfo=CPH)


@pytest.fixture
def desk_world(world: World) -> World:
    """The world with the console showing every customer's channel (as `supportbot chat`)."""
    world.desk = replace(world.desk, implicit_platforms=(CONSOLE,))
    return world


async def notices(world: World) -> list[tuple[str, str, int, str]]:
    """(phase, title, customer, platform) of every window notice queued, oldest first."""
    found = []
    for m in await outbox(world.desk.store):
        if not m.dedupe_key.startswith("window:"):
            continue
        assert isinstance(m.target, CustomerChannel)
        phase = m.dedupe_key.split(":")[3]
        title = Reply.from_json(m.content).title or ""
        found.append((phase, title, m.target.customer_id, m.target.platform))
    return found


def channels(world: World) -> set[tuple[int, str]]:
    """Every customer's support channels: Acme on the console, Globex on Slack and console."""
    return {
        (world.acme.id, CONSOLE),
        (world.globex.id, SLACK),
        (world.globex.id, CONSOLE),
    }


async def add(world: World, **kw: object) -> use.Recorded:
    values: dict[str, object] = {
        "by": AGNES,
        "start": START,
        "end": END,
        "reason": "Database upgrade",
    }
    values.update(kw)
    return await use.schedule(world.desk, **values)  # type: ignore[arg-type]


async def phases_at(world: World, at: datetime) -> list[str]:
    """Run the clock tick at `at`; the phases of the notices it queued."""
    before = len(await notices(world))
    world.clock.set(at)
    queued = await tick(world.desk)
    new = (await notices(world))[before:]
    assert queued == len(new)
    return sorted({phase for phase, *_ in new})


async def test_an_agents_window_is_announced_in_every_customers_channels(desk_world):
    world = desk_world
    done = await add(world)
    assert (done.customers, done.posts) == (2, 3)
    found = await notices(world)
    assert {(c, p) for _, _, c, p in found} == channels(world)  # not the provider's own
    assert {(phase, title) for phase, title, *_ in found} == {
        ("announced", "Service window planned")
    }
    message = (await outbox(world.desk.store))[0]
    reply = Reply.from_json(message.content)
    assert "all services" in reply.text and "Reason: Database upgrade" in reply.text
    start, end = reply.fields[1], reply.fields[2]
    assert (start.value, start.at) == ("Tue 01 Dec 2026 20:00 (Copenhagen time)", START)
    assert (end.value, end.at) == ("Tue 01 Dec 2026 23:00 (Copenhagen time)", END)
    keys = {m.dedupe_key for m in await outbox(world.desk.store)}
    assert f"window:{done.window.id}:r1:announced:{world.globex.id}:{SLACK}" in keys


async def test_without_the_console_a_customer_is_told_where_it_is_bound(world):
    done = await add(world)
    assert (done.customers, done.posts) == (1, 1)
    assert [(c, p) for *_, c, p in await notices(world)] == [(world.globex.id, SLACK)]


async def test_only_agents_schedule_change_or_cancel_and_nothing_is_recorded_otherwise(
    desk_world,
):
    world = desk_world
    with pytest.raises(use.NotAllowed, match="only the service provider's agents"):
        await add(world, by=CARLA)
    done = await add(world)
    with pytest.raises(use.NotAllowed):
        await use.change(world.desk, by=CARLA, window_id=done.window.id, reason="mine now")
    with pytest.raises(use.NotAllowed):
        await use.cancel(world.desk, by=CARLA, window_id=done.window.id)
    async with world.desk.store.unit() as uow:
        (window,) = await uow.windows.list()
    assert (window.revision, window.reason, window.cancelled) == (1, "Database upgrade", False)
    assert len(await notices(world)) == 3


@pytest.mark.parametrize(
    ("kw", "problem"),
    [
        ({"end": START}, "must end after it starts"),
        ({"end": START - timedelta(hours=1)}, "must end after it starts"),
        ({"end": START + timedelta(days=7, minutes=1)}, "at most 7 days"),
        (
            {"start": MONDAY_9 - timedelta(hours=3), "end": MONDAY_9 - timedelta(hours=1)},
            "entirely in the past",
        ),
        ({"service": "x" * 101}, "101 characters long; at most 100"),
        ({"service": "   "}, "service name is empty"),
        ({"reason": "  "}, "say why"),
        ({"reason": "y" * 501}, "at most 500"),
    ],
)
async def test_a_window_that_cannot_be_recorded_says_why(desk_world, kw, problem):
    with pytest.raises(WindowProblem, match=problem):
        await add(desk_world, **kw)
    assert await notices(desk_world) == []


async def test_a_window_under_way_may_be_announced(desk_world):
    world = desk_world
    done = await add(world, start=MONDAY_9 - timedelta(hours=1), end=MONDAY_9 + timedelta(hours=1))
    message = (await outbox(world.desk.store))[0]
    assert "It is under way now and ends Mon 30 Nov 2026 10:00" in message.content["text"]
    assert done.window.revised_at == MONDAY_9


async def test_the_clock_tells_24_hours_before_at_the_start_and_at_the_end(desk_world):
    world = desk_world
    await add(world)
    assert await phases_at(world, MONDAY_9 + timedelta(minutes=1)) == []
    assert await phases_at(world, START - timedelta(hours=24, minutes=1)) == []
    assert await phases_at(world, START - timedelta(hours=24)) == ["soon"]
    assert await phases_at(world, START - timedelta(hours=23)) == []  # ticked again: nothing
    assert await phases_at(world, START - timedelta(seconds=1)) == []
    assert await phases_at(world, START) == ["started"]
    assert await phases_at(world, START + timedelta(seconds=30)) == []
    assert await phases_at(world, END) == ["ended"]
    assert await phases_at(world, END + timedelta(minutes=1)) == []
    found = await notices(world)
    assert [t for p, t, c, pl in found if (c, pl) == (world.globex.id, SLACK)] == [
        "Service window planned",
        "Reminder: service window Tue 01 Dec 2026 20:00",
        "Service window started",
        "Service window over",
    ]
    soon = next(m for m in await outbox(world.desk.store) if ":soon:" in m.dedupe_key)
    assert "starts in 24 h" in soon.content["text"]


async def test_a_tick_run_twice_at_one_instant_queues_nothing_new(desk_world):
    world = desk_world
    await add(world)
    world.clock.set(START)
    assert await tick(world.desk) == 3
    assert await tick(world.desk) == 0


async def test_announced_less_than_24_hours_ahead_the_announcement_is_the_reminder(desk_world):
    world = desk_world
    start = MONDAY_9 + timedelta(hours=5)
    await add(world, start=start, end=start + timedelta(hours=2))
    message = (await outbox(world.desk.store))[0]
    assert "It starts in 5 h." in message.content["text"]
    assert await phases_at(world, MONDAY_9 + timedelta(minutes=1)) == []  # no second post
    assert await phases_at(world, start) == ["started"]
    assert await phases_at(world, start + timedelta(hours=2)) == ["ended"]


async def test_after_downtime_a_window_that_passed_gets_the_end_notice_only(desk_world):
    world = desk_world
    await add(world)
    assert await phases_at(world, END + timedelta(hours=1)) == ["ended"]  # down since Monday
    assert [p for p, *_ in await notices(world)].count("ended") == 3


async def test_after_long_downtime_a_window_long_over_gets_nothing(desk_world):
    world = desk_world
    await add(world)
    assert await phases_at(world, END + timedelta(hours=6, minutes=1)) == []


async def test_after_downtime_inside_the_window_only_the_start_is_told(desk_world):
    world = desk_world
    await add(world)
    assert await phases_at(world, START + timedelta(hours=1)) == ["started"]


async def test_a_change_is_told_and_the_later_notices_follow_the_new_times(desk_world):
    world = desk_world
    done = await add(world)
    later = START + timedelta(days=2)
    changed = await use.change(
        world.desk, by=AGNES, window_id=done.window.id, start=later, end=later + timedelta(hours=4)
    )
    assert changed.window.id == done.window.id and changed.window.revision == 2
    assert changed.posts == 3
    change = next(m for m in await outbox(world.desk.store) if ":changed:" in m.dedupe_key)
    reply = Reply.from_json(change.content)
    assert reply.title == "Service window changed"
    assert {f.label: f.value for f in reply.fields}["Was"] == (
        "Tue 01 Dec 2026 20:00 to Tue 01 Dec 2026 23:00 (Copenhagen time)"
    )
    # The old times pass in silence.
    assert await phases_at(world, START - timedelta(hours=24)) == []
    assert await phases_at(world, START) == []
    assert await phases_at(world, END) == []
    assert await phases_at(world, later - timedelta(hours=24)) == ["soon"]
    assert await phases_at(world, later) == ["started"]
    assert await phases_at(world, later + timedelta(hours=4)) == ["ended"]
    keys = [m.dedupe_key for m in await outbox(world.desk.store)]
    assert not [k for k in keys if ":r1:" in k and ":announced:" not in k]
    async with world.desk.store.unit() as uow:
        revisions = await uow.windows.revisions(window_id=done.window.id)
    assert [(r.revision, r.action, r.actor) for r in revisions] == [
        (1, "added", str(AGNES)),
        (2, "changed", str(AGNES)),
    ]
    assert revisions[0].start == START and revisions[1].start == later


async def test_a_change_after_the_reminder_brings_a_new_reminder_for_the_new_times(desk_world):
    world = desk_world
    done = await add(world)
    assert await phases_at(world, START - timedelta(hours=24)) == ["soon"]
    soon = [t for p, t, c, pl in await notices(world) if p == "soon" and pl == SLACK]
    assert soon == ["Reminder: service window Tue 01 Dec 2026 20:00"]
    later = START + timedelta(days=3)
    await use.change(
        world.desk, by=AGNES, window_id=done.window.id, start=later, end=later + timedelta(hours=1)
    )
    # (Not delivered yet, the old reminder is withdrawn; see the tests below.)
    assert await phases_at(world, later - timedelta(hours=24)) == ["soon"]
    soon = [t for p, t, c, pl in await notices(world) if p == "soon" and pl == SLACK]
    assert soon[-1] == "Reminder: service window Fri 04 Dec 2026 20:00"


async def test_a_change_of_reason_or_service_alone_keeps_the_times(desk_world):
    world = desk_world
    done = await add(world)
    changed = await use.change(
        world.desk, by=AGNES, window_id=done.window.id, service="Salesforce sync"
    )
    assert (changed.window.start, changed.window.service) == (START, "Salesforce sync")
    with pytest.raises(WindowProblem, match="changes nothing"):
        await use.change(world.desk, by=AGNES, window_id=done.window.id, service="Salesforce sync")
    with pytest.raises(WindowProblem, match="no service window 999"):
        await use.change(world.desk, by=AGNES, window_id=999, reason="x")


async def test_a_cancelled_window_is_told_once_and_then_silent(desk_world):
    world = desk_world
    done = await add(world)
    cancelled = await use.cancel(
        world.desk, by=AGNES, window_id=done.window.id, note="The vendor postponed the upgrade"
    )
    assert cancelled.window.cancelled and cancelled.posts == 3
    message = next(m for m in await outbox(world.desk.store) if ":cancelled:" in m.dedupe_key)
    assert "Why: The vendor postponed the upgrade" in message.content["text"]
    for at in (START - timedelta(hours=24), START, END):
        assert await phases_at(world, at) == []
    with pytest.raises(WindowProblem, match="cancelled already"):
        await use.cancel(world.desk, by=AGNES, window_id=done.window.id)
    with pytest.raises(WindowProblem, match="is cancelled; add a new one"):
        await use.change(world.desk, by=AGNES, window_id=done.window.id, reason="back on")


async def test_a_window_that_is_over_cannot_be_changed_or_cancelled(desk_world):
    world = desk_world
    done = await add(world)
    world.clock.set(END)
    with pytest.raises(WindowProblem, match="is over"):
        await use.cancel(world.desk, by=AGNES, window_id=done.window.id)


async def test_the_audience_is_every_customer_but_the_provider_for_any_service(world):
    """Issue 12 maps services to customers in `audience`; until then everyone hears."""
    for service in (None, "Salesforce sync"):
        done = await add(world, service=service)
        async with world.desk.store.unit() as uow:
            heard = await audience(uow, done.window)
        assert {c.name for c in heard} == {"Acme A/S", "Globex ApS"}


async def test_a_dst_night_window_counts_real_hours(desk_world):
    """Sunday 31 October 2027, 01:00-04:00 Copenhagen: the clocks go back at 03:00, so the
    window lasts 4 hours, and its reminder comes 24 real hours before its start."""
    world = desk_world
    world.clock.set(datetime(2027, 10, 28, 12, 0, tzinfo=CPH))
    reply = await respond(
        world.desk, speaker=AGNES, text="window add 2027-10-31 01:00-04:00 reason Migration"
    )
    assert reply.title is not None and reply.title.endswith(" added")
    async with world.desk.store.unit() as uow:
        (window,) = await uow.windows.list()
    assert window.end - window.start == timedelta(hours=4)
    assert window.start == datetime(2027, 10, 30, 23, 0, tzinfo=UTC)  # 01:00 summer time
    assert window.end == datetime(2027, 10, 31, 3, 0, tzinfo=UTC)  # 04:00 winter time
    assert await phases_at(world, window.start - timedelta(hours=24, seconds=1)) == []
    assert await phases_at(world, window.start - timedelta(hours=24)) == ["soon"]
    assert await phases_at(world, window.start) == ["started"]
    assert await phases_at(world, window.end - timedelta(seconds=1)) == []
    assert await phases_at(world, window.end) == ["ended"]
    ended = next(m for m in await outbox(world.desk.store) if ":ended:" in m.dedupe_key)
    values = {f.label: f.value for f in Reply.from_json(ended.content).fields}
    assert values["Start"] == "Sun 31 Oct 2027 01:00 (Copenhagen time)"
    assert values["End"] == "Sun 31 Oct 2027 04:00 (Copenhagen time)"


async def test_a_local_time_the_clocks_skip_is_refused(desk_world):
    world = desk_world
    world.clock.set(datetime(2027, 3, 26, 12, 0, tzinfo=CPH))
    reply = await respond(
        world.desk, speaker=AGNES, text="window add 2027-03-28 02:30-04:00 reason Migration"
    )
    assert reply.title == "Service window not recorded"
    assert "02:30 on 28 Mar 2027 does not exist in Europe/Copenhagen time" in reply.text
    spring = await respond(
        world.desk, speaker=AGNES, text="window add 2027-03-28 01:00-04:00 reason Migration"
    )
    assert spring.title is not None and spring.title.endswith(" added")
    async with world.desk.store.unit() as uow:
        (window,) = await uow.windows.list()
    assert window.end - window.start == timedelta(hours=2)  # 02:00-03:00 never happens


async def test_two_ticks_at_once_queue_each_notice_once(sql_world):
    world = sql_world
    world.desk = replace(world.desk, implicit_platforms=(CONSOLE,))
    await add(world)
    world.clock.set(START)
    counts = await asyncio.gather(tick(world.desk), tick(world.desk), tick(world.desk))
    assert sum(counts) == 3
    assert sorted(p for p, *_ in await notices(world)).count("started") == 3


async def waiting(world: World) -> list[str]:
    """The phases (with revision) of window notices not yet sent."""
    return sorted(
        ":".join(m.dedupe_key.split(":")[2:4])
        for m in await outbox(world.desk.store)
        if m.dedupe_key.startswith("window:") and m.sent_at is None
    )


async def test_a_change_withdraws_an_earlier_reminder_still_waiting_to_be_sent(desk_world):
    world = desk_world
    done = await add(world)
    world.clock.set(START - timedelta(hours=24))
    assert await tick(world.desk) == 3  # the chats are down: the reminders wait
    async with world.desk.store.unit() as uow:
        keys = [m.dedupe_key for m in await uow.outbox.due(now=START, limit=100)]
        slack_soon = next(k for k in keys if ":soon:" in k and k.endswith(SLACK))
        console_soon = next(k for k in keys if ":soon:" in k and "console" in k)
        failed = await uow.outbox.get(dedupe_key=slack_soon)
        assert failed is not None
        now = world.clock.now()
        await uow.outbox.claim(message_id=failed.id, owner="me", now=now, until=now)
        await uow.outbox.mark_failed(
            message_id=failed.id, owner="me", error="down", retry_at=now + timedelta(hours=1)
        )
        sending = await uow.outbox.get(dedupe_key=console_soon)
        assert sending is not None
        await uow.outbox.claim(  # another instance is posting this one right now
            message_id=sending.id, owner="other", now=now, until=now + timedelta(minutes=5)
        )
    later = START + timedelta(hours=2)
    await use.change(world.desk, by=AGNES, window_id=done.window.id, start=later)
    assert await waiting(world) == [
        "r1:announced", "r1:announced", "r1:announced", "r1:soon",
        "r2:changed", "r2:changed", "r2:changed",
    ]  # fmt: skip
    async with world.desk.store.unit() as uow:
        assert (await uow.outbox.get(dedupe_key=console_soon)).lease_owner == "other"  # type: ignore[union-attr]
        withdrawn = await uow.outbox.get(dedupe_key=slack_soon)
    assert withdrawn is not None and withdrawn.result == {"superseded_by": "r2"}


async def test_a_cancellation_withdraws_a_start_notice_still_waiting(desk_world):
    world = desk_world
    done = await add(world)
    world.clock.set(START)
    assert await tick(world.desk) == 3
    world.clock.set(START + timedelta(minutes=5))
    await use.cancel(world.desk, by=AGNES, window_id=done.window.id)
    assert [w for w in await waiting(world) if "started" in w] == []
