"""The ticket life cycle: which changes are allowed, what they store, and why others are not."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.calendar import BusinessCalendar
from bot.domain.lifecycle import (
    MAX_MINUTES,
    MIN_MINUTES,
    STATUS_OF_ACTION,
    TRANSITIONS,
    Action,
    Refusal,
    decision,
    first_response,
    priority_change,
    status_change,
    time_entry_refusal,
)
from bot.domain.models import ApprovalState, Identity, Ticket, TicketStatus
from bot.domain.policy import Affected, PriorityKey, default_policy

S = TicketStatus
POLICY = default_policy()
CALENDAR = BusinessCalendar(POLICY)
MONDAY_9 = datetime(2026, 11, 30, 9, tzinfo=ZoneInfo("Europe/Copenhagen"))
LATER = MONDAY_9 + timedelta(hours=1)
APPROVER = Identity("console", "anders")

TICKET = Ticket(
    id=1,
    ref="SUP-1001",
    customer_id=1,
    reporter=Identity("console", "carla"),
    summary="Sync stopped",
    description="Nothing since 07:00",
    category="synchronization",
    affected=Affected.SOME,
    data_loss=False,
    inquiry=False,
    priority=PriorityKey.MEDIUM,
    priority_reason="Medium",
    opened_at=MONDAY_9,
    first_response_due=MONDAY_9 + timedelta(days=1),
    status=S.OPEN,
    consultancy=False,
    approval=ApprovalState.NOT_REQUIRED,
)
CONSULTANCY = replace(TICKET, consultancy=True, approval=ApprovalState.PENDING)


def test_every_status_action_leads_somewhere_the_life_cycle_knows() -> None:
    assert set(TRANSITIONS) == set(TicketStatus)
    assert set(STATUS_OF_ACTION.values()) <= set(TicketStatus)
    assert TRANSITIONS[S.CLOSED] == frozenset()  # closed is the end


def test_the_first_move_away_from_open_is_the_first_response() -> None:
    assert status_change(TICKET, S.ACKNOWLEDGED, LATER) == {
        "status": S.ACKNOWLEDGED,
        "first_responded_at": LATER,
    }
    answered = replace(TICKET, status=S.ACKNOWLEDGED, first_responded_at=MONDAY_9)
    assert status_change(answered, S.RESOLVED, LATER) == {"status": S.RESOLVED}


def test_reopening_is_no_first_response() -> None:
    resolved = replace(TICKET, status=S.RESOLVED)
    assert status_change(resolved, S.OPEN, LATER) == {"status": S.OPEN}


@pytest.mark.parametrize(
    ("status", "target", "refusal"),
    [
        (S.OPEN, S.OPEN, Refusal.ALREADY),
        (S.IN_PROGRESS, S.CLOSED, Refusal.ILLEGAL),
        (S.CLOSED, S.OPEN, Refusal.ILLEGAL),
        (S.CLOSED, S.RESOLVED, Refusal.ILLEGAL),
        (S.RESOLVED, S.IN_PROGRESS, Refusal.ILLEGAL),
    ],
)
def test_illegal_changes_are_refused_with_their_reason(
    status: TicketStatus, target: TicketStatus, refusal: Refusal
) -> None:
    assert status_change(replace(TICKET, status=status), target, LATER) is refusal


def test_consultancy_work_waits_for_approval() -> None:
    assert status_change(CONSULTANCY, S.IN_PROGRESS, LATER) is Refusal.AWAITING_APPROVAL
    declined = replace(CONSULTANCY, approval=ApprovalState.DECLINED)
    assert status_change(declined, S.IN_PROGRESS, LATER) is Refusal.AWAITING_APPROVAL
    approved = replace(CONSULTANCY, approval=ApprovalState.APPROVED)
    assert status_change(approved, S.IN_PROGRESS, LATER) == {
        "status": S.IN_PROGRESS,
        "first_responded_at": LATER,
    }
    assert status_change(CONSULTANCY, S.ACKNOWLEDGED, LATER) != Refusal.AWAITING_APPROVAL


def test_an_agents_reply_is_the_first_response_once() -> None:
    assert first_response(TICKET, LATER) == {
        "first_responded_at": LATER,
        "status": S.ACKNOWLEDGED,
    }
    waiting = replace(TICKET, status=S.WAITING_ON_CUSTOMER)
    assert first_response(waiting, LATER) == {"first_responded_at": LATER}
    assert first_response(replace(TICKET, first_responded_at=MONDAY_9), LATER) == {}


def test_a_new_priority_moves_the_due_time_only_before_the_first_response() -> None:
    changes = priority_change(CALENDAR, POLICY, TICKET, PriorityKey.HIGHEST)
    assert changes == {"priority": PriorityKey.HIGHEST, "first_response_due": LATER}
    answered = replace(TICKET, first_responded_at=LATER)
    assert priority_change(CALENDAR, POLICY, answered, PriorityKey.HIGHEST) == {
        "priority": PriorityKey.HIGHEST
    }
    assert priority_change(CALENDAR, POLICY, TICKET, PriorityKey.MEDIUM) is Refusal.ALREADY
    for final in (S.RESOLVED, S.CLOSED):
        ticket = replace(TICKET, status=final)
        assert priority_change(CALENDAR, POLICY, ticket, PriorityKey.LOW) is Refusal.FINAL


def test_approval_is_decided_once() -> None:
    assert decision(CONSULTANCY, approve=True, by=APPROVER, at=LATER) == {
        "approval": ApprovalState.APPROVED,
        "approval_by": APPROVER,
        "approval_at": LATER,
    }
    declined = decision(CONSULTANCY, approve=False, by=APPROVER, at=LATER)
    assert isinstance(declined, dict) and declined["approval"] is ApprovalState.DECLINED
    for state in (ApprovalState.APPROVED, ApprovalState.DECLINED, ApprovalState.NOT_REQUIRED):
        ticket = replace(CONSULTANCY, approval=state)
        assert decision(ticket, approve=True, by=APPROVER, at=LATER) is Refusal.NOT_PENDING


def test_time_is_logged_on_approved_consultancy_within_one_entrys_limits() -> None:
    assert time_entry_refusal(TICKET) is Refusal.FIXED_FEE
    assert time_entry_refusal(CONSULTANCY) is Refusal.AWAITING_APPROVAL
    approved = replace(CONSULTANCY, approval=ApprovalState.APPROVED)
    assert time_entry_refusal(approved) is None
    assert time_entry_refusal(approved, MIN_MINUTES) is None
    assert time_entry_refusal(approved, MAX_MINUTES) is None
    assert time_entry_refusal(approved, MIN_MINUTES - 1) is Refusal.OUT_OF_RANGE
    assert time_entry_refusal(approved, MAX_MINUTES + 1) is Refusal.OUT_OF_RANGE


def test_every_action_is_named_for_the_buttons() -> None:
    assert all(action.value.startswith("ticket.") for action in Action)
    assert len({action.value for action in Action}) == len(Action)
