"""The outbox drain: every queued post delivered once, threads recorded, failures retried."""

from __future__ import annotations

from datetime import timedelta

from adapters.console import PLATFORM as CONSOLE
from adapters.slack.settings import PLATFORM as SLACK
from bot.app.actions import act
from bot.app.filing import file_ticket
from bot.app.outbox import backoff, drain
from bot.domain.lifecycle import Action
from bot.domain.models import CustomerChannel, Destination, Edit, TicketThread
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


async def test_posts_go_out_once_and_the_announcement_becomes_the_thread(world: World) -> None:
    await file_ticket(world.desk, reporter=CARLA, answers=valid(CONSULTANCY))
    await act(world.desk, actor=ANDERS, ref="SUP-1001", action=Action.APPROVE)
    console = RecordingNotifier(CONSOLE)
    assert await drain(world.desk, {CONSOLE: console}) == 5  # 3 posts, 2 redraws
    announcement, request, decision = console.deliveries
    assert announcement.destination == Destination(CONSOLE, "Acme A/S")
    assert request.destination == Destination(CONSOLE, "anders", user="anders")
    assert decision.destination == Destination(
        CONSOLE, "Acme A/S", thread=announcement.landed.thread
    )
    async with world.desk.store.unit() as uow:
        ticket = await uow.tickets.get(ref="SUP-1001")
    assert ticket is not None and ticket.thread == announcement.landed
    # The decision redraws the announcement and the request where they landed.
    redrawn, decided = console.edits
    assert redrawn.destination == Destination(
        CONSOLE, "Acme A/S", thread=announcement.landed.thread
    )
    assert decided.destination == Destination(
        CONSOLE, "anders", thread=request.landed.thread, user="anders"
    )
    assert await drain(world.desk, {CONSOLE: console}) == 0
    assert len(console.deliveries) == 3 and len(console.edits) == 2
    assert all(m.sent_at == world.clock.now() for m in await outbox(world.desk.store))


async def test_only_chats_with_a_notifier_are_drained(world: World) -> None:
    # On the console and in Globex's Slack channel.
    await file_ticket(world.desk, reporter=GINA, answers=valid(INCIDENT))
    slack = RecordingNotifier(SLACK)
    assert await drain(world.desk, {SLACK: slack}) == 1
    assert slack.deliveries[0].destination == Destination(SLACK, "C0GLOBEX")
    assert await drain(world.desk, {}) == 0
    console = RecordingNotifier(CONSOLE)
    assert await drain(world.desk, {CONSOLE: console}) == 1


async def test_a_failed_post_is_retried_with_backoff_and_not_lost(world: World) -> None:
    await file_ticket(world.desk, reporter=CARLA, answers=valid(INCIDENT))
    console = RecordingNotifier(CONSOLE)
    console.fail = 2
    assert await drain(world.desk, {CONSOLE: console}) == 0
    [message] = await outbox(world.desk.store)
    assert message.attempts == 1 and "ConnectionError: chat is down" in (message.last_error or "")
    assert message.next_attempt_at == world.clock.now() + timedelta(seconds=30)
    assert await drain(world.desk, {CONSOLE: console}) == 0  # not due yet
    assert console.fail == 1
    world.clock.advance(seconds=30)
    assert await drain(world.desk, {CONSOLE: console}) == 0
    [message] = await outbox(world.desk.store)
    assert message.next_attempt_at == world.clock.now() + timedelta(seconds=60)
    world.clock.advance(seconds=60)
    assert await drain(world.desk, {CONSOLE: console}) == 1
    assert len(console.deliveries) == 1


async def test_a_thread_post_waits_for_its_announcement(world: World) -> None:
    await file_ticket(world.desk, reporter=CARLA, answers=valid(INCIDENT))
    await act(world.desk, actor=AGNES, ref="SUP-1001", action=Action.ACKNOWLEDGE)
    console = RecordingNotifier(CONSOLE)
    console.fail = 1  # the announcement fails first
    assert await drain(world.desk, {CONSOLE: console}) == 0
    errors = {type(m.target): m.last_error or "" for m in await outbox(world.desk.store)}
    assert "has no console thread yet" in errors[TicketThread]
    assert "announce:SUP-1001:console is not posted yet" in errors[Edit]
    world.clock.advance(minutes=1)
    assert await drain(world.desk, {CONSOLE: console}) == 3
    announcement, ack = console.deliveries
    assert ack.destination.thread == announcement.landed.thread
    [redrawn] = console.edits
    assert redrawn.destination.thread == announcement.landed.thread


async def test_a_customer_without_a_slack_channel_keeps_its_post_queued(world: World) -> None:
    async with world.desk.store.unit() as uow:
        await uow.outbox.enqueue(
            target=CustomerChannel(platform=SLACK, customer_id=world.acme.id, ref="SUP-1001"),
            content={"text": "hello"},
            dedupe_key="k1",
            at=world.clock.now(),
        )
    slack = RecordingNotifier(SLACK)
    assert await drain(world.desk, {SLACK: slack}) == 0
    [message] = await outbox(world.desk.store)
    assert message.sent_at is None and "Acme A/S has no slack support channel" in (
        message.last_error or ""
    )


def test_backoff_doubles_up_to_an_hour() -> None:
    assert [backoff(n).total_seconds() for n in range(5)] == [30, 60, 120, 240, 480]
    assert backoff(50) == timedelta(hours=1)
