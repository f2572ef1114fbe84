"""What the bot says and does in Teams, with botbuilder's TestAdapter: Activity JSON as Teams
sends it in, the activities the bot sends, updates and queued private replies out.

The outbox is drained by a recording notifier on the Teams platform, so a filed ticket's
announcement lands in the channel and becomes its thread, as it would through the connector.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from botbuilder.core import TurnContext
from botbuilder.core.adapters import TestAdapter
from botbuilder.schema import Activity

from adapters.teams import PLATFORM
from adapters.teams.cards import INTAKE_ACTION
from adapters.teams.conversation import COMMANDS, TeamsConversation
from adapters.teams.package import TEMPLATE, declared_commands
from bot.app.callers import Origin
from bot.app.desk import Desk
from bot.app.outbox import drain
from bot.app.ports import Store
from bot.domain.models import (
    ApprovalState,
    ChatBinding,
    DirectMessage,
    Identity,
    Role,
    Ticket,
    TicketStatus,
)
from bot.domain.policy import default_policy
from tests.app.conftest import CONSULTANCY, INCIDENT, MONDAY_9
from tests.fakes import FixedClock, RecordingNotifier

TENANT = "tenant-acme"
CHANNEL = "19:acme-support@thread.tacv2"
BOT = "28:supportbot"
CARLA, ANDERS, AGNES, ERIK = "aad-carla", "aad-anders", "aad-agnes", "aad-erik"  # ERIK: end user
NAMES = {CARLA: "Carla Jensen", ANDERS: "Anders Holm", AGNES: "Agnes Berg", ERIK: "Erik Dahl"}


@dataclass
class Sent:
    """What the bot did in one turn."""

    sent: list[Activity]
    updated: list[Activity]

    @property
    def cards(self) -> list[dict[str, Any]]:
        return [a.attachments[0].content for a in self.sent]

    @property
    def updated_cards(self) -> list[dict[str, Any]]:
        return [a.attachments[0].content for a in self.updated]


def texts(card: dict[str, Any]) -> str:
    """A card's shown text, runs joined by newlines (facts as 'title: value')."""
    out: list[str] = []
    for element in card["body"]:
        out.extend(run["text"] for run in element.get("inlines", []))
        out.extend(f"{f['title']}: {f['value']}" for f in element.get("facts", []))
    return "\n".join(out)


def inputs(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["id"]: e for e in card["body"] if e["type"].startswith("Input.")}


@dataclass
class ChatWorld:
    desk: Desk
    clock: FixedClock
    conversation: TeamsConversation
    adapter: TestAdapter = field(default_factory=TestAdapter)
    notifier: RecordingNotifier = field(default_factory=lambda: RecordingNotifier(PLATFORM))
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1764489600001))

    def activity(
        self,
        user: str,
        text: str | None = None,
        *,
        where: str = "personal",
        thread: str | None = None,
        mention: bool = True,
        value: dict[str, Any] | None = None,
        reply_to: str | None = None,
    ) -> dict[str, Any]:
        """A message as Teams posts it: in the user's personal chat, or in the support
        channel (a new post, or a reply in `thread`), @mentioning the bot there."""
        activity_id = str(next(self.ids))
        data: dict[str, Any] = {
            "type": "message",
            "id": activity_id,
            "timestamp": "2026-11-30T08:00:00.000Z",
            "serviceUrl": "https://smba.example/emea/",
            "channelId": "msteams",
            "from": {"id": f"29:{user}", "name": NAMES[user], "aadObjectId": user},
            "recipient": {"id": BOT, "name": "supportbot"},
            "channelData": {"tenant": {"id": TENANT}},
            "locale": "en-US",
        }
        if where == "personal":
            data["conversation"] = {
                "conversationType": "personal",
                "tenantId": TENANT,
                "id": f"a:personal-{user}",
            }
        else:
            data["conversation"] = {
                "isGroup": True,
                "conversationType": "channel",
                "tenantId": TENANT,
                "id": f"{CHANNEL};messageid={thread or activity_id}",
            }
            data["channelData"].update(
                {"teamsChannelId": CHANNEL, "channel": {"id": CHANNEL}, "team": {"id": "19:t"}}
            )
        if text is not None:
            if where != "personal" and mention:
                text = f"<at>supportbot</at> {text}"
                data["entities"] = [
                    {
                        "type": "mention",
                        "mentioned": {"id": BOT, "name": "supportbot"},
                        "text": "<at>supportbot</at>",
                    }
                ]
            data["text"] = text
        if value is not None:
            data["value"] = value
        if reply_to is not None:
            data["replyToId"] = reply_to
        return data

    async def send(self, user: str, text: str | None = None, **kwargs: Any) -> Sent:
        """Post one activity to the bot; what it sent and updated in that turn."""
        activity = Activity().deserialize(self.activity(user, text, **kwargs))
        sent, updated = len(self.adapter.activity_buffer), len(self.adapter.updated_activities)
        channel = (activity.channel_data.get("channel") or {}).get("id")
        identity = Identity(PLATFORM, activity.from_property.aad_object_id)
        origin = Origin(binding=ChatBinding(PLATFORM, TENANT, channel))

        async def logic(context: TurnContext) -> None:
            await self.conversation.on_activity(context, identity=identity, origin=origin)

        await self.adapter.run_pipeline(self.adapter.create_turn_context(activity), logic)
        return Sent(self.adapter.activity_buffer[sent:], self.adapter.updated_activities[updated:])

    async def deliver(self) -> None:
        """Let the outbox deliver what waits (announcements, thread posts, direct messages)."""
        while await drain(self.desk, {PLATFORM: self.notifier}):
            pass

    async def ticket(self, ref: str) -> Ticket:
        async with self.desk.store.unit() as uow:
            found = await uow.tickets.get(ref=ref)
        assert found is not None
        return found

    async def tickets(self) -> list[Ticket]:
        async with self.desk.store.unit() as uow:
            return await uow.tickets.query()

    def private_to(self, user: str) -> list[str]:
        """The texts delivered to `user`'s personal chat."""
        return [
            d.content["text"]
            for d in self.notifier.deliveries
            if d.destination.user == user and d.destination.thread is None
        ]

    async def file(self, user: str, answers: dict[str, str], *, where: str = "personal") -> Ticket:
        """Open the intake card and submit it; the announcement is delivered."""
        card = (await self.send(user, "ticket", where=where)).cards[0]
        form = card["actions"][0]["data"]
        await self.send(user, value={**form, **answers}, where=where, reply_to="card-1")
        await self.deliver()
        return (await self.tickets())[0]


@pytest.fixture
async def chat(store: Store) -> ChatWorld:
    clock = FixedClock(MONDAY_9)
    desk = Desk.create(store=store, clock=clock, policy=default_policy())
    async with store.unit() as uow:
        acme = await uow.customers.add(
            name="Acme A/S", bindings=[ChatBinding(PLATFORM, TENANT, CHANNEL)]
        )
        await uow.hypercare.add(customer_id=acme.id, start=date(2026, 11, 23), weeks=4)
        provider = await uow.customers.add(name="Vendor ApS", is_provider=True)
        for customer, user, role in (
            (acme, CARLA, Role.CUSTOMER),
            (acme, ANDERS, Role.APPROVER),
            (provider, AGNES, Role.AGENT),
        ):
            await uow.contacts.add(
                customer_id=customer.id,
                identity=Identity(PLATFORM, user),
                role=role,
                display_name=NAMES[user],
            )
    return ChatWorld(desk, clock, TeamsConversation(desk))


# -- intake ---------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["ticket", "/ticket", "Ticket", " ticket "])
async def test_ticket_in_the_personal_chat_replies_with_the_intake_card(
    chat: ChatWorld, typed: str
) -> None:
    turn = await chat.send(CARLA, typed)

    [card] = turn.cards
    assert card["version"] == "1.5"
    assert set(inputs(card)) >= {"summary", "description", "affected", "data_loss", "category"}
    assert card["actions"][0]["data"]["action"] == INTAKE_ACTION


async def test_ticket_in_the_channel_replies_with_the_card_in_the_thread(chat: ChatWorld) -> None:
    turn = await chat.send(CARLA, "ticket", where="channel")

    [sent] = turn.sent
    assert inputs(turn.cards[0])
    assert sent.conversation.id.startswith(f"{CHANNEL};messageid=")


async def test_slash_ticket_with_words_prefills_the_summary(chat: ChatWorld) -> None:
    card = (await chat.send(CARLA, "/ticket Sync to Salesforce stopped")).cards[0]
    assert inputs(card)["summary"]["value"] == "Sync to Salesforce stopped"


async def test_an_end_user_gets_the_first_level_explanation_and_no_form(chat: ChatWorld) -> None:
    turn = await chat.send(ERIK, "ticket")

    [card] = turn.cards
    assert not inputs(card)
    text = texts(card)
    assert "1st-level support" in text
    assert "Acme A/S's support contacts, Carla Jensen or Anders Holm" in text


async def test_an_end_user_asking_in_the_channel_is_answered_in_their_personal_chat(
    chat: ChatWorld,
) -> None:
    turn = await chat.send(ERIK, "ticket", where="channel")

    assert turn.sent == []  # nothing in the channel
    await chat.deliver()
    [private] = chat.private_to(ERIK)
    assert "1st-level support" in private


async def test_an_agent_is_told_that_customers_file(chat: ChatWorld) -> None:
    card = (await chat.send(AGNES, "ticket")).cards[0]
    assert not inputs(card) and "registered contacts" in texts(card)


async def test_a_submit_with_errors_then_a_valid_submit(chat: ChatWorld) -> None:
    form = (await chat.send(CARLA, "ticket")).cards[0]["actions"][0]["data"]
    bad = {**form, **INCIDENT, "description": "", "users": "2,5"}

    turn = await chat.send(CARLA, value=bad, reply_to="card-1")

    assert turn.sent == [] and await chat.tickets() == []
    [updated] = turn.updated
    assert updated.id == "card-1"  # the same card, redrawn
    card = turn.updated_cards[0]
    fields = inputs(card)
    assert fields["summary"]["value"] == INCIDENT["summary"]
    assert fields["affected"]["value"] == "some" and fields["data_loss"]["value"] == "no"
    shown = texts(card)
    assert "Sorry, this one cannot be empty." in shown
    assert "'2,5' is not a whole number of users" in shown
    assert card["actions"][0]["data"] == form

    good = {**form, **INCIDENT, "users": "25"}
    turn = await chat.send(CARLA, value=good, reply_to="card-1")

    [ticket] = await chat.tickets()
    assert ticket.summary == INCIDENT["summary"] and ticket.details == {"users": "25"}
    assert turn.updated[0].id == "card-1"
    assert f"Filed {ticket.ref}" in texts(turn.updated_cards[0])
    assert not inputs(turn.updated_cards[0])
    await chat.deliver()
    [announcement] = [d for d in chat.notifier.deliveries if d.destination.conversation == CHANNEL]
    assert ticket.ref in announcement.content["title"]

    # Clicked twice: the same card files once.
    again = await chat.send(CARLA, value=good, reply_to="card-1")
    assert len(await chat.tickets()) == 1
    assert f"Filed {ticket.ref}" in texts(again.updated_cards[0])


async def test_a_question_only_needs_no_data_loss_answer(chat: ChatWorld) -> None:
    form = (await chat.send(CARLA, "ticket")).cards[0]["actions"][0]["data"]
    question = {**INCIDENT, "affected": "inquiry"}
    del question["data_loss"]

    await chat.send(CARLA, value={**form, **question}, reply_to="card-1")

    [ticket] = await chat.tickets()
    assert ticket.inquiry and ticket.data_loss is None


async def test_someone_else_submitting_a_card_in_the_channel_is_refused_privately(
    chat: ChatWorld,
) -> None:
    form = (await chat.send(CARLA, "ticket", where="channel")).cards[0]["actions"][0]["data"]

    turn = await chat.send(
        ERIK, value={**form, **INCIDENT}, where="channel", thread="1", reply_to="card-1"
    )

    assert turn.sent == [] and turn.updated == []  # Carla's card stays as it was
    assert await chat.tickets() == []
    await chat.deliver()
    assert "1st-level support" in chat.private_to(ERIK)[0]


# -- the ticket's card in the channel -------------------------------------------------------


async def test_an_agent_acknowledges_from_the_card(chat: ChatWorld) -> None:
    ticket = await chat.file(CARLA, INCIDENT)
    assert ticket.thread is not None and ticket.thread.conversation == CHANNEL
    chat.clock.advance(minutes=20)

    turn = await chat.send(
        AGNES,
        value={"action": "ticket.acknowledge", "value": ticket.ref},
        where="channel",
        thread=ticket.thread.thread,
        reply_to=ticket.thread.thread,
    )

    assert turn.sent == []  # the outcome is the agent's alone: their personal chat
    now = await chat.ticket(ticket.ref)
    assert now.status is TicketStatus.ACKNOWLEDGED and now.first_responded_at is not None
    await chat.deliver()
    assert f"{ticket.ref} is now acknowledged" in chat.private_to(AGNES)[0]
    # The card is redrawn in place without the Acknowledge button; the thread is told.
    redrawn = chat.notifier.edits[-1]
    assert redrawn.destination.thread == ticket.thread.thread
    labels = [b["label"] for b in redrawn.content["buttons"]]
    assert "Acknowledge" not in labels and "Resolve" in labels
    assert any(d.destination.thread == ticket.thread.thread for d in chat.notifier.deliveries)


async def test_a_stranger_clicking_a_button_is_refused_in_their_personal_chat(
    chat: ChatWorld,
) -> None:
    ticket = await chat.file(CARLA, INCIDENT)
    assert ticket.thread is not None
    posts = len(chat.notifier.deliveries)

    for stranger in (ERIK, CARLA):  # an end user, and a customer who is no agent
        turn = await chat.send(
            stranger,
            value={"action": "ticket.acknowledge", "value": ticket.ref},
            where="channel",
            thread=ticket.thread.thread,
            reply_to=ticket.thread.thread,
        )
        assert turn.sent == [] and turn.updated == []

    assert (await chat.ticket(ticket.ref)).status is TicketStatus.OPEN
    await chat.deliver()
    assert "can't find a ticket" in chat.private_to(ERIK)[0]  # not theirs to see
    assert "Only the service provider's agents" in chat.private_to(CARLA)[0]
    assert all(d.destination.user for d in chat.notifier.deliveries[posts:])  # none public
    assert chat.notifier.edits == []


async def test_an_approver_approves_from_the_request_in_their_personal_chat(
    chat: ChatWorld,
) -> None:
    ticket = await chat.file(CARLA, CONSULTANCY)
    [request] = [d for d in chat.notifier.deliveries if d.destination.user == ANDERS]
    buttons = {b["action"]: b["value"] for b in request.content["buttons"]}
    assert buttons == {"ticket.approve": ticket.ref, "ticket.decline": ticket.ref}

    turn = await chat.send(ANDERS, value={"action": "ticket.approve", "value": ticket.ref})

    assert (await chat.ticket(ticket.ref)).approval is ApprovalState.APPROVED
    [card] = turn.cards  # in the personal chat already: answered there
    assert ticket.ref in texts(card)
    await chat.deliver()
    # The request loses its buttons once decided.
    request_edit = [e for e in chat.notifier.edits if e.destination.user == ANDERS][-1]
    assert request_edit.content["buttons"] == []


async def test_a_customer_cannot_approve(chat: ChatWorld) -> None:
    ticket = await chat.file(CARLA, CONSULTANCY)

    card = (await chat.send(CARLA, value={"action": "ticket.approve", "value": ticket.ref})).cards
    assert "approvers can approve" in texts(card[0])
    assert (await chat.ticket(ticket.ref)).approval is ApprovalState.PENDING


async def test_an_agents_reply_in_the_thread_is_the_first_response(chat: ChatWorld) -> None:
    ticket = await chat.file(CARLA, INCIDENT)
    assert ticket.thread is not None
    chat.clock.advance(minutes=30)

    # The customer's reply is just a reply.
    await chat.send(CARLA, "Any news?", where="channel", thread=ticket.thread.thread)
    assert (await chat.ticket(ticket.ref)).first_responded_at is None

    turn = await chat.send(
        AGNES, "We are looking into it", where="channel", thread=ticket.thread.thread
    )

    assert (await chat.ticket(ticket.ref)).first_responded_at == chat.clock.now()
    # The note is the agent's alone (Slack shows it only to them): their personal chat.
    assert turn.sent == []
    await chat.deliver()
    [note] = chat.private_to(AGNES)
    assert "first response" in note.lower()


async def test_a_thread_reply_without_a_mention_counts_too(chat: ChatWorld) -> None:
    # With consent to read the channel, Teams delivers replies that do not mention the bot.
    ticket = await chat.file(CARLA, INCIDENT)
    assert ticket.thread is not None

    await chat.send(AGNES, "On it", where="channel", thread=ticket.thread.thread, mention=False)

    assert (await chat.ticket(ticket.ref)).first_responded_at is not None


async def test_a_command_in_the_thread_is_carried_out(chat: ChatWorld) -> None:
    ticket = await chat.file(CARLA, INCIDENT)
    assert ticket.thread is not None

    await chat.send(AGNES, f"start {ticket.ref}", where="channel", thread=ticket.thread.thread)

    assert (await chat.ticket(ticket.ref)).status is TicketStatus.IN_PROGRESS


async def test_a_channel_message_not_for_the_bot_is_ignored(chat: ChatWorld) -> None:
    turn = await chat.send(CARLA, "lunch?", where="channel", mention=False)
    assert turn.sent == []
    await chat.deliver()
    assert chat.notifier.deliveries == []


# -- questions ------------------------------------------------------------------------------


async def test_questions_in_english_and_danish(chat: ChatWorld) -> None:
    ticket = await chat.file(CARLA, INCIDENT)

    english = texts((await chat.send(CARLA, f"when is {ticket.ref} due?")).cards[0])
    danish = texts((await chat.send(CARLA, f"hvornår er {ticket.ref} due?")).cards[0])
    mine = texts((await chat.send(CARLA, "my open tickets")).cards[0])

    assert "Copenhagen time" in english and "dansk tid" in danish
    assert ticket.ref in mine


async def test_a_question_in_the_channel_is_answered_in_the_askers_personal_chat(
    chat: ChatWorld,
) -> None:
    # Answers are the asker's own (another customer's tickets never show in a shared place).
    turn = await chat.send(CARLA, "is there hypercare?", where="channel")

    assert turn.sent == []
    await chat.deliver()
    [answer] = chat.private_to(CARLA)
    assert "ypercare" in answer


async def test_every_command_of_the_menu_is_handled(chat: ChatWorld) -> None:
    titles = [title for title, _ in COMMANDS]
    assert titles == ["ticket", "uptime", "help"]
    for title in titles:
        card = (await chat.send(CARLA, title)).cards[0]
        assert "I didn't catch that" not in texts(card), title
    assert inputs((await chat.send(CARLA, "ticket")).cards[0])


async def test_typed_commands_work_in_the_personal_chat(chat: ChatWorld) -> None:
    ticket = await chat.file(CARLA, INCIDENT)

    await chat.send(AGNES, f"ack {ticket.ref}")

    assert (await chat.ticket(ticket.ref)).status is TicketStatus.ACKNOWLEDGED


async def test_private_replies_queue_direct_messages_once_per_activity(chat: ChatWorld) -> None:
    activity = chat.activity(ERIK, "ticket", where="channel")
    for _ in range(2):  # Teams redelivers
        turn_activity = Activity().deserialize(activity)
        identity = Identity(PLATFORM, ERIK)

        async def logic(context: TurnContext, identity: Identity = identity) -> None:
            origin = Origin(binding=ChatBinding(PLATFORM, TENANT, CHANNEL))
            await chat.conversation.on_activity(context, identity=identity, origin=origin)

        await chat.adapter.run_pipeline(chat.adapter.create_turn_context(turn_activity), logic)

    async with chat.desk.store.unit() as uow:
        queued = await uow.outbox.due(now=chat.clock.now(), limit=10, platforms=[PLATFORM])
    assert [m.target for m in queued] == [DirectMessage(platform=PLATFORM, user=ERIK, ref=None)]


def test_the_app_manifest_declares_every_command_the_conversation_handles() -> None:
    template = json.loads(TEMPLATE.read_text())
    assert set(declared_commands(template)) == {title for title, _ in COMMANDS}


async def test_a_question_in_another_thread_is_answered(chat: ChatWorld) -> None:
    # Only a ticket's thread makes a message a reply to the ticket.
    turn = await chat.send(CARLA, "is there hypercare?", where="channel", thread="1764000000000")

    assert turn.sent == []  # answers are the asker's: their personal chat
    await chat.deliver()
    [answer] = chat.private_to(CARLA)
    assert "ypercare" in answer
