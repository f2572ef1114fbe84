"""The ticket life cycle: action names, allowed status changes, and the buttons they offer.

Action names are used as `Button.action` (`Button.value` is the ticket ref); the use cases
behind them live in bot/app/actions.py.
"""

from __future__ import annotations

from bot.app.messages import tickets as msg
from bot.app.replies import Button, ButtonStyle
from bot.domain.models import ApprovalState, Ticket, TicketStatus

__all__ = [
    "ACKNOWLEDGE",
    "APPROVE",
    "CLOSE",
    "DECLINE",
    "LOG_TIME",
    "REOPEN",
    "REPLY",
    "REPRIORITISE",
    "RESOLVE",
    "SET_STATUS",
    "START",
    "STATUS_OF_ACTION",
    "TRANSITIONS",
    "WAIT",
    "approval_buttons",
    "ticket_buttons",
]

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

S = TicketStatus
# The ticket life cycle; anything else is refused with a clear reason.
TRANSITIONS: dict[TicketStatus, frozenset[TicketStatus]] = {
    S.OPEN: frozenset({S.ACKNOWLEDGED, S.IN_PROGRESS, S.WAITING_ON_CUSTOMER, S.RESOLVED, S.CLOSED}),
    S.ACKNOWLEDGED: frozenset({S.IN_PROGRESS, S.WAITING_ON_CUSTOMER, S.RESOLVED, S.CLOSED}),
    S.IN_PROGRESS: frozenset({S.WAITING_ON_CUSTOMER, S.RESOLVED}),
    S.WAITING_ON_CUSTOMER: frozenset({S.IN_PROGRESS, S.RESOLVED, S.CLOSED}),
    S.RESOLVED: frozenset({S.OPEN, S.CLOSED}),
    S.CLOSED: frozenset(),
}

STATUS_OF_ACTION = {
    ACKNOWLEDGE: S.ACKNOWLEDGED,
    START: S.IN_PROGRESS,
    WAIT: S.WAITING_ON_CUSTOMER,
    RESOLVE: S.RESOLVED,
    CLOSE: S.CLOSED,
    REOPEN: S.OPEN,
}


def ticket_buttons(ticket: Ticket) -> tuple[Button, ...]:
    """The buttons on a ticket's announcement: the agents' next steps, then approval if pending.

    Only steps the life cycle allows from the ticket's current status are offered.
    """
    allowed = TRANSITIONS[ticket.status]
    agent = tuple(
        Button(
            msg.BUTTON_LABELS[a],
            a,
            ticket.ref,
            ButtonStyle.PRIMARY if a == ACKNOWLEDGE else ButtonStyle.DEFAULT,
        )
        for a in (ACKNOWLEDGE, START, RESOLVE)
        if STATUS_OF_ACTION[a] in allowed
    )
    return agent + approval_buttons(ticket)


def approval_buttons(ticket: Ticket) -> tuple[Button, ...]:
    """Approve / Decline, while a consultancy ticket waits for approval."""
    if ticket.approval is not ApprovalState.PENDING:
        return ()
    return (
        Button(msg.BUTTON_LABELS[APPROVE], APPROVE, ticket.ref, ButtonStyle.PRIMARY),
        Button(msg.BUTTON_LABELS[DECLINE], DECLINE, ticket.ref, ButtonStyle.DANGER),
    )
