"""The outbox's posts to Teams: announcements in the customer's channel, thread posts, edits in
place, direct messages in personal chats created proactively; after a restart, when the
connector throttles, and for a customer the bot has not heard from yet."""

from __future__ import annotations

from datetime import timedelta

from adapters.teams import PLATFORM
from bot.app.filing import file_ticket
from bot.domain.models import Identity, OutboxMessage, ThreadRef, Ticket
from tests.adapters.teams.conftest import (
    AGNES,
    ANDERS,
    CARLA,
    CHANNEL,
    TENANT,
    VENDOR_TENANT,
    ServeTeams,
    TeamsWorld,
    personal_chat,
)
from tests.app.conftest import CONSULTANCY, INCIDENT, valid


async def file(world: TeamsWorld, answers: dict[str, str] = INCIDENT) -> Ticket:
    """Carla files a ticket (as the intake would); its posts are queued, not yet sent."""
    filed = await file_ticket(
        world.desk, reporter=Identity(PLATFORM, CARLA), answers=valid(answers)
    )
    assert filed.ticket is not None
    return filed.ticket


async def queued(world: TeamsWorld) -> list[OutboxMessage]:
    async with world.desk.store.unit() as uow:
        return list(await uow.outbox.due(now=world.clock.now() + timedelta(days=365)))


async def test_an_announcement_queued_before_a_restart_is_posted_after_it(
    serve_teams: ServeTeams,
) -> None:
    before = await serve_teams()
    await before.say("ticket")  # the bot hears from Acme's channel: reference kept, bound
    ticket = await file(before)

    after = await serve_teams()  # a new process: nothing in memory but the database
    await after.server.pump.next_round()

    (announcement,) = after.fake.of("send")
    assert announcement.conversation == CHANNEL
    assert ticket.ref in announcement.text
    async with after.desk.store.unit() as uow:
        stored = await uow.tickets.get(ref=ticket.ref)
    assert stored is not None
    assert stored.thread == ThreadRef(PLATFORM, CHANNEL, str(announcement.result["id"]))


async def test_an_action_redraws_the_announcement_and_posts_in_its_thread(
    teams: TeamsWorld,
) -> None:
    await teams.say("ticket")
    ticket = await file(teams)
    await teams.server.pump.next_round()
    (announcement,) = teams.fake.of("send")
    root = str(announcement.result["id"])

    await teams.say(f"ack {ticket.ref}", personal=True, user=AGNES, tenant=VENDOR_TENANT)
    await teams.server.pump.next_round()

    (update,) = teams.fake.of("update")
    assert (update.conversation, update.activity_id) == (CHANNEL, root)
    assert update.body["id"] == root
    in_thread = [c for c in teams.fake.of("send") if c.conversation.startswith(CHANNEL + ";")]
    assert all(c.conversation == f"{CHANNEL};messageid={root}" for c in in_thread)


async def test_an_approval_request_opens_a_personal_chat_the_approver_never_had(
    teams: TeamsWorld,
) -> None:
    await teams.say("ticket")  # Acme's tenant is known: its service URL and the bot's account
    ticket = await file(teams, CONSULTANCY)
    await teams.server.pump.next_round()

    (created,) = teams.fake.of("create")
    assert created.body["members"] == [{"id": ANDERS}]
    assert created.body["isGroup"] is False
    assert created.body["tenantID"] == created.body["channelData"]["tenant"]["id"] == TENANT
    (request,) = [c for c in teams.fake.of("send") if c.conversation == personal_chat(ANDERS)]
    assert ticket.ref in request.text

    # The next one goes straight to the chat now kept.
    await teams.server.pump.next_round()
    assert len(teams.fake.of("create")) == 1


async def test_throttling_and_server_errors_are_retried_after_a_wait(teams: TeamsWorld) -> None:
    await teams.say("ticket")
    teams.fake.fail("send", 429, retry_after="7")
    teams.fake.fail("send", 503)
    await file(teams)

    await teams.server.pump.next_round()

    assert [c.kind for c in teams.fake.of("send-failed", "send")][-3:] == [
        "send-failed",
        "send-failed",
        "send",
    ]
    assert teams.sleeps == [7.0, 2.0]  # Retry-After as told; else the second wait (doubling)
    assert await queued(teams) == []


async def test_a_bot_removed_from_the_channel_is_not_retried_for_ever(teams: TeamsWorld) -> None:
    await teams.say("ticket")
    teams.fake.fail("send", 403, times=100)
    await file(teams)

    await teams.server.pump.next_round()

    (waiting,) = await queued(teams)
    assert waiting.last_error is not None and "HTTP 403" in waiting.last_error
    assert teams.sleeps == []  # refused, not throttled: no wait


async def test_posts_for_a_customer_not_reachable_yet_wait_and_then_go_out(
    teams: TeamsWorld,
) -> None:
    ticket = await file(teams)  # Acme is bound to its tenant, but the bot never heard from it

    days = teams.desk.policy.outbox_give_up_after_hours // 24 + 1
    for _ in range(days * 24):  # longer than a failing post is retried before it is parked
        await teams.server.pump.next_round()
        teams.clock.advance(hours=1)

    (waiting,) = await queued(teams)
    assert waiting.parked_at is None  # waits, not set aside
    assert waiting.last_error is not None and "not reachable on Teams yet" in waiting.last_error
    assert teams.fake.posts() == []

    await teams.say("ticket")  # the bot is mentioned in Acme's channel at last
    teams.clock.advance(hours=1)
    await teams.server.pump.next_round()

    (announcement,) = teams.fake.of("send")
    assert announcement.conversation == CHANNEL and ticket.ref in announcement.text
