"""A ticket's announcement stays current however the ticket changes; approval requests lose
their buttons once decided. Edits go through the outbox: never lost, never shown out of order."""

from __future__ import annotations

from typing import Any

from adapters.console import PLATFORM as CONSOLE
from adapters.slack.settings import PLATFORM as SLACK
from bot.app.actions import act, record_thread_reply
from bot.app.announcements import keep_current
from bot.app.filing import file_ticket
from bot.app.outbox import drain
from bot.app.replies import Reply
from bot.domain.lifecycle import Action
from bot.domain.models import Edit
from tests.app.conftest import (
    AGNES,
    ANDERS,
    CARLA,
    CONSULTANCY,
    GINA,
    INCIDENT,
    World,
    outbox,
    valid,
)
from tests.fakes import RecordingNotifier


async def filed_and_posted(world: World, answers: dict[str, str]) -> RecordingNotifier:
    await file_ticket(world.desk, reporter=CARLA, answers=valid(answers))
    console = RecordingNotifier(CONSOLE)
    await drain(world.desk, {CONSOLE: console})
    return console


async def unsent(world: World) -> list[Any]:
    return [m for m in await outbox(world.desk.store) if m.sent_at is None]


def shown(content: dict[str, Any]) -> Reply:
    return Reply.from_json(content)


def actions_on(content: dict[str, Any]) -> list[str]:
    return [b.action for b in shown(content).buttons]


async def test_a_typed_status_change_redraws_the_announcement_with_the_next_steps(
    world: World,
) -> None:
    console = await filed_and_posted(world, INCIDENT)
    [announcement] = console.deliveries
    assert actions_on(announcement.content) == [
        Action.ACKNOWLEDGE,
        Action.START,
        Action.RESOLVE,
    ]

    await act(world.desk, actor=AGNES, ref="SUP-1001", action=Action.ACKNOWLEDGE)
    assert await drain(world.desk, {CONSOLE: console}) == 2  # thread post + redraw

    [edit] = console.edits
    assert edit.destination.conversation == "Acme A/S"
    assert edit.destination.thread == announcement.landed.thread  # the announcement itself
    assert shown(edit.content).footer == "Status: Acknowledged"
    assert actions_on(edit.content) == [Action.START, Action.RESOLVE]
    assert shown(edit.content).title == shown(announcement.content).title


async def test_a_change_redraws_the_announcement_on_every_platform_it_went_to(
    world: World,
) -> None:
    await file_ticket(world.desk, reporter=GINA, answers=valid(INCIDENT))  # console + Slack
    console, slack = RecordingNotifier(CONSOLE), RecordingNotifier(SLACK)
    notifiers = {CONSOLE: console, SLACK: slack}
    assert await drain(world.desk, notifiers) == 2
    await act(world.desk, actor=AGNES, ref="SUP-1001", action=Action.ACKNOWLEDGE)
    await drain(world.desk, notifiers)
    [slack_post] = slack.deliveries
    [redrawn] = slack.edits
    assert (redrawn.destination.conversation, redrawn.destination.thread) == (
        "C0GLOBEX",
        slack_post.landed.thread,
    )
    assert shown(redrawn.content).footer == "Status: Acknowledged"
    assert [shown(e.content).footer for e in console.edits] == ["Status: Acknowledged"]


async def test_a_first_reply_in_the_thread_and_a_new_priority_redraw_it_too(
    world: World,
) -> None:
    console = await filed_and_posted(world, INCIDENT)
    [announcement] = console.deliveries
    assert announcement.landed is not None
    await record_thread_reply(world.desk, author=AGNES, thread=announcement.landed)
    await drain(world.desk, {CONSOLE: console})
    assert shown(console.edits[-1].content).footer == "Status: Acknowledged"

    await act(
        world.desk,
        actor=AGNES,
        ref="SUP-1001",
        action=Action.REPRIORITISE,
        text="high stores down",
    )
    await drain(world.desk, {CONSOLE: console})
    fields = {f.label: f.value for f in shown(console.edits[-1].content).fields}
    assert fields["Priority"].startswith("High")
    assert len(console.edits) == 2  # successive edits of one message are all delivered


async def test_refusals_and_replies_that_change_nothing_redraw_nothing(world: World) -> None:
    console = await filed_and_posted(world, INCIDENT)
    await act(world.desk, actor=CARLA, ref="SUP-1001", action=Action.RESOLVE)  # refused
    await act(world.desk, actor=CARLA, ref="SUP-1001", action=Action.REPLY, text="Any news?")
    await drain(world.desk, {CONSOLE: console})
    assert console.edits == []


async def test_an_edit_waits_for_the_announcement_to_be_posted(world: World) -> None:
    await file_ticket(world.desk, reporter=CARLA, answers=valid(INCIDENT))
    await act(world.desk, actor=AGNES, ref="SUP-1001", action=Action.START)
    console = RecordingNotifier(CONSOLE)
    console.fail = 1  # the announcement fails first
    await drain(world.desk, {CONSOLE: console})
    assert console.edits == []
    world.clock.advance(minutes=1)
    await drain(world.desk, {CONSOLE: console})
    [announcement] = console.deliveries[:1]
    [edit] = console.edits
    assert edit.destination.thread == announcement.landed.thread
    assert shown(edit.content).footer == "Status: In progress"


async def test_of_several_due_edits_only_the_newest_is_sent(world: World) -> None:
    console = await filed_and_posted(world, INCIDENT)
    for action in (Action.ACKNOWLEDGE, Action.START, Action.RESOLVE):
        await act(world.desk, actor=AGNES, ref="SUP-1001", action=action)
    await drain(world.desk, {CONSOLE: console})
    [edit] = console.edits
    assert shown(edit.content).footer == "Status: Resolved"
    assert actions_on(edit.content) == []  # nothing left to click on a resolved ticket
    assert await unsent(world) == []
    async with world.desk.store.unit() as uow:  # each redraw numbered: ack 1, start 2
        older = [
            await uow.outbox.get(dedupe_key=f"edit:announce:SUP-1001:console:{n}") for n in (1, 2)
        ]
    assert all(m is not None and m.result["superseded_by"] for m in older)


async def test_an_older_edit_retried_late_never_overwrites_a_newer_one(world: World) -> None:
    console = await filed_and_posted(world, INCIDENT)
    await act(world.desk, actor=AGNES, ref="SUP-1001", action=Action.ACKNOWLEDGE)
    console.fail = 2  # the thread post and the first redraw fail
    await drain(world.desk, {CONSOLE: console})
    await act(world.desk, actor=AGNES, ref="SUP-1001", action=Action.START)
    await drain(world.desk, {CONSOLE: console})  # the newer redraw goes out
    world.clock.advance(minutes=5)
    await drain(world.desk, {CONSOLE: console})  # the older one is due again
    assert [shown(e.content).footer for e in console.edits] == ["Status: In progress"]
    assert await unsent(world) == []


async def test_a_decision_redraws_the_approval_requests_without_buttons(world: World) -> None:
    console = await filed_and_posted(world, CONSULTANCY)
    announcement, request = console.deliveries
    assert actions_on(request.content) == [Action.APPROVE, Action.DECLINE]

    await act(world.desk, actor=ANDERS, ref="SUP-1001", action=Action.APPROVE)
    await drain(world.desk, {CONSOLE: console})

    redrawn = {e.destination.user: e for e in console.edits}
    assert redrawn[None].destination.thread == announcement.landed.thread
    assert Action.APPROVE not in actions_on(redrawn[None].content)
    fields = {f.label: f.value for f in shown(redrawn[None].content).fields}
    assert fields["Billing"] == "Consultancy: billable, approved"
    dm = redrawn["anders"]
    assert dm.destination.thread == request.landed.thread
    assert actions_on(dm.content) == []
    assert shown(dm.content).footer == (
        "Approved by Anders Holm, Mon 30 Nov 2026 09:00 (Copenhagen time)"
    )

    # Later changes redraw the announcement only: the request says all it needs to.
    await act(world.desk, actor=AGNES, ref="SUP-1001", action=Action.START)
    await drain(world.desk, {CONSOLE: console})
    assert [e.destination.user for e in console.edits] == [None, "anders", None]


async def test_every_redraw_has_a_key_of_its_own_and_the_newest_shows(world: World) -> None:
    # Redraws that change nothing in the audit trail (the SLA line moving on, as the countdown
    # redraws it at each threshold) are queued too, each under its own key.
    console = await filed_and_posted(world, INCIDENT)
    for _ in range(2):
        world.clock.advance(minutes=30)
        async with world.desk.store.unit() as uow:
            ticket = await uow.tickets.get(ref="SUP-1001")
            assert ticket is not None
            await keep_current(
                uow, world.desk.policy, ticket, at=world.desk.now(), calendar=world.desk.calendar
            )
    edits = [m for m in await outbox(world.desk.store) if isinstance(m.target, Edit)]
    assert len({m.dedupe_key for m in edits}) == 2
    await drain(world.desk, {CONSOLE: console})
    [edit] = console.edits
    [sla] = [f.value for f in shown(edit.content).fields if f.label == "SLA"]
    assert sla == "On track: 7 h left as of Mon 30 Nov 2026 10:00"
