"""Agents act on tickets, approvers decide on consultancy; everyone else is refused clearly."""

from __future__ import annotations

from datetime import timedelta

import pytest

from adapters.console import PLATFORM as CONSOLE
from adapters.slack.settings import PLATFORM as SLACK
from bot.app.actions import ACTIONS, act, record_thread_reply
from bot.app.announcements import approval_buttons, ticket_buttons
from bot.app.filing import file_ticket
from bot.app.outbox import drain
from bot.domain.lifecycle import Action
from bot.domain.models import ApprovalState, Identity, ThreadRef, TicketStatus, TicketThread
from bot.domain.policy import PriorityKey
from tests.app.conftest import (
    AGNES,
    ANDERS,
    CARLA,
    CONSULTANCY,
    ERIK,
    GINA,
    INCIDENT,
    World,
    outbox,
    valid,
)
from tests.fakes import RecordingNotifier


async def incident(world: World) -> str:
    filed = await file_ticket(world.desk, reporter=CARLA, answers=valid(INCIDENT))
    assert filed.ticket is not None
    return filed.ticket.ref


async def consultancy(world: World) -> str:
    filed = await file_ticket(world.desk, reporter=CARLA, answers=valid(CONSULTANCY))
    assert filed.ticket is not None
    return filed.ticket.ref


async def get(world: World, ref: str):  # type: ignore[no-untyped-def]
    async with world.desk.store.unit() as uow:
        return await uow.tickets.get(ref=ref)


async def test_acknowledging_is_the_first_response_and_stops_the_clock(world: World) -> None:
    ref = await incident(world)
    world.clock.advance(hours=2)
    reply = await act(world.desk, actor=AGNES, ref=ref.lower(), action=Action.ACKNOWLEDGE)
    assert reply.private
    assert reply.text.startswith("SUP-1001 is now acknowledged. First response recorded, within")
    ticket = await get(world, ref)
    assert ticket.status is TicketStatus.ACKNOWLEDGED
    assert ticket.first_responded_at == world.clock.now()
    posted = (await outbox(world.desk.store))[-1]
    assert isinstance(posted.target, TicketThread)
    assert posted.content["text"] == "Agnes Berg acknowledged SUP-1001 and is looking into it."
    again = await act(world.desk, actor=AGNES, ref=ref, action=Action.ACKNOWLEDGE)
    assert again.text == "SUP-1001 is already acknowledged."
    world.clock.advance(hours=1)
    await act(world.desk, actor=AGNES, ref=ref, action=Action.START)
    assert (await get(world, ref)).first_responded_at == world.clock.now() - timedelta(hours=1)


async def test_a_late_first_response_says_so(world: World) -> None:
    ref = await incident(world)
    world.clock.advance(days=2)
    reply = await act(world.desk, actor=AGNES, ref=ref, action=Action.RESOLVE)
    assert "First response recorded, after the due time Tue 01 Dec 2026 09:00" in reply.text


async def test_the_life_cycle_refuses_illegal_transitions(world: World) -> None:
    ref = await incident(world)
    await act(world.desk, actor=AGNES, ref=ref, action=Action.START)
    refused = await act(world.desk, actor=AGNES, ref=ref, action=Action.CLOSE)
    assert refused.private
    assert refused.text == "SUP-1001 is in progress; it cannot go to 'closed' from there."
    waiting = await act(
        world.desk, actor=AGNES, ref=ref, action=Action.SET_STATUS, text="waiting on customer"
    )
    assert waiting.text == "SUP-1001 is now waiting on customer."
    await act(world.desk, actor=AGNES, ref=ref, action=Action.RESOLVE)
    await act(world.desk, actor=AGNES, ref=ref, action=Action.CLOSE)
    for action in (Action.START, Action.REOPEN, Action.ACKNOWLEDGE, Action.RESOLVE):
        reply = await act(world.desk, actor=AGNES, ref=ref, action=action)
        assert reply.text.startswith("SUP-1001 is closed; it cannot go to"), action
    assert (await get(world, ref)).status is TicketStatus.CLOSED


async def test_a_resolved_ticket_can_be_reopened(world: World) -> None:
    ref = await incident(world)
    await act(world.desk, actor=AGNES, ref=ref, action=Action.RESOLVE)
    reply = await act(world.desk, actor=AGNES, ref=ref, action=Action.REOPEN)
    assert reply.text == "SUP-1001 is now open."
    bad = await act(world.desk, actor=AGNES, ref=ref, action=Action.SET_STATUS, text="sleeping")
    assert "the new status" in bad.text


async def test_customers_cannot_change_status_and_strangers_see_nothing(world: World) -> None:
    ref = await incident(world)
    own = await act(world.desk, actor=CARLA, ref=ref, action=Action.RESOLVE)
    assert own.text == "Only the service provider's agents can change a ticket's status."
    missing = await act(world.desk, actor=GINA, ref="SUP-9999", action=Action.RESOLVE)
    other = await act(world.desk, actor=GINA, ref=ref, action=Action.RESOLVE)
    end_user = await act(world.desk, actor=ERIK, ref=ref, action=Action.RESOLVE)
    assert other.text == missing.text.replace("SUP-9999", ref) == "I can't find a ticket SUP-1001."
    assert other == end_user
    assert (await get(world, ref)).status is TicketStatus.OPEN


async def test_consultancy_waits_for_the_approver_before_work_starts(world: World) -> None:
    ref = await consultancy(world)
    blocked = await act(world.desk, actor=AGNES, ref=ref, action=Action.START)
    assert "work cannot start until the customer's approver approves it" in blocked.text
    assert (await get(world, ref)).status is TicketStatus.OPEN
    for who in (AGNES, CARLA):
        refused = await act(world.desk, actor=who, ref=ref, action=Action.APPROVE)
        assert refused.text.startswith("Only") and "approvers can approve" in refused.text
    assert (await act(world.desk, actor=GINA, ref=ref, action=Action.APPROVE)).text == (
        "I can't find a ticket SUP-1001."
    )
    world.clock.advance(minutes=30)
    approved = await act(world.desk, actor=ANDERS, ref=ref, action=Action.APPROVE)
    assert approved.text == "Approved: SUP-1001."
    ticket = await get(world, ref)
    assert ticket.approval is ApprovalState.APPROVED
    assert ticket.approval_by == ANDERS and ticket.approval_at == world.clock.now()
    assert (await outbox(world.desk.store))[-1].content["text"] == (
        "Anders Holm approved the consultancy on SUP-1001; work can start."
    )
    twice = await act(world.desk, actor=ANDERS, ref=ref, action=Action.DECLINE)
    assert twice.text == "SUP-1001 is not waiting for approval: it was already approved."
    started = await act(world.desk, actor=AGNES, ref=ref, action=Action.START)
    assert started.text.startswith("SUP-1001 is now in progress.")
    async with world.desk.store.unit() as uow:
        trail = [e.action for e in await uow.tickets.events(ref=ref)]
    assert trail == ["created", "approve", "status"]


async def test_a_declined_consultancy_cannot_start_or_be_billed(world: World) -> None:
    ref = await consultancy(world)
    declined = await act(
        world.desk, actor=ANDERS, ref=ref, action=Action.DECLINE, text="too expensive"
    )
    assert declined.text == "Declined: SUP-1001. Your reason is posted in the ticket's thread."
    assert "Reason: too expensive" in (await outbox(world.desk.store))[-1].content["text"]
    blocked = await act(world.desk, actor=AGNES, ref=ref, action=Action.START)
    assert "the customer declined it" in blocked.text
    log = await act(world.desk, actor=AGNES, ref=ref, action=Action.LOG_TIME, text="1h")
    assert "the customer declined it" in log.text
    closed = await act(world.desk, actor=AGNES, ref=ref, action=Action.CLOSE)
    assert closed.text == "SUP-1001 is now closed. " + closed.text.split(". ", 1)[1]


async def test_agents_log_time_on_approved_consultancy_only(world: World) -> None:
    ref = await consultancy(world)
    early = await act(world.desk, actor=AGNES, ref=ref, action=Action.LOG_TIME, text="1h")
    assert "cannot start until" in early.text
    await act(world.desk, actor=ANDERS, ref=ref, action=Action.APPROVE)
    first = await act(
        world.desk, actor=AGNES, ref=ref, action=Action.LOG_TIME, text="1.5h restored 3 stores"
    )
    assert first.text == "Logged 1 h 30 min on SUP-1001 (1 h 30 min billable in total)."
    second = await act(world.desk, actor=AGNES, ref=ref, action=Action.LOG_TIME, text="45m")
    assert second.text == "Logged 45 min on SUP-1001 (2 h 15 min billable in total)."
    async with world.desk.store.unit() as uow:
        entries = await uow.tickets.time_entries(ref=ref)
    assert [(e.minutes, e.note, e.agent) for e in entries] == [
        (90, "restored 3 stores", AGNES),
        (45, "", AGNES),
    ]
    bad = await act(world.desk, actor=AGNES, ref=ref, action=Action.LOG_TIME, text="a while")
    assert "not a duration" in bad.text
    customer = await act(world.desk, actor=ANDERS, ref=ref, action=Action.LOG_TIME, text="1h")
    assert customer.text == "Only the service provider's agents can log time."
    fixed = await incident(world)
    in_fee = await act(world.desk, actor=AGNES, ref=fixed, action=Action.LOG_TIME, text="1h")
    assert "covered by the fixed fee" in in_fee.text


async def test_reprioritising_recomputes_due_from_opening_and_is_audited(world: World) -> None:
    ref = await incident(world)
    world.clock.advance(hours=3)
    no_reason = await act(world.desk, actor=AGNES, ref=ref, action=Action.REPRIORITISE, text="high")
    assert "Give the new priority" in no_reason.text
    reply = await act(
        world.desk,
        actor=AGNES,
        ref=ref,
        action=Action.REPRIORITISE,
        text="High data loss found in the logs",
    )
    assert reply.text == (
        "SUP-1001 is now High (4 business hours), first response due "
        "Mon 30 Nov 2026 13:00 (Copenhagen time)."
    )
    ticket = await get(world, ref)
    assert ticket.priority is PriorityKey.HIGH
    assert (
        ticket.priority_reason == "High: reprioritised by Agnes Berg: data loss found in the logs"
    )
    async with world.desk.store.unit() as uow:
        event = (await uow.tickets.events(ref=ref))[-1]
    assert event.action == "reprioritise" and event.actor == "console:agnes"
    assert event.before["priority"] == "medium" and event.after["priority"] == "high"
    same = await act(
        world.desk, actor=AGNES, ref=ref, action=Action.REPRIORITISE, text="high again"
    )
    assert same.text == "SUP-1001 is already High."
    customer = await act(
        world.desk, actor=CARLA, ref=ref, action=Action.REPRIORITISE, text="highest now"
    )
    assert customer.text == "Only the service provider's agents can change a ticket's priority."


async def test_replies_post_in_the_thread_and_an_agents_counts_as_first_response(
    world: World,
) -> None:
    ref = await incident(world)
    empty = await act(world.desk, actor=CARLA, ref=ref, action=Action.REPLY, text="  ")
    assert "the message" in empty.text
    await act(world.desk, actor=CARLA, ref=ref, action=Action.REPLY, text="Any news?")
    assert (await get(world, ref)).first_responded_at is None
    reply = await act(world.desk, actor=AGNES, ref=ref, action=Action.REPLY, text="On it <!here>")
    assert reply.text.startswith("Your reply was posted on SUP-1001. First response recorded")
    ticket = await get(world, ref)
    assert ticket.first_responded_at is not None and ticket.status is TicketStatus.ACKNOWLEDGED
    posted = (await outbox(world.desk.store))[-1]
    assert posted.content["title"] == "Agnes Berg on SUP-1001"
    assert posted.content["text"] == "On it <!here>"  # plain text: the adapter escapes it


async def test_an_agents_reply_in_the_thread_is_the_first_response(world: World) -> None:
    ref = await incident(world)
    notifier = RecordingNotifier(CONSOLE)
    await drain(world.desk, {CONSOLE: notifier})
    thread = (await get(world, ref)).thread
    assert thread == notifier.deliveries[0].landed
    assert await record_thread_reply(world.desk, author=CARLA, thread=thread) is None
    other = ThreadRef(CONSOLE, "Acme A/S", "no-such-thread")
    assert await record_thread_reply(world.desk, author=AGNES, thread=other) is None
    world.clock.advance(minutes=20)
    note = await record_thread_reply(world.desk, author=AGNES, thread=thread)
    assert note is not None and note.private and "within the SLA" in note.text
    ticket = await get(world, ref)
    assert ticket.first_responded_at == world.clock.now()
    assert ticket.status is TicketStatus.ACKNOWLEDGED
    assert await record_thread_reply(world.desk, author=AGNES, thread=thread) is None


@pytest.mark.parametrize("action", ["ticket.fly", ""])
async def test_unknown_actions_are_refused(world: World, action: str) -> None:
    ref = await incident(world)
    reply = await act(world.desk, actor=AGNES, ref=ref, action=action)
    assert reply.private and "I don't know the action" in reply.text


async def test_buttons_carry_the_ref_and_only_pending_consultancy_has_approval(
    world: World,
) -> None:
    ref = await consultancy(world)
    ticket = await get(world, ref)
    assert [(b.action, b.value) for b in ticket_buttons(ticket)] == [
        (Action.ACKNOWLEDGE, ref),
        (Action.START, ref),
        (Action.RESOLVE, ref),
        (Action.APPROVE, ref),
        (Action.DECLINE, ref),
    ]
    await act(world.desk, actor=ANDERS, ref=ref, action=Action.APPROVE)
    assert approval_buttons(await get(world, ref)) == ()
    assert ACTIONS >= {Action.APPROVE, Action.LOG_TIME, Action.REPLY}


async def test_an_unregistered_slack_user_is_an_end_user(world: World) -> None:
    ref = await incident(world)
    reply = await act(
        world.desk, actor=Identity(SLACK, "U1"), ref=ref, action="ticket.reply", text="x"
    )
    assert reply.text == "I can't find a ticket SUP-1001."


async def test_reprioritising_after_the_first_response_keeps_its_sla_outcome(
    world: World,
) -> None:
    from bot.app.questions import answer

    ref = await incident(world)  # Medium: due Tue 01 Dec 09:00
    world.clock.advance(days=2, hours=1)
    await act(world.desk, actor=AGNES, ref=ref, action=Action.ACKNOWLEDGE)  # late
    due_before = (await get(world, ref)).first_response_due
    reply = await act(
        world.desk,
        actor=AGNES,
        ref=ref,
        action=Action.REPRIORITISE,
        text="lowest it was only a question",
    )
    assert reply.text.startswith("SUP-1001 is now Lowest (16 business hours).")
    assert "first response was already given" in reply.text
    assert "after the due time Tue 01 Dec 2026 09:00" in reply.text
    ticket = await get(world, ref)
    assert ticket.priority is PriorityKey.LOWEST
    assert ticket.first_response_due == due_before
    posted = (await outbox(world.desk.store))[-1]
    assert "stays Tue 01 Dec 2026 09:00" in posted.content["text"]
    status = await answer(world.desk, asker=AGNES, text=f"status of {ref}")
    sla = next(f.value for f in status.fields if f.label == "SLA")
    assert ", late (due Tue 01 Dec 2026 09:00" in sla


@pytest.mark.parametrize("final", [Action.RESOLVE, Action.CLOSE])
async def test_a_resolved_or_closed_ticket_cannot_be_reprioritised(
    world: World, final: str
) -> None:
    ref = await incident(world)
    await act(world.desk, actor=AGNES, ref=ref, action=Action.RESOLVE)
    if final == Action.CLOSE:
        await act(world.desk, actor=AGNES, ref=ref, action=Action.CLOSE)
    before = await get(world, ref)
    refused = await act(
        world.desk,
        actor=AGNES,
        ref=ref,
        action=Action.REPRIORITISE,
        text="lowest just a question",
    )
    assert refused.private
    expected = {
        Action.RESOLVE: "SUP-1001 is resolved, so its priority can no longer change. Reopen "
        "it first if there is more work.",
        Action.CLOSE: "SUP-1001 is closed, so its priority can no longer change.",
    }
    assert refused.text == expected[final]
    assert await get(world, ref) == before


@pytest.mark.parametrize(
    ("typed", "minutes", "shown"),
    [("1h30m", 90, "1 h 30 min"), ("1:30", 90, "1 h 30 min"), ("1m", 1, "1 min"),
     ("1,5t", 90, "1 h 30 min"), ("24h", 1440, "24 h")],
)  # fmt: skip
async def test_logged_time_is_read_in_many_forms_and_shown_in_hours_and_minutes(
    world: World, typed: str, minutes: int, shown: str
) -> None:
    ref = await consultancy(world)
    await act(world.desk, actor=ANDERS, ref=ref, action=Action.APPROVE)
    reply = await act(
        world.desk, actor=AGNES, ref=ref, action=Action.LOG_TIME, text=f"{typed} restore"
    )
    assert reply.text == f"Logged {shown} on SUP-1001 ({shown} billable in total)."
    async with world.desk.store.unit() as uow:
        assert [e.minutes for e in await uow.tickets.time_entries(ref=ref)] == [minutes]


@pytest.mark.parametrize("typed", ["25h", "1000h", "0h", "-1h", "0:00"])
async def test_a_duration_outside_the_limits_names_them(world: World, typed: str) -> None:
    ref = await consultancy(world)
    await act(world.desk, actor=ANDERS, ref=ref, action=Action.APPROVE)
    reply = await act(
        world.desk, actor=AGNES, ref=ref, action=Action.LOG_TIME, text=f"{typed} restore"
    )
    assert reply.text.startswith(f"'{typed}' is outside what one time entry can hold. ")
    assert "between 1 minute and 24 hours" in reply.text
    async with world.desk.store.unit() as uow:
        assert await uow.tickets.time_entries(ref=ref) == []


async def test_a_decline_needs_no_reason_but_says_one_can_be_given(world: World) -> None:
    ref = await consultancy(world)
    declined = await act(world.desk, actor=ANDERS, ref=ref, action=Action.DECLINE)
    assert declined.text == (
        "Declined: SUP-1001. If you want to tell us why, reply in the ticket's thread or type "
        "'reply SUP-1001 <your reason>'."
    )
    assert (await get(world, ref)).approval is ApprovalState.DECLINED
    why = await act(world.desk, actor=ANDERS, ref=ref, action=Action.REPLY, text="Too dear")
    assert why.text == "Your reply was posted on SUP-1001."
    fixed = await incident(world)
    refused = await act(world.desk, actor=ANDERS, ref=fixed, action=Action.APPROVE)
    assert refused.text == (
        "SUP-1002 is not waiting for approval: it is covered by the fixed fee and needs no "
        "approval."
    )


@pytest.mark.parametrize(
    ("word", "name"), [("critical", "Highest"), ("kritisk", "Highest"), ("høj", "High")]
)
async def test_priority_synonyms_from_the_agreement_and_danish(
    world: World, word: str, name: str
) -> None:
    ref = await incident(world)
    reply = await act(
        world.desk, actor=AGNES, ref=ref, action=Action.REPRIORITISE, text=f"{word} data loss"
    )
    assert reply.text.startswith(f"SUP-1001 is now {name} (")
