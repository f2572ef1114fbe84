"""What the bot says and does in Teams, served for real: Activity JSON posted to /api/messages,
and what the fake Bot Connector received (cards in place, updates, thread posts, personal
chats opened for private answers): intake by card, a submit with errors then a valid one,
buttons by an agent, an approver and a stranger, thread replies, questions, an end user."""

from __future__ import annotations

from typing import Any

from adapters.teams.cards import CARD_CONTENT_TYPE, INTAKE_ACTION
from bot.domain.models import ApprovalState, Ticket, TicketStatus
from tests.adapters.teams.conftest import (
    AGNES,
    ANDERS,
    CARLA,
    CHANNEL,
    ERIK,
    VENDOR_TENANT,
    TeamsWorld,
    bot_added,
    personal_chat,
)
from tests.adapters.teams.fake_connector import Call
from tests.app.conftest import CONSULTANCY, INCIDENT


def inputs(call: Call) -> dict[str, dict[str, Any]]:
    [card] = call.cards
    return {e["id"]: e for e in card["body"] if e["type"].startswith("Input.")}


def actions(call: Call) -> list[dict[str, Any]]:
    [card] = call.cards
    return [a["data"] for a in card.get("actions", [])]


async def turn(world: TeamsWorld, activity: dict[str, Any], *kinds: str) -> list[Call]:
    """Post an activity; the connector calls of `kinds` made while it was handled, once the
    outbox has delivered what it queued."""
    before = len(world.fake.of(*kinds))
    assert await world.post(activity) == 200
    await world.server.pump.next_round()
    return world.fake.of(*kinds)[before:]


async def open_card(world: TeamsWorld, user: str = CARLA, **where: Any) -> Call:
    """Type 'ticket'; the intake card the bot answered with."""
    [card] = await turn(world, world.message("ticket", user=user, **where), "send", "reply")
    return card


def submission(world: TeamsWorld, card: Call, answers: dict[str, str], **where: Any) -> Any:
    """The message Teams posts when the card's submit button is pressed."""
    [data] = actions(card)
    activity = world.message(None, value={**data, **answers}, **where)
    activity["replyToId"] = card.result["id"]
    return activity


async def channel_bound(world: TeamsWorld) -> None:
    """The bot is added to Acme's team: its channel becomes the support channel."""
    assert await world.post(bot_added(service_url=world.fake.url)) == 200


async def file(world: TeamsWorld, answers: dict[str, str] = INCIDENT) -> tuple[Ticket, Call]:
    """Carla files through the card in her personal chat; the ticket and its announcement.
    Agnes, the provider's agent, has the bot in her own tenant's personal chat."""
    await channel_bound(world)
    await world.say("help", personal=True, user=AGNES, tenant=VENDOR_TENANT)
    card = await open_card(world, personal=True)
    await turn(world, submission(world, card, answers, personal=True))
    [ticket] = await world.tickets()
    [announcement] = [c for c in world.fake.of("send") if c.conversation == CHANNEL]
    return ticket, announcement


def dms(world: TeamsWorld, user: str) -> list[str]:
    """What reached `user`'s personal chat."""
    return [c.text for c in world.fake.posts() if c.conversation == personal_chat(user)]


async def test_intake_by_card(teams: TeamsWorld) -> None:
    card = await open_card(teams, personal=True)

    assert card.conversation == personal_chat(CARLA)
    [attachment] = card.body["attachments"]
    assert attachment["contentType"] == CARD_CONTENT_TYPE
    assert attachment["content"]["version"] == "1.5"
    fields = inputs(card)
    assert fields["summary"]["isRequired"] and fields["summary"]["errorMessage"]
    assert fields["users"]["type"] == "Input.Number"
    assert fields["affected"]["type"] == "Input.ChoiceSet"
    assert actions(card)[0]["action"] == INTAKE_ACTION


async def test_a_submit_with_errors_then_a_valid_submit(teams: TeamsWorld) -> None:
    await channel_bound(teams)
    card = await open_card(teams, personal=True)
    bad = {**INCIDENT, "summary": "x" * 151, "users": "2,5"}

    [update] = await turn(teams, submission(teams, card, bad, personal=True), "update", "send")

    assert await teams.tickets() == []
    assert (update.kind, update.activity_id) == ("update", card.result["id"])  # the same card
    fields = inputs(update)
    assert fields["summary"]["value"] == "x" * 151  # kept, to shorten
    assert fields["category"]["value"] == INCIDENT["category"]
    assert "at most 150 characters" in update.text
    assert "'2,5' is not a whole number of users" in update.text

    good = {**INCIDENT, "users": "25"}
    calls = await turn(teams, submission(teams, card, good, personal=True), "update", "send")

    [ticket] = await teams.tickets()
    confirmation = next(c for c in calls if c.kind == "update")
    assert confirmation.activity_id == card.result["id"]
    assert f"Filed {ticket.ref}" in confirmation.text and not inputs(confirmation)
    [announcement] = [c for c in calls if c.conversation == CHANNEL]
    assert ticket.ref in announcement.text
    labels = [a["title"] for a in announcement.cards[0]["actions"]]
    assert labels == ["Acknowledge", "In progress", "Resolve"]


async def test_an_agent_clicks_acknowledge_on_the_card_in_the_channel(teams: TeamsWorld) -> None:
    ticket, announcement = await file(teams)
    root = str(announcement.result["id"])
    data = next(a for a in actions(announcement) if a["action"] == "ticket.acknowledge")

    click = teams.message(None, user=AGNES, value=data, thread=root)
    click["replyToId"] = root
    calls = await turn(teams, click, "update", "send", "reply")

    async with teams.desk.store.unit() as uow:
        now = await uow.tickets.get(ref=ticket.ref)
    assert now is not None and now.status is TicketStatus.ACKNOWLEDGED
    [redrawn] = [c for c in calls if c.kind == "update"]
    assert (redrawn.conversation, redrawn.activity_id) == (CHANNEL, root)
    assert "ticket.acknowledge" not in [a["action"] for a in actions(redrawn)]
    assert any(c.conversation == f"{CHANNEL};messageid={root}" for c in calls)  # thread post
    assert f"{ticket.ref} is now acknowledged" in "\n".join(dms(teams, AGNES))


async def test_a_stranger_is_refused_in_their_personal_chat_and_nothing_changes(
    teams: TeamsWorld,
) -> None:
    ticket, announcement = await file(teams)
    root = str(announcement.result["id"])
    data = next(a for a in actions(announcement) if a["action"] == "ticket.resolve")

    for stranger in (ERIK, CARLA):
        click = teams.message(None, user=stranger, value=data, thread=root)
        click["replyToId"] = root
        calls = await turn(teams, click, "update", "send", "reply")
        assert all(c.conversation == personal_chat(stranger) for c in calls), calls

    async with teams.desk.store.unit() as uow:
        now = await uow.tickets.get(ref=ticket.ref)
    assert now is not None and now.status is TicketStatus.OPEN
    assert "can't find a ticket" in "\n".join(dms(teams, ERIK))
    assert "Only the service provider's agents" in "\n".join(dms(teams, CARLA))


async def test_an_approver_approves_in_their_personal_chat(teams: TeamsWorld) -> None:
    ticket, _ = await file(teams, CONSULTANCY)
    [request] = [c for c in teams.fake.of("send") if c.conversation == personal_chat(ANDERS)]
    approve = next(a for a in actions(request) if a["action"] == "ticket.approve")

    click = teams.message(None, user=ANDERS, value=approve, personal=True)
    click["replyToId"] = request.result["id"]
    calls = await turn(teams, click, "update", "send", "reply")

    async with teams.desk.store.unit() as uow:
        now = await uow.tickets.get(ref=ticket.ref)
    assert now is not None and now.approval is ApprovalState.APPROVED
    answered = [c for c in calls if c.kind == "reply"]
    assert answered and answered[0].conversation == personal_chat(ANDERS)
    [redrawn] = [c for c in calls if c.kind == "update" and c.activity_id == request.result["id"]]
    assert actions(redrawn) == []  # decided: no more buttons


async def test_an_agents_thread_reply_is_the_first_response(teams: TeamsWorld) -> None:
    ticket, announcement = await file(teams)
    root = str(announcement.result["id"])
    teams.clock.advance(minutes=45)

    await turn(teams, teams.message("Any news?", user=CARLA, thread=root))
    async with teams.desk.store.unit() as uow:
        before = await uow.tickets.get(ref=ticket.ref)
    assert before is not None and before.first_responded_at is None  # a customer's reply

    # With the app's consent to read the channel, a reply reaches the bot without a mention.
    reply = teams.message("Looking into it", user=AGNES, thread=root)
    reply["text"] = "Looking into it"
    del reply["entities"]
    calls = await turn(teams, reply, "send")

    async with teams.desk.store.unit() as uow:
        now = await uow.tickets.get(ref=ticket.ref)
    assert now is not None and now.first_responded_at == teams.clock.now()
    assert any("first response" in c.text.lower() for c in calls)
    assert any(c.kind == "update" and c.activity_id == root for c in teams.fake.calls)


async def test_questions_in_english_and_danish(teams: TeamsWorld) -> None:
    ticket, _ = await file(teams)

    english = await teams.say(f"when is {ticket.ref} due?", personal=True)
    danish = await teams.say(f"hvornår er {ticket.ref} due?", personal=True)
    mine = await teams.say("mine åbne sager", personal=True)

    assert "Copenhagen time" in english
    assert "dansk tid" in danish
    assert ticket.ref in mine


async def test_an_end_user_gets_the_first_level_explanation(teams: TeamsWorld) -> None:
    [answer] = await turn(teams, teams.message("ticket", user=ERIK, personal=True), "reply")

    assert not inputs(answer)
    assert "1st-level support" in answer.text
    assert "Carla Jensen or Anders Holm" in answer.text


async def test_a_throttled_answer_is_sent_again_after_the_wait_teams_asks_for(
    teams: TeamsWorld,
) -> None:
    teams.fake.fail("reply", 429, retry_after="3")

    card = await open_card(teams, personal=True)

    assert inputs(card)
    assert teams.sleeps == [3.0]
