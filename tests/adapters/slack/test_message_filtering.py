"""Which Slack messages the bot takes as people talking to it, decided by our own handler.

Bolt drops only the bot's own messages; edits, other apps' bots, joins and other subtypes
reach the listener, and SlackHandlers.message must ignore them itself. The handler is called
directly here, and the same messages are sent as signed events that Bolt passes on.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.domain.models import Ticket
from tests.adapters.slack.conftest import (
    AGNES,
    CARLA,
    INCIDENT,
    TEAM,
    SlackWorld,
    slack_runtime,
)


async def _ticket(slack: SlackWorld, ref: str) -> Ticket:
    async with slack.desk.store.unit() as uow:
        found = await uow.tickets.get(ref=ref)
    assert found is not None
    return found


def _dm(**fields: Any) -> dict[str, Any]:
    event = {
        "type": "message",
        "channel": "D0CARLA",
        "channel_type": "im",
        "user": CARLA,
        "text": "help",
        "ts": "1764489800.000500",
    }
    event.update(fields)
    return {k: v for k, v in event.items() if v is not ...}


def _in_thread(ticket: Ticket, **fields: Any) -> dict[str, Any]:
    assert ticket.thread is not None
    event = {
        "type": "message",
        "channel": ticket.thread.conversation,
        "channel_type": "channel",
        "user": AGNES,
        "text": "Looking into it now.",
        "ts": "1764489700.000700",
        "thread_ts": ticket.thread.thread,
    }
    event.update(fields)
    return {k: v for k, v in event.items() if v is not ...}


NOT_PEOPLE = {
    # Another app's bot writing to ours: answering it could start a loop between two bots.
    "other-bot": _dm(user="U0OTHERBOT", bot_id="B0OTHER"),
    "bot-message": _dm(subtype="bot_message", user=..., bot_id="B0OTHER"),
    "me-message": _dm(subtype="me_message"),
    "channel-join": _dm(subtype="channel_join", text="<@U0CARLA> has joined the channel"),
    "edit": _dm(
        subtype="message_changed",
        user=...,
        message={"type": "message", "user": CARLA, "text": "help", "ts": "1764489800.000400"},
    ),
    "no-user": _dm(user=...),
}


@pytest.mark.parametrize("event", NOT_PEOPLE.values(), ids=NOT_PEOPLE.keys())
async def test_the_handler_itself_ignores_what_is_not_a_person_talking(
    slack: SlackWorld, event: dict[str, Any]
) -> None:
    handlers = slack_runtime(slack.server).handlers

    await handlers.message(event, TEAM, bot_user="UBOT")

    assert slack.fake.calls == []


@pytest.mark.parametrize("event", NOT_PEOPLE.values(), ids=NOT_PEOPLE.keys())
async def test_messages_bolt_passes_on_are_not_answered(
    slack: SlackWorld, event: dict[str, Any]
) -> None:
    await slack.event(event, event_id="Ev0NOTPERSON")
    await _settle(slack)

    assert [c.args["channel"] for c in slack.fake.of("chat.postMessage")] == ["D0ERIK"]


async def test_a_person_in_a_dm_is_answered(slack: SlackWorld) -> None:
    # The control for the cases above: the same DM from a person gets its answer.
    await slack_runtime(slack.server).handlers.message(_dm(), TEAM, bot_user="UBOT")

    [post] = slack.fake.of("chat.postMessage")
    assert post.args["channel"] == "D0CARLA"


THREAD_NOISE = {
    "edited-reply": {
        "subtype": "message_changed",
        "user": ...,
        "message": {"type": "message", "user": AGNES, "text": "On it", "ts": "1.2"},
    },
    "other-apps-bot": {"user": "U0OTHERBOT", "bot_id": "B0OTHER"},
    "agent-via-an-app": {"bot_id": "B0OTHER"},
    "integration-post": {"subtype": "bot_message", "user": ..., "bot_id": "B0JIRA"},
}


@pytest.mark.parametrize("fields", THREAD_NOISE.values(), ids=THREAD_NOISE.keys())
async def test_no_first_response_from_what_is_not_an_agent_replying(
    slack: SlackWorld, fields: dict[str, Any]
) -> None:
    ticket = await slack.file(CARLA, INCIDENT)
    before = len(slack.fake.calls)

    await slack.event(_in_thread(ticket, **fields), event_id="Ev0NOISE")
    await _settle(slack)

    assert (await _ticket(slack, ticket.ref)).first_responded_at is None
    assert not slack.fake.of("chat.postEphemeral")  # no "first response noted"
    assert len(slack.fake.calls) == before + 1  # the settle probe's answer only


async def test_a_mention_in_a_tickets_thread_is_a_question_not_a_first_response(
    slack: SlackWorld,
) -> None:
    # Slack sends both an app_mention and a message event for it: the mention answers, the
    # message must not also count as the agent's reply to the customer.
    ticket = await slack.file(CARLA, INCIDENT)
    text = "<@UBOT> what's current uptime?"
    mention = _in_thread(ticket, type="app_mention", text=text, channel_type=...)

    await slack.event(_in_thread(ticket, text=text), event_id="Ev0THREADMSG")
    await slack.event(mention, event_id="Ev0THREADMENTION")
    [answer] = await slack.fake.wait_for("chat.postEphemeral")
    await slack_runtime(slack.server).background.idle()
    await _settle(slack)

    assert "uptime" in answer.args["text"].lower() and answer.args["user"] == AGNES
    assert answer.args["thread_ts"] == ticket.thread.thread  # type: ignore[union-attr]
    assert (await _ticket(slack, ticket.ref)).first_responded_at is None
    assert len(slack.fake.of("chat.postEphemeral")) == 1


async def _settle(slack: SlackWorld) -> None:
    """Wait until events sent before have been handled: a DM sent after them is answered, and
    Bolt runs one event's listeners before the next request's (they share one task queue)."""
    before = len(slack.fake.of("chat.postMessage"))
    probe = _dm(channel="D0ERIK", user="U0ERIK", ts="1764489900.000900")
    await slack.event(probe, event_id=f"Ev0SETTLE{before}")
    await slack.fake.wait_for("chat.postMessage", before + 1)
    await slack_runtime(slack.server).background.idle()
