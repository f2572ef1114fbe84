"""Filing a ticket: support levels, classification, storage and announcements in one unit."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from bot.app.announcements import announcement_of, approval_request_of
from bot.app.callers import Caller, Origin, identify_in
from bot.app.desk import Desk
from bot.app.intake import (
    AFFECTED,
    CATEGORY,
    DATA_LOSS,
    DESCRIPTION,
    ENVIRONMENT,
    INQUIRY,
    SINCE,
    SUMMARY,
    USERS,
    YES,
    IntakeError,
    assess,
    normalize_answers,
)
from bot.app.messages import tickets as msg
from bot.app.outbox import approval_key, post_to_customer, post_to_user
from bot.app.ports import UnitOfWork
from bot.app.replies import Reply
from bot.domain.models import (
    ApprovalState,
    Customer,
    Identity,
    NewTicket,
    Role,
    Ticket,
)
from bot.domain.policy import Affected
from bot.domain.sla import snapshot

__all__ = ["Filed", "IntakeError", "file_ticket", "may_file", "refusal"]

_DETAILS = (ENVIRONMENT, SINCE, USERS)


@dataclass(frozen=True, slots=True)
class Filed:
    """The outcome of a filing: the ticket (None if refused) and the reply to the reporter."""

    ticket: Ticket | None
    reply: Reply


async def refusal(uow: UnitOfWork, caller: Caller) -> Reply | None:
    """Why this caller may not file (agent or end user), or None if they may."""
    if caller.is_agent:
        return msg.agent_cannot_file()
    if caller.can_file and caller.customer is not None:
        return None
    contacts = []
    if caller.customer is not None:
        contacts = await uow.contacts.for_customer(
            customer_id=caller.customer.id, roles=[Role.CUSTOMER, Role.APPROVER]
        )
    return msg.end_user_refusal(caller.customer, contacts)


async def may_file(desk: Desk, *, reporter: Identity, origin: Origin | None = None) -> Reply | None:
    """None if `reporter` may file a ticket, else the polite refusal (before any form is shown)."""
    async with desk.store.unit() as uow:
        return await refusal(uow, await identify_in(uow, reporter, origin))


async def file_ticket(
    desk: Desk,
    *,
    reporter: Identity,
    answers: Mapping[str, str],
    source_key: str | None = None,
    origin: Origin | None = None,
) -> Filed:
    """File a ticket from intake answers; end users and agents are refused, nothing stored.

    Raises IntakeError for invalid answers (nothing written). Filing twice with the same
    `source_key` returns the first ticket and posts nothing new.
    """
    now = desk.now()
    async with desk.store.unit() as uow:
        caller = await identify_in(uow, reporter, origin)
        refused = await refusal(uow, caller)
        if refused is not None:
            return Filed(None, refused)
        assert caller.customer is not None  # refusal() guarantees a filer has a customer
        values = normalize_answers(desk.policy, answers)
        assessment = assess(desk.policy, desk.calendar, values, now)
        inquiry = values[AFFECTED] == INQUIRY
        new = NewTicket(
            customer_id=caller.customer.id,
            reporter=reporter,
            summary=values[SUMMARY],
            description=values[DESCRIPTION],
            category=values[CATEGORY],
            affected=None if inquiry else Affected(values[AFFECTED]),
            data_loss=None if inquiry else values[DATA_LOSS] == YES,
            inquiry=inquiry,
            priority=assessment.classification.priority,
            priority_reason=assessment.classification.reason,
            opened_at=now,
            first_response_due=assessment.due,
            consultancy=assessment.consultancy,
            approval=ApprovalState.PENDING
            if assessment.consultancy
            else ApprovalState.NOT_REQUIRED,
            details={k: values[k] for k in _DETAILS if values.get(k)},
            source_key=source_key,
        )
        ticket = await uow.tickets.create(ticket=new, actor=str(reporter))
        others = await _announce(uow, desk, ticket, caller.customer, caller, now)
    left = snapshot(
        desk.calendar,
        desk.policy,
        opened=ticket.opened_at,
        priority=ticket.priority,
        now=now,
        responded_at=ticket.first_responded_at,
    ).remaining
    own = caller.customer.name if caller.is_approver else None
    return Filed(ticket, msg.filed(desk.policy, ticket, left, approvers=others, own_approval=own))


async def _announce(
    uow: UnitOfWork, desk: Desk, ticket: Ticket, customer: Customer, caller: Caller, now: datetime
) -> int:
    """Queue the channel announcement and, for consultancy, the approval requests; return
    how many approvers besides the reporter were asked (a reporting approver confirms their own
    request in a direct message worded for them)."""
    announcement = await announcement_of(
        uow, desk.policy, ticket, customer=customer, reporter=caller.name
    )
    await post_to_customer(
        uow,
        customer=customer,
        ticket=ticket,
        origin=ticket.reporter.platform,
        reply=announcement,
        at=now,
    )
    if ticket.approval is not ApprovalState.PENDING:
        return 0
    approvers = await uow.contacts.for_customer(customer_id=customer.id, roles=[Role.APPROVER])
    for approver in approvers:
        request = await approval_request_of(
            uow,
            desk.policy,
            ticket,
            customer=customer,
            reporter=caller.name,
            recipient=approver.identity,
        )
        await post_to_user(
            uow,
            to=approver.identity,
            reply=request,
            dedupe_key=approval_key(ticket.ref, approver.identity),
            at=now,
            ref=ticket.ref,
        )
    return sum(1 for approver in approvers if approver.identity != ticket.reporter)
