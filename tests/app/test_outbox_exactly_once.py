"""Exactly once: a message an earlier attempt may have posted is looked up in the chat before
it is posted again; a post that keeps failing is parked in the end, whatever the failure."""

from __future__ import annotations

from datetime import timedelta

from adapters.console import PLATFORM as CONSOLE
from bot.app.actions import act
from bot.app.filing import file_ticket
from bot.app.outbox import drain
from bot.domain.lifecycle import Action
from bot.domain.models import Destination, OutboxMessage
from tests.app.conftest import AGNES, CARLA, INCIDENT, World, valid
from tests.fakes import RecordingNotifier

ANNOUNCEMENT = "announce:SUP-1001:console"
CHANNEL = Destination(CONSOLE, "Acme A/S")


async def _message(world: World, key: str) -> OutboxMessage:
    async with world.desk.store.unit() as uow:
        found = await uow.outbox.get(dedupe_key=key)
    assert found is not None
    return found


async def _claimed_by_a_dying_instance(world: World) -> OutboxMessage:
    """File a ticket; another instance claims its announcement for five minutes."""
    await file_ticket(world.desk, reporter=CARLA, answers=valid(INCIDENT))
    message = await _message(world, ANNOUNCEMENT)
    now = world.clock.now()
    async with world.desk.store.unit() as uow:
        claimed = await uow.outbox.claim(
            message_id=message.id, owner="dying:1", now=now, until=now + timedelta(minutes=5)
        )
    assert claimed is not None and not claimed.in_doubt  # its first claim
    return claimed


async def test_a_post_that_landed_before_its_sender_died_is_not_posted_again(
    world: World,
) -> None:
    await _claimed_by_a_dying_instance(world)
    chat = RecordingNotifier(CONSOLE)
    # The dying instance's post reached the chat; it was killed before marking it sent.
    landed = await chat.deliver(destination=CHANNEL, content={"text": "x"}, key=ANNOUNCEMENT)
    world.clock.advance(minutes=5)  # its lease runs out

    assert await drain(world.desk, {CONSOLE: chat}) == 1

    assert chat.lookups == [ANNOUNCEMENT] and len(chat.deliveries) == 1
    message = await _message(world, ANNOUNCEMENT)
    assert message.sent_at == world.clock.now() and message.lease_owner is None
    assert message.result == {
        "conversation": landed.conversation,
        "thread": landed.thread,
        "found": True,
    }
    async with world.desk.store.unit() as uow:
        ticket = await uow.tickets.get(ref="SUP-1001")
    assert ticket is not None and ticket.thread == landed  # as if it had just been posted


async def test_a_post_that_never_landed_is_looked_up_and_then_posted(world: World) -> None:
    await _claimed_by_a_dying_instance(world)
    chat = RecordingNotifier(CONSOLE)
    world.clock.advance(minutes=5)

    assert await drain(world.desk, {CONSOLE: chat}) == 1

    assert chat.lookups == [ANNOUNCEMENT]
    [posted] = chat.deliveries
    assert posted.key == ANNOUNCEMENT
    assert "found" not in (await _message(world, ANNOUNCEMENT)).result


async def test_a_first_attempt_and_an_edit_are_never_looked_up(world: World) -> None:
    await file_ticket(world.desk, reporter=CARLA, answers=valid(INCIDENT))
    chat = RecordingNotifier(CONSOLE)
    assert await drain(world.desk, {CONSOLE: chat}) == 1
    await act(world.desk, actor=AGNES, ref="SUP-1001", action=Action.ACKNOWLEDGE)
    chat.fail = 2  # the thread post and the redraw fail once
    await drain(world.desk, {CONSOLE: chat})
    world.clock.advance(hours=1)

    assert await drain(world.desk, {CONSOLE: chat}) == 2

    # The failed thread post may have landed: looked up. The redraw is idempotent: not.
    [thread_post] = [d.key for d in chat.deliveries if d.key != ANNOUNCEMENT]
    assert chat.lookups == [thread_post]
    assert len(chat.edits) == 1


async def test_a_failed_lookup_counts_as_a_failed_attempt(world: World) -> None:
    await _claimed_by_a_dying_instance(world)
    chat = RecordingNotifier(CONSOLE)
    chat.fail = 1  # the lookup fails: nothing is posted blind
    world.clock.advance(minutes=5)

    assert await drain(world.desk, {CONSOLE: chat}) == 0

    message = await _message(world, ANNOUNCEMENT)
    assert chat.deliveries == [] and message.attempts == 1 and message.sent_at is None
    assert "chat is down" in (message.last_error or "")


async def test_a_post_failing_for_ever_is_parked_after_a_day_and_counted(world: World) -> None:
    await file_ticket(world.desk, reporter=CARLA, answers=valid(INCIDENT))
    chat = RecordingNotifier(CONSOLE)
    chat.fail = 1000  # the chat is down, and stays down
    give_up = timedelta(hours=world.desk.policy.outbox_give_up_after_hours)
    queued = world.clock.now()
    attempts = 0
    while world.clock.now() - queued < give_up:
        await drain(world.desk, {CONSOLE: chat})
        message = await _message(world, ANNOUNCEMENT)
        # An outage of some hours is waited out: retried with backoff, not parked.
        assert message.parked_at is None and message.attempts == attempts + 1
        attempts = message.attempts
        world.clock.set(message.next_attempt_at)

    await drain(world.desk, {CONSOLE: chat})

    message = await _message(world, ANNOUNCEMENT)
    assert message.parked_at == world.clock.now() and message.attempts == attempts + 1
    assert attempts + 1 >= world.desk.policy.outbox_park_after_attempts
    async with world.desk.store.unit() as uow:
        assert await uow.outbox.count_parked() == 1
    world.clock.advance(days=7)
    assert await drain(world.desk, {CONSOLE: chat}) == 0  # not retried for ever
    assert (await _message(world, ANNOUNCEMENT)).attempts == attempts + 1
