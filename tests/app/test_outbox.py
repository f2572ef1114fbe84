"""The outbox drain: every queued post delivered once, threads recorded, failures retried."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from adapters.console import PLATFORM as CONSOLE
from adapters.slack.settings import PLATFORM as SLACK
from bot.app.actions import act
from bot.app.filing import file_ticket
from bot.app.outbox import LEASE_MARGIN, backoff, drain, instance_id
from bot.domain.lifecycle import Action
from bot.domain.models import (
    CustomerChannel,
    Destination,
    Edit,
    OutboxMessage,
    ThreadRef,
    TicketThread,
)
from bot.domain.policy import default_policy
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

ANNOUNCEMENT = "announce:SUP-1001:console"


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


async def test_a_customer_without_a_slack_channel_is_parked_after_bounded_attempts(
    world: World,
) -> None:
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
    for attempt in range(2, world.desk.policy.outbox_park_after_attempts + 1):
        world.clock.advance(hours=1)
        assert await drain(world.desk, {SLACK: slack}) == 0
        message = await _message(world, "k1")
        assert message.attempts == attempt
    assert message.parked_at == world.clock.now() and message.sent_at is None
    world.clock.advance(days=7)
    assert await drain(world.desk, {SLACK: slack}) == 0  # never tried again
    assert (await _message(world, "k1")).attempts == world.desk.policy.outbox_park_after_attempts
    async with world.desk.store.unit() as uow:
        assert await uow.outbox.count_parked() == 1
        assert [m.dedupe_key for m in await uow.outbox.parked()] == ["k1"]


async def _message(world: World, key: str) -> OutboxMessage:
    async with world.desk.store.unit() as uow:
        found = await uow.outbox.get(dedupe_key=key)
    assert found is not None
    return found


async def test_a_chat_refusing_a_post_for_good_parks_it_and_its_thread_posts(world: World) -> None:
    await file_ticket(world.desk, reporter=CARLA, answers=valid(INCIDENT))
    await act(world.desk, actor=AGNES, ref="SUP-1001", action=Action.ACKNOWLEDGE)
    console = RecordingNotifier(CONSOLE)
    console.undeliverable = 1000
    park_after = world.desk.policy.outbox_park_after_attempts
    for _ in range(park_after):
        assert await drain(world.desk, {CONSOLE: console}) == 0
        world.clock.advance(hours=1)
    announcement = await _message(world, ANNOUNCEMENT)
    assert announcement.parked_at is not None
    assert announcement.last_error == "UndeliverableError: the chat says: channel_not_found"
    # The thread post and the redraw waited for the announcement; it will never be posted,
    # so they are undeliverable too and are parked in their turn.
    for _ in range(park_after):
        await drain(world.desk, {CONSOLE: console})
        world.clock.advance(hours=1)
    async with world.desk.store.unit() as uow:
        parked = await uow.outbox.parked()
        assert await uow.outbox.count_parked() == 3
    assert all(m.sent_at is None for m in parked)
    assert "never will be" in (parked[-1].last_error or "")
    assert console.deliveries == [] and console.edits == []


async def test_parked_messages_go_out_after_an_operator_retries_them(world: World) -> None:
    await file_ticket(world.desk, reporter=CARLA, answers=valid(INCIDENT))
    console = RecordingNotifier(CONSOLE)
    console.undeliverable = world.desk.policy.outbox_park_after_attempts
    for _ in range(world.desk.policy.outbox_park_after_attempts):
        await drain(world.desk, {CONSOLE: console})
        world.clock.advance(hours=1)
    async with world.desk.store.unit() as uow:
        assert await uow.outbox.unpark(message_ids=None, at=world.clock.now()) == 1
    assert await drain(world.desk, {CONSOLE: console}) == 1
    message = await _message(world, ANNOUNCEMENT)
    assert message.sent_at == world.clock.now() and message.parked_at is None


class Racing(RecordingNotifier):
    """A slow chat: while it posts, another instance drains the same outbox."""

    def __init__(self, world: World, longest: timedelta) -> None:
        super().__init__(CONSOLE)
        self.world = world
        self.longest = longest
        self.seen: list[OutboxMessage] = []
        self.rival_sent: list[int] = []

    @property
    def longest_send(self) -> timedelta:
        """As slow as configured."""
        return self.longest

    async def deliver(
        self, *, destination: Destination, content: dict[str, Any], key: str
    ) -> ThreadRef:
        """Look at the lease and let a rival drain meanwhile, then post."""
        self.seen.append(await _message(self.world, ANNOUNCEMENT))
        rival = RecordingNotifier(CONSOLE)
        self.rival_sent.append(await drain(self.world.desk, {CONSOLE: rival}))
        return await super().deliver(destination=destination, content=content, key=key)


async def test_a_message_being_sent_is_leased_and_no_other_drain_sends_it(world: World) -> None:
    await file_ticket(world.desk, reporter=CARLA, answers=valid(INCIDENT))
    slow = Racing(world, longest=timedelta(minutes=4))

    assert await drain(world.desk, {CONSOLE: slow}) == 1

    [leased] = slow.seen
    assert leased.lease_owner == instance_id()
    assert leased.lease_expires_at == world.clock.now() + timedelta(minutes=4) + LEASE_MARGIN
    assert slow.rival_sent == [0] and len(slow.deliveries) == 1
    done = await _message(world, ANNOUNCEMENT)
    assert done.sent_at is not None and done.lease_owner is None


async def test_a_crashed_instances_lease_expires_and_the_message_goes_out(world: World) -> None:
    await file_ticket(world.desk, reporter=CARLA, answers=valid(INCIDENT))
    message = await _message(world, ANNOUNCEMENT)
    until = world.clock.now() + timedelta(minutes=5)
    async with world.desk.store.unit() as uow:  # another instance claims it, then dies
        assert await uow.outbox.claim(
            message_id=message.id, owner="crashed:1", now=world.clock.now(), until=until
        )
    console = RecordingNotifier(CONSOLE)
    world.clock.advance(minutes=4, seconds=59)
    assert await drain(world.desk, {CONSOLE: console}) == 0
    world.clock.advance(seconds=1)
    assert await drain(world.desk, {CONSOLE: console}) == 1
    async with world.desk.store.unit() as uow:  # the dead instance's late outcome is ignored
        failed = await uow.outbox.mark_failed(
            message_id=message.id, owner="crashed:1", error="x", retry_at=until
        )
    assert failed is False
    assert (await _message(world, ANNOUNCEMENT)).sent_at is not None


def test_backoff_doubles_up_to_the_policys_longest_wait() -> None:
    policy = default_policy()
    assert [backoff(policy, n).total_seconds() for n in range(5)] == [30, 60, 120, 240, 480]
    assert backoff(policy, 50) == timedelta(hours=1)


class Hanging(RecordingNotifier):
    """A chat that never answers a post."""

    def __init__(self) -> None:
        super().__init__(CONSOLE)
        self.posting = asyncio.Event()

    async def deliver(
        self, *, destination: Destination, content: dict[str, Any], key: str
    ) -> ThreadRef:
        """Wait for ever, once the post is under way."""
        self.posting.set()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


async def test_stopping_mid_post_ends_the_drain_and_keeps_the_lease(world: World) -> None:
    await file_ticket(world.desk, reporter=CARLA, answers=valid(INCIDENT))
    hanging = Hanging()
    task = asyncio.ensure_future(drain(world.desk, {CONSOLE: hanging}))
    await asyncio.wait_for(hanging.posting.wait(), 5)

    task.cancel()

    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 5)
    # The post may have gone out: nobody sends it again before the lease ends.
    message = await _message(world, ANNOUNCEMENT)
    assert message.lease_owner == instance_id() and message.sent_at is None
    assert await drain(world.desk, {CONSOLE: RecordingNotifier(CONSOLE)}) == 0


async def test_a_thread_post_goes_only_where_the_thread_lives(world: World) -> None:
    await file_ticket(world.desk, reporter=GINA, answers=valid(INCIDENT))  # console + Slack
    await act(world.desk, actor=AGNES, ref="SUP-1001", action=Action.ACKNOWLEDGE)
    slack = RecordingNotifier(SLACK)
    await drain(world.desk, {SLACK: slack})  # the Slack announcement becomes the thread
    console = RecordingNotifier(CONSOLE)
    await drain(world.desk, {CONSOLE: console})
    assert [d.destination.conversation for d in console.deliveries] == ["Globex ApS"]
    thread_posts = [m for m in await outbox(world.desk.store) if isinstance(m.target, TicketThread)]
    assert [m.sent_at for m in thread_posts] == [None]
    assert "SUP-1001 lives on another platform" in (thread_posts[0].last_error or "")
