"""Buttons on a ticket's announcement, replies in its thread, questions by mention and DM."""

from __future__ import annotations

from bot.domain.models import ApprovalState, TicketStatus
from tests.adapters.slack.conftest import (
    ACME_CHANNEL,
    AGNES,
    ANDERS,
    CARLA,
    CONSULTANCY,
    INCIDENT,
    SlackWorld,
    slack_runtime,
)


async def _ticket(slack: SlackWorld, ref: str):  # type: ignore[no-untyped-def]
    async with slack.desk.store.unit() as uow:
        return await uow.tickets.get(ref=ref)


async def test_an_agent_acknowledges_and_the_thread_hears_about_it(slack: SlackWorld) -> None:
    ticket = await slack.file(CARLA, INCIDENT)
    posts = len(slack.fake.of("chat.postMessage"))

    response = await slack.interact(slack.click(AGNES, "ticket.acknowledge", ticket.ref, ticket))

    assert response.status == 200
    [private] = await slack.fake.wait_responses()
    assert private["response_type"] == "ephemeral"
    assert "acknowledged" in private["text"]
    updated = await _ticket(slack, ticket.ref)
    assert updated.status is TicketStatus.ACKNOWLEDGED
    assert updated.first_responded_at is not None
    await slack.server.pump.next_round()
    thread_post = slack.fake.of("chat.postMessage")[posts]
    assert thread_post.args["thread_ts"] == ticket.thread.thread  # type: ignore[union-attr]
    assert thread_post.args["channel"] == ACME_CHANNEL
    [redrawn] = await slack.fake.wait_for("chat.update")  # the announcement is current
    assert redrawn.args["channel"] == ACME_CHANNEL
    assert redrawn.args["ts"] == ticket.thread.thread  # type: ignore[union-attr]
    assert redrawn.result["ok"], redrawn.result
    assert "Status: Acknowledged" in str(redrawn.args["blocks"])
    assert "ticket.acknowledge" not in str(redrawn.args["blocks"])  # done: no button for it
    assert "SUP-1001" in redrawn.args["text"]
    assert not any(r.get("replace_original") for r in slack.fake.responses)  # no response_url


async def test_in_progress_and_resolve_move_the_ticket_along(slack: SlackWorld) -> None:
    ticket = await slack.file(CARLA, INCIDENT)

    await slack.interact(slack.click(AGNES, "ticket.start", ticket.ref, ticket))
    await slack.fake.wait_responses(1)
    assert (await _ticket(slack, ticket.ref)).status is TicketStatus.IN_PROGRESS
    await slack.interact(slack.click(AGNES, "ticket.resolve", ticket.ref, ticket))
    await slack.fake.wait_responses(2)

    assert (await _ticket(slack, ticket.ref)).status is TicketStatus.RESOLVED
    await slack.server.pump.next_round()
    redrawn = slack.fake.of("chat.update")
    assert "Status: Resolved" in str(redrawn[-1].args["blocks"])
    assert "ticket." not in str(redrawn[-1].args["blocks"])  # no steps left to click


async def test_a_customer_cannot_use_the_agents_buttons(slack: SlackWorld) -> None:
    ticket = await slack.file(CARLA, INCIDENT)

    await slack.interact(slack.click(CARLA, "ticket.resolve", ticket.ref, ticket))

    [private] = await slack.fake.wait_responses()
    assert private["response_type"] == "ephemeral"
    assert "agent" in private["text"].lower()
    assert (await _ticket(slack, ticket.ref)).status is TicketStatus.OPEN
    await slack.server.pump.next_round()
    assert slack.fake.of("chat.update") == []  # nothing changed: nothing to redraw


async def test_only_approvers_approve_consultancy(slack: SlackWorld) -> None:
    ticket = await slack.file(CARLA, CONSULTANCY)

    await slack.interact(slack.click(CARLA, "ticket.approve", ticket.ref, ticket))
    await slack.interact(slack.click(AGNES, "ticket.approve", ticket.ref, ticket))
    refusals = await slack.fake.wait_responses(2)
    assert all(r["response_type"] == "ephemeral" for r in refusals)
    assert all("approver" in r["text"].lower() for r in refusals)
    assert (await _ticket(slack, ticket.ref)).approval is ApprovalState.PENDING
    await slack.server.pump.next_round()
    assert slack.fake.of("chat.update") == []
    [request] = [c for c in slack.fake.of("chat.postMessage") if c.args["channel"] == "DU0ANDERS"]
    assert "ticket.approve" in str(request.args["blocks"])

    await slack.interact(slack.click(ANDERS, "ticket.approve", ticket.ref, ticket))
    await slack.fake.wait_responses(3)

    approved = await _ticket(slack, ticket.ref)
    assert approved.approval is ApprovalState.APPROVED
    assert approved.approval_by.user_id == ANDERS
    redrawn = {c.args["channel"]: c for c in await slack.fake.wait_for("chat.update", 2)}
    announcement = redrawn[ACME_CHANNEL]
    assert announcement.args["ts"] == ticket.thread.thread  # type: ignore[union-attr]
    assert "ticket.approve" not in str(announcement.args["blocks"])  # decided: no more approval
    dm = redrawn[request.args["channel"]]
    assert dm.args["ts"] == request.result["ts"] and dm.result["ok"]
    assert "ticket.approve" not in str(dm.args["blocks"])
    assert "Approved by Anders Holm" in str(dm.args["blocks"])


async def test_an_agents_reply_in_the_thread_is_the_first_response(slack: SlackWorld) -> None:
    ticket = await slack.file(CARLA, INCIDENT)
    thread = ticket.thread
    assert thread is not None
    event = {
        "type": "message",
        "channel": thread.conversation,
        "channel_type": "channel",
        "user": AGNES,
        "text": "Looking into it now.",
        "ts": "1764489700.000200",
        "thread_ts": thread.thread,
        "event_ts": "1764489700.000200",
    }

    response = await slack.event(event, event_id="Ev0REPLY")

    assert response.status == 200
    note = (await slack.fake.wait_for("chat.postEphemeral"))[0]
    assert note.args["user"] == AGNES
    assert note.args["thread_ts"] == thread.thread
    await slack_runtime(slack.server).background.idle()
    responded = await _ticket(slack, ticket.ref)
    assert responded.first_responded_at == slack.clock.now()
    assert responded.status is TicketStatus.ACKNOWLEDGED


async def test_a_customers_reply_in_the_thread_is_not_a_first_response(slack: SlackWorld) -> None:
    ticket = await slack.file(CARLA, INCIDENT)
    thread = ticket.thread
    assert thread is not None
    event = {
        "type": "message",
        "channel": thread.conversation,
        "channel_type": "channel",
        "user": CARLA,
        "text": "Any news?",
        "ts": "1764489700.000300",
        "thread_ts": thread.thread,
    }

    await slack.event(event, event_id="Ev0CUSTOMER")
    await slack_runtime(slack.server).background.idle()
    await _settle(slack)

    assert (await _ticket(slack, ticket.ref)).first_responded_at is None


async def _settle(slack: SlackWorld) -> None:
    """Wait for Bolt's listeners (they run after the ack) by round-tripping a known event."""
    before = len(slack.fake.of("chat.postMessage"))
    await slack.event(
        {
            "type": "message",
            "channel": "D0CARLA",
            "channel_type": "im",
            "user": CARLA,
            "text": "help",
            "ts": "1764489800.000100",
        },
        event_id=f"Ev0SETTLE{before}",
    )
    await slack.fake.wait_for("chat.postMessage", before + 1)


async def test_a_mention_is_answered_in_its_thread(slack: SlackWorld) -> None:
    event = {
        "type": "app_mention",
        "channel": ACME_CHANNEL,
        "user": CARLA,
        "text": "<@UBOT> what's current uptime?",
        "ts": "1764489900.000100",
    }

    await slack.event(event, event_id="Ev0MENTION")

    # No measurements yet: a private answer, in the thread, to the one who asked.
    [post] = await slack.fake.wait_for("chat.postEphemeral")
    assert post.args["channel"] == ACME_CHANNEL
    assert post.args["user"] == CARLA
    assert post.args["thread_ts"] == "1764489900.000100"
    assert "uptime" in post.args["text"].lower()


async def test_a_direct_message_is_answered(slack: SlackWorld) -> None:
    await slack.event(
        {
            "type": "message",
            "channel": "D0CARLA",
            "channel_type": "im",
            "user": CARLA,
            "text": "help",
            "ts": "1764489800.000100",
        },
        event_id="Ev0DM",
    )

    [post] = await slack.fake.wait_for("chat.postMessage")
    assert post.args["channel"] == "D0CARLA"
    assert "ticket" in post.args["text"].lower()


async def test_a_retried_event_is_handled_once(slack: SlackWorld) -> None:
    event = {
        "type": "app_mention",
        "channel": ACME_CHANNEL,
        "user": CARLA,
        "text": "<@UBOT> help",
        "ts": "1764489900.000200",
    }

    first = await slack.event(event, event_id="Ev0RETRY")
    second = await slack.event(event, event_id="Ev0RETRY", retry=1)
    third = await slack.event(event, event_id="Ev0RETRY", retry=2)

    assert first.status == second.status == third.status == 200
    await slack.fake.wait_for("chat.postEphemeral")
    await _settle(slack)
    assert len(slack.fake.of("chat.postEphemeral")) == 1


async def test_the_bots_own_messages_are_ignored(slack: SlackWorld) -> None:
    await slack.event(
        {
            "type": "message",
            "subtype": "bot_message",
            "channel": "D0CARLA",
            "channel_type": "im",
            "bot_id": "BBOT",
            "text": "help",
            "ts": "1764489800.000900",
        },
        event_id="Ev0BOT",
    )
    await _settle(slack)

    assert len(slack.fake.of("chat.postMessage")) == 1  # only the settle probe's answer
