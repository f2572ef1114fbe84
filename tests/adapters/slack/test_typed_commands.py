"""Agents and approvers type actions in Slack: in a DM to the bot, or by mentioning it.

A plain message in a ticket's thread stays a reply to the customer, even if it starts with a
verb; only a mention turns text in a channel into a command.
"""

from __future__ import annotations

from typing import Any

from bot.domain.models import ApprovalState, TicketStatus
from bot.domain.policy import PriorityKey
from tests.adapters.slack.conftest import (
    ACME_CHANNEL,
    AGNES,
    ANDERS,
    CARLA,
    CONSULTANCY,
    INCIDENT,
    SlackWorld,
)


async def _ticket(slack: SlackWorld, ref: str):  # type: ignore[no-untyped-def]
    async with slack.desk.store.unit() as uow:
        return await uow.tickets.get(ref=ref)


def _dm(user: str, text: str, ts: str = "1764489800.000100") -> dict[str, Any]:
    return {
        "type": "message",
        "channel": f"D{user}",
        "channel_type": "im",
        "user": user,
        "text": text,
        "ts": ts,
    }


async def _answer_in(slack: SlackWorld, channel: str, before: int) -> Any:
    """The bot's next chat.postMessage to `channel` after the first `before` posts."""
    posts = await slack.fake.wait_for("chat.postMessage", before + 1)
    return next(p for p in posts[before:] if p.args["channel"] == channel)


async def test_an_agent_acknowledges_by_direct_message(slack: SlackWorld) -> None:
    ticket = await slack.file(CARLA, INCIDENT)
    before = len(slack.fake.of("chat.postMessage"))

    response = await slack.event(_dm(AGNES, f"ack {ticket.ref}"), event_id="Ev0ACKDM")

    assert response.status == 200
    answer = await _answer_in(slack, f"D{AGNES}", before)
    assert answer.args["text"].startswith(f"{ticket.ref} is now acknowledged.")
    acknowledged = await _ticket(slack, ticket.ref)
    assert acknowledged.status is TicketStatus.ACKNOWLEDGED
    assert acknowledged.first_responded_at == slack.clock.now()
    [redrawn] = await slack.fake.wait_for("chat.update")  # the announcement is current
    assert redrawn.args["channel"] == ACME_CHANNEL
    assert redrawn.args["ts"] == ticket.thread.thread  # type: ignore[union-attr]
    assert "Status: Acknowledged" in str(redrawn.args["blocks"])
    await slack.server.pump.next_round()
    thread_posts = [
        p
        for p in slack.fake.of("chat.postMessage")
        if p.args.get("thread_ts") == ticket.thread.thread  # type: ignore[union-attr]
    ]
    assert any("Agnes Berg acknowledged" in p.args["text"] for p in thread_posts)


async def test_an_agent_reprioritises_by_mentioning_the_bot(slack: SlackWorld) -> None:
    ticket = await slack.file(CARLA, INCIDENT)
    mention = {
        "type": "app_mention",
        "channel": ACME_CHANNEL,
        "user": AGNES,
        "text": f"<@UBOT> priority {ticket.ref} lowest only one user affected",
        "ts": "1764489900.000300",
    }

    await slack.event(mention, event_id="Ev0PRIO")

    [note] = await slack.fake.wait_for("chat.postEphemeral")
    assert note.args["user"] == AGNES and note.args["thread_ts"] == "1764489900.000300"
    assert "Lowest" in note.args["text"]
    assert (await _ticket(slack, ticket.ref)).priority is PriorityKey.LOWEST


async def test_an_approver_approves_by_direct_message(slack: SlackWorld) -> None:
    ticket = await slack.file(CARLA, CONSULTANCY)
    before = len(slack.fake.of("chat.postMessage"))

    await slack.event(_dm(ANDERS, f"approve {ticket.ref.lower()}"), event_id="Ev0APPROVE")

    await _answer_in(slack, f"D{ANDERS}", before)
    approved = await _ticket(slack, ticket.ref)
    assert approved.approval is ApprovalState.APPROVED
    assert approved.approval_by.user_id == ANDERS


async def test_a_typed_reply_reaches_the_thread_as_typed(slack: SlackWorld) -> None:
    ticket = await slack.file(CARLA, INCIDENT)
    before = len(slack.fake.of("chat.postMessage"))

    # Slack escapes &, < and > in what people type; the bot must not escape them twice.
    await slack.event(
        _dm(AGNES, f"reply {ticket.ref} restart if cpu &gt; 90% &amp; retry"), event_id="Ev0RE"
    )

    await _answer_in(slack, f"D{AGNES}", before)
    await slack.server.pump.next_round()
    [posted] = [
        p
        for p in slack.fake.of("chat.postMessage")
        if p.args.get("thread_ts") == ticket.thread.thread  # type: ignore[union-attr]
    ]
    assert "restart if cpu &gt; 90% &amp; retry" in str(posted.args["blocks"])


async def test_an_action_without_a_ticket_is_asked_about(slack: SlackWorld) -> None:
    await slack.event(_dm(AGNES, "ack"), event_id="Ev0WHICH")

    [answer] = await slack.fake.wait_for("chat.postMessage")
    assert "Which ticket?" in answer.args["text"]


async def test_a_verb_in_a_tickets_thread_is_a_reply_not_a_command(slack: SlackWorld) -> None:
    ticket = await slack.file(CARLA, INCIDENT)
    thread = ticket.thread
    assert thread is not None
    event = {
        "type": "message",
        "channel": thread.conversation,
        "channel_type": "channel",
        "user": AGNES,
        "text": f"resolve {ticket.ref} should follow once the sync is back",
        "ts": "1764489700.000400",
        "thread_ts": thread.thread,
    }

    await slack.event(event, event_id="Ev0THREADVERB")

    await slack.fake.wait_for("chat.postEphemeral")  # the first-response note
    replied = await _ticket(slack, ticket.ref)
    assert replied.status is TicketStatus.ACKNOWLEDGED  # the first response, not resolved
    assert replied.first_responded_at == slack.clock.now()
