"""The ticket life cycle as data and pure rules: what can be done to a ticket, and why not.

Each rule takes a ticket (and what is asked) and returns either the field changes to store
or a `Refusal` naming why the change is not allowed; the use cases in bot/app/actions.py
check who is asking, store the changes and word the answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.domain.calendar import BusinessCalendar
from bot.domain.models import ApprovalState, Identity, Ticket, TicketStatus
from bot.domain.policy import Policy, PriorityKey
from bot.domain.sla import first_response_due

__all__ = [
    "MAX_MINUTES",
    "MIN_MINUTES",
    "STATUS_OF_ACTION",
    "TRANSITIONS",
    "Action",
    "Changes",
    "Refusal",
    "decision",
    "first_response",
    "priority_change",
    "status_change",
    "time_entry_refusal",
]


class Action(StrEnum):
    """What people do to a ticket; the value names it on buttons (`Button.action`)."""

    ACKNOWLEDGE = "ticket.acknowledge"
    START = "ticket.start"
    WAIT = "ticket.wait"
    RESOLVE = "ticket.resolve"
    CLOSE = "ticket.close"
    REOPEN = "ticket.reopen"
    SET_STATUS = "ticket.status"  # text: the new status
    APPROVE = "ticket.approve"
    DECLINE = "ticket.decline"  # text: optional reason
    REPLY = "ticket.reply"  # text: the message
    REPRIORITISE = "ticket.reprioritise"  # text: "<priority> <reason>"
    LOG_TIME = "ticket.log_time"  # text: "<duration> [note]"


class Refusal(StrEnum):
    """Why a change to a ticket is not allowed."""

    ALREADY = "already"  # the ticket is in that state already
    ILLEGAL = "illegal"  # the life cycle does not lead there from the current status
    AWAITING_APPROVAL = "awaiting_approval"  # billable work before the customer approved it
    FINAL = "final"  # resolved or closed: the priority is part of the record
    NOT_PENDING = "not_pending"  # approve or decline when no approval is awaited
    FIXED_FEE = "fixed_fee"  # time is logged on billable consultancy only
    OUT_OF_RANGE = "out_of_range"  # a time entry shorter or longer than one entry may be


# Ticket fields to store, as `TicketRepository.update` takes them.
Changes = dict[str, Any]

S = TicketStatus
# The ticket life cycle; anything else is refused.
TRANSITIONS: Mapping[TicketStatus, frozenset[TicketStatus]] = {
    S.OPEN: frozenset({S.ACKNOWLEDGED, S.IN_PROGRESS, S.WAITING_ON_CUSTOMER, S.RESOLVED, S.CLOSED}),
    S.ACKNOWLEDGED: frozenset({S.IN_PROGRESS, S.WAITING_ON_CUSTOMER, S.RESOLVED, S.CLOSED}),
    S.IN_PROGRESS: frozenset({S.WAITING_ON_CUSTOMER, S.RESOLVED}),
    S.WAITING_ON_CUSTOMER: frozenset({S.IN_PROGRESS, S.RESOLVED, S.CLOSED}),
    S.RESOLVED: frozenset({S.OPEN, S.CLOSED}),
    S.CLOSED: frozenset(),
}

STATUS_OF_ACTION: Mapping[Action, TicketStatus] = {
    Action.ACKNOWLEDGE: S.ACKNOWLEDGED,
    Action.START: S.IN_PROGRESS,
    Action.WAIT: S.WAITING_ON_CUSTOMER,
    Action.RESOLVE: S.RESOLVED,
    Action.CLOSE: S.CLOSED,
    Action.REOPEN: S.OPEN,
}

# One time entry: at least a minute, at most a day (longer work is logged as several entries).
MIN_MINUTES = 1
MAX_MINUTES = 24 * 60


def status_change(ticket: Ticket, target: TicketStatus, at: datetime) -> Changes | Refusal:
    """Move `ticket` to `target` at `at`: the changes (the first move away from open by an
    agent is also the first response), or why not."""
    if ticket.status is target:
        return Refusal.ALREADY
    if target not in TRANSITIONS[ticket.status]:
        return Refusal.ILLEGAL
    unapproved = ticket.consultancy and ticket.approval is not ApprovalState.APPROVED
    if target is S.IN_PROGRESS and unapproved:
        return Refusal.AWAITING_APPROVAL
    changes: Changes = {"status": target}
    if ticket.first_responded_at is None and target is not S.OPEN:
        changes["first_responded_at"] = at
    return changes


def first_response(ticket: Ticket, at: datetime) -> Changes:
    """An agent's reply at `at`: the first response if none was given (an open ticket is then
    acknowledged); no changes otherwise."""
    if ticket.first_responded_at is not None:
        return {}
    changes: Changes = {"first_responded_at": at}
    if ticket.status is S.OPEN:
        changes["status"] = S.ACKNOWLEDGED
    return changes


def priority_change(
    calendar: BusinessCalendar, policy: Policy, ticket: Ticket, priority: PriorityKey
) -> Changes | Refusal:
    """A new priority: before the first response the due instant moves with it; after it, the
    SLA outcome is history and the due instant it was measured against stays."""
    if ticket.status in (S.RESOLVED, S.CLOSED):
        return Refusal.FINAL
    if priority is ticket.priority:
        return Refusal.ALREADY
    changes: Changes = {"priority": priority}
    if ticket.first_responded_at is None:
        changes["first_response_due"] = first_response_due(
            calendar, policy, opened=ticket.opened_at, priority=priority
        )
    return changes


def decision(ticket: Ticket, *, approve: bool, by: Identity, at: datetime) -> Changes | Refusal:
    """An approver's decision on billable consultancy, if it waits for one."""
    if ticket.approval is not ApprovalState.PENDING:
        return Refusal.NOT_PENDING
    state = ApprovalState.APPROVED if approve else ApprovalState.DECLINED
    return {"approval": state, "approval_by": by, "approval_at": at}


def time_entry_refusal(ticket: Ticket, minutes: int | None = None) -> Refusal | None:
    """Why time cannot be logged on `ticket` (or this many `minutes` in one entry), if so."""
    if not ticket.consultancy:
        return Refusal.FIXED_FEE
    if ticket.approval is not ApprovalState.APPROVED:
        return Refusal.AWAITING_APPROVAL
    if minutes is not None and not MIN_MINUTES <= minutes <= MAX_MINUTES:
        return Refusal.OUT_OF_RANGE
    return None
