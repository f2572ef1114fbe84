"""A ticket's announcement and approval requests, drawn from its current state and kept current.

Filing posts them; every later change to the ticket queues an edit in the same unit of work,
so whichever way a ticket changes (a button, a typed command, a reply in its thread) its
announcement shows the current status and only the buttons that still apply.
"""

from __future__ import annotations

from datetime import datetime

from bot.app.messages import countdown as sla_msg
from bot.app.messages import tickets as msg
from bot.app.outbox import announce_key, announcement_platforms, approval_key, edit_posted
from bot.app.ports import UnitOfWork
from bot.app.replies import Button, ButtonStyle, Reply
from bot.domain.calendar import BusinessCalendar
from bot.domain.lifecycle import STATUS_OF_ACTION, TRANSITIONS, Action
from bot.domain.models import ApprovalState, Customer, Identity, Role, Ticket
from bot.domain.policy import Policy
from bot.domain.sla import snapshot

__all__ = [
    "announcement_of",
    "approval_buttons",
    "approval_request_of",
    "keep_current",
    "ticket_buttons",
]


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
            ButtonStyle.PRIMARY if a is Action.ACKNOWLEDGE else ButtonStyle.DEFAULT,
        )
        for a in (Action.ACKNOWLEDGE, Action.START, Action.RESOLVE)
        if STATUS_OF_ACTION[a] in allowed
    )
    return agent + approval_buttons(ticket)


def approval_buttons(ticket: Ticket) -> tuple[Button, ...]:
    """Approve / Decline, while a consultancy ticket waits for approval."""
    if ticket.approval is not ApprovalState.PENDING:
        return ()
    return (
        Button(msg.BUTTON_LABELS[Action.APPROVE], Action.APPROVE, ticket.ref, ButtonStyle.PRIMARY),
        Button(msg.BUTTON_LABELS[Action.DECLINE], Action.DECLINE, ticket.ref, ButtonStyle.DANGER),
    )


async def _name(uow: UnitOfWork, identity: Identity) -> str:
    contact = await uow.contacts.find(identity=identity)
    return (
        contact.display_name if contact is not None and contact.display_name else identity.user_id
    )


async def _customer(uow: UnitOfWork, ticket: Ticket) -> Customer:
    customer = await uow.customers.get(customer_id=ticket.customer_id)
    assert customer is not None  # tickets reference their customer (foreign key)
    return customer


async def announcement_of(
    uow: UnitOfWork,
    policy: Policy,
    ticket: Ticket,
    *,
    customer: Customer | None = None,
    reporter: str | None = None,
    calendar: BusinessCalendar | None = None,
    at: datetime | None = None,
) -> Reply:
    """The ticket's announcement as it should look now (`customer`/`reporter` if known);
    with `calendar` and `at`, its SLA state and time left as of `at`."""
    sla = None
    if calendar is not None and at is not None:
        snap = snapshot(
            calendar,
            policy,
            opened=ticket.opened_at,
            priority=ticket.priority,
            now=at,
            responded_at=ticket.first_responded_at,
        )
        sla = sla_msg.sla_field(policy, ticket, snap, at)
    return msg.announcement(
        policy,
        ticket,
        customer or await _customer(uow, ticket),
        reporter or await _name(uow, ticket.reporter),
        ticket_buttons(ticket),
        sla,
    )


async def approval_request_of(
    uow: UnitOfWork,
    policy: Policy,
    ticket: Ticket,
    *,
    customer: Customer | None = None,
    reporter: str | None = None,
    recipient: Identity | None = None,
) -> Reply:
    """The approval request as it should look now: buttons while pending, the decision after.

    Sent to the reporter (an approver filing themselves), it asks them to confirm their own.
    """
    decided_by = await _name(uow, ticket.approval_by) if ticket.approval_by is not None else ""
    return msg.approval_request(
        policy,
        ticket,
        customer or await _customer(uow, ticket),
        reporter or await _name(uow, ticket.reporter),
        approval_buttons(ticket),
        decided_by=decided_by,
        own=recipient == ticket.reporter,
    )


async def keep_current(
    uow: UnitOfWork,
    policy: Policy,
    ticket: Ticket,
    *,
    at: datetime,
    decided: bool = False,
    calendar: BusinessCalendar | None = None,
    customer: Customer | None = None,
    reporter: str | None = None,
) -> None:
    """Queue edits redrawing the ticket's announcement(s) as `ticket` is now (its SLA as of
    `at`), and after an approval decision (`decided`) its approval requests. Call in the
    changing unit of work (`customer`/`reporter` if known)."""
    # Every redraw gets a number of its own (its dedupe key) and a higher one than any
    # before: a countdown redraw that changes nothing in the audit trail is still queued,
    # and of several pending redraws only the newest is shown.
    seq = await uow.tickets.next_edit_seq(ref=ticket.ref)
    customer = customer or await _customer(uow, ticket)
    reporter = reporter or await _name(uow, ticket.reporter)
    current = await announcement_of(
        uow,
        policy,
        ticket,
        customer=customer,
        reporter=reporter,
        calendar=calendar or BusinessCalendar(policy),
        at=at,
    )
    # Filing announced it on these platforms (a platform bound since then has no
    # announcement, and edit_posted skips it).
    for platform in announcement_platforms(customer, ticket.reporter.platform):
        key = announce_key(ticket.ref, platform)
        await edit_posted(uow, of=key, reply=current, seq=seq, at=at, ref=ticket.ref)
    if not decided:
        return
    approvers = await uow.contacts.for_customer(customer_id=customer.id, roles=[Role.APPROVER])
    for approver in approvers:
        request = await approval_request_of(
            uow, policy, ticket, customer=customer, reporter=reporter, recipient=approver.identity
        )
        await edit_posted(
            uow,
            of=approval_key(ticket.ref, approver.identity),
            reply=request,
            seq=seq,
            at=at,
            ref=ticket.ref,
        )
