"""Filing a ticket: who may file, then valid answers stored and announced in one unit of work."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from bot.app.announcements import announcement_of, approval_request_of
from bot.app.callers import Caller, Origin, identify_in
from bot.app.desk import Desk
from bot.app.intake import Answers, Assessment, assess
from bot.app.messages import tickets as msg
from bot.app.outbox import approval_key, post_to_customer, post_to_user
from bot.app.ports import AlreadyFiledError, ForeignSubmissionError, UnitOfWork
from bot.app.replies import Reply
from bot.domain.models import ApprovalState, Contact, Customer, Identity, NewTicket, Role, Ticket
from bot.domain.sla import snapshot

__all__ = ["Filed", "file_ticket", "may_file"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Filed:
    """The outcome of a filing: the ticket (None if refused) and the reply to the reporter."""

    ticket: Ticket | None
    reply: Reply


async def _refusal(uow: UnitOfWork, caller: Caller) -> Reply | None:
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
    """None if `reporter` may file a ticket, else the polite refusal (before any form is shown).

    Every platform asks this before showing the form; filing asks again in its own unit of
    work, so an answer remembered for speed can never file for someone who may not.
    """
    async with desk.store.unit() as uow:
        return await _refusal(uow, await identify_in(uow, reporter, origin))


async def file_ticket(
    desk: Desk,
    *,
    reporter: Identity,
    answers: Answers,
    source_key: str | None = None,
    origin: Origin | None = None,
) -> Filed:
    """File a ticket from valid answers; end users and agents are refused, nothing stored.

    `source_key` names the submission (e.g. a Slack view id): submitted again by the same
    reporter it answers with the first ticket and posts nothing new; from anyone else it is
    refused, and nothing is stored or announced.
    """
    now = desk.now()
    try:
        async with desk.store.unit() as uow:
            caller = await identify_in(uow, reporter, origin)
            refused = await _refusal(uow, caller)
            if refused is not None:
                return Filed(None, refused)
            assert caller.customer is not None  # _refusal() guarantees a filer has a customer
            assessment = assess(desk.policy, desk.calendar, answers, now)
            new = _new_ticket(caller.customer, reporter, answers, assessment, source_key)
            ticket = await uow.tickets.create(ticket=new, actor=str(reporter))
            approvers = await _announce(uow, desk, ticket, caller.customer, caller)
            return Filed(ticket, _filed(desk, ticket, caller, approvers, assessment.left))
    except AlreadyFiledError as before:
        return await _filed_before(desk, before.ticket, reporter)
    except ForeignSubmissionError:
        log.warning("refused a submission by %s that reuses another's key %r", reporter, source_key)
        return Filed(None, msg.foreign_submission())


def _new_ticket(
    customer: Customer,
    reporter: Identity,
    answers: Answers,
    assessment: Assessment,
    source_key: str | None,
) -> NewTicket:
    """The ticket to store: the answers as given and the assessment as derived."""
    return NewTicket(
        customer_id=customer.id,
        reporter=reporter,
        summary=answers.summary,
        description=answers.description,
        category=answers.category,
        affected=assessment.affected,
        data_loss=assessment.data_loss,
        inquiry=assessment.inquiry,
        priority=assessment.priority,
        priority_reason=assessment.reason,
        opened_at=assessment.opened,
        first_response_due=assessment.due,
        consultancy=assessment.consultancy,
        approval=ApprovalState.PENDING if assessment.consultancy else ApprovalState.NOT_REQUIRED,
        details=answers.details,
        source_key=source_key,
    )


def _filed(
    desk: Desk, ticket: Ticket, caller: Caller, approvers: list[Contact], left: timedelta
) -> Reply:
    """The reporter's confirmation (an approver filing consultancy confirms it themselves)."""
    others = sum(1 for approver in approvers if approver.identity != ticket.reporter)
    own = caller.customer.name if caller.is_approver and caller.customer is not None else None
    return msg.filed(desk.policy, ticket, left, approvers=others, own_approval=own)


async def _filed_before(desk: Desk, ticket: Ticket, reporter: Identity) -> Filed:
    """A repeated submission: the first ticket's confirmation, as it stands now."""
    now = desk.now()
    async with desk.store.unit() as uow:
        caller = await identify_in(uow, reporter)
        approvers = await _approvers(uow, ticket)
    left = snapshot(
        desk.calendar,
        desk.policy,
        opened=ticket.opened_at,
        priority=ticket.priority,
        now=now,
        responded_at=ticket.first_responded_at,
    ).remaining
    return Filed(ticket, _filed(desk, ticket, caller, approvers, left))


async def _approvers(uow: UnitOfWork, ticket: Ticket) -> list[Contact]:
    """The customer's approvers asked about a ticket (none unless it waits for approval)."""
    if ticket.approval is not ApprovalState.PENDING:
        return []
    return await uow.contacts.for_customer(customer_id=ticket.customer_id, roles=[Role.APPROVER])


async def _announce(
    uow: UnitOfWork, desk: Desk, ticket: Ticket, customer: Customer, caller: Caller
) -> list[Contact]:
    """Queue the channel announcement and, for consultancy, the approval requests (an
    approver who reports confirms their own request in a direct message worded for them);
    return the approvers asked."""
    at = ticket.opened_at
    announcement = await announcement_of(
        uow,
        desk.policy,
        ticket,
        customer=customer,
        reporter=caller.name,
        calendar=desk.calendar,
        at=at,
    )
    await post_to_customer(
        uow,
        customer=customer,
        ticket=ticket,
        origin=ticket.reporter.platform,
        reply=announcement,
        at=at,
    )
    approvers = await _approvers(uow, ticket)
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
            at=at,
            ref=ticket.ref,
        )
    return approvers
