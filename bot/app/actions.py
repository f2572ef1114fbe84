"""What people do to tickets: agents acknowledge, reply, change status, reprioritise, log time;
customers' approvers approve or decline consultancy. Refusals are private replies.

A ticket the caller may not see (another customer's) is answered exactly like a missing one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.app.announcements import keep_current
from bot.app.callers import Caller, identify_in
from bot.app.commands import (
    MAX_MINUTES,
    MIN_MINUTES,
    duration_text,
    parse_priority,
    parse_status,
    read_duration,
)
from bot.app.desk import Desk
from bot.app.lifecycle import (
    APPROVE,
    DECLINE,
    LOG_TIME,
    REPLY,
    REPRIORITISE,
    SET_STATUS,
    STATUS_OF_ACTION,
    TRANSITIONS,
)
from bot.app.messages import tickets as msg
from bot.app.messages.questions import not_found
from bot.app.messages.text import STATUS_LABELS
from bot.app.outbox import post_to_thread
from bot.app.ports import UnitOfWork
from bot.app.replies import Reply
from bot.domain.models import ApprovalState, Identity, ThreadRef, Ticket, TicketStatus
from bot.domain.sla import first_response_due

__all__ = ["ACTIONS", "act", "record_thread_reply"]

S = TicketStatus


@dataclass(frozen=True, slots=True)
class _Act:
    desk: Desk
    uow: UnitOfWork
    caller: Caller
    ticket: Ticket
    now: datetime
    text: str

    @property
    def actor(self) -> str:
        return str(self.caller.identity)

    async def update(self, action: str, **changes: Any) -> Ticket:
        updated = await self.uow.tickets.update(
            ref=self.ticket.ref, actor=self.actor, action=action, at=self.now, **changes
        )
        if changes:  # e.g. a later reply changes nothing the announcement shows
            decided = "approval" in changes
            await keep_current(self.uow, self.desk.policy, updated, at=self.now, decided=decided)
        return updated

    async def post(self, ticket: Ticket, reply: Reply, what: str) -> None:
        # Same actor, same words, same instant: a double submission, posted once.
        digest = hashlib.sha256(f"{self.actor}\n{reply.text}".encode()).hexdigest()[:16]
        key = f"thread:{ticket.ref}:{what}:{self.now.isoformat()}:{digest}"
        await post_to_thread(self.uow, ticket=ticket, reply=reply, dedupe_key=key, at=self.now)


async def act(
    desk: Desk, *, actor: Identity, ref: str, action: str, text: str | None = None
) -> Reply:
    """Carry out one action on a ticket for `actor`; refusals are private replies."""
    handler = _HANDLERS.get(action)
    if handler is None:
        return msg.unknown_action(action)
    now = desk.now()
    async with desk.store.unit() as uow:
        caller = await identify_in(uow, actor)
        # Locked until this unit ends: a concurrent click on the same ticket waits, then
        # decides on what this one did (e.g. "already acknowledged") instead of repeating it.
        ticket = await uow.tickets.get(ref=ref.strip(), lock=True)
        if ticket is None or not caller.can_see(ticket):
            return not_found(ref.strip())
        return await handler(_Act(desk, uow, caller, ticket, now, (text or "").strip()), action)


async def _status(a: _Act, action: str) -> Reply:
    if not a.caller.is_agent:
        return msg.agents_only("change a ticket's status")
    target = STATUS_OF_ACTION.get(action) or parse_status(a.text)
    if target is None:
        return msg.needs_text("the new status, e.g. 'set SUP-1001 waiting on customer'.")
    ticket = a.ticket
    if ticket.status is target:
        return msg.already(ticket, STATUS_LABELS[target].lower())
    if target not in TRANSITIONS[ticket.status]:
        return msg.illegal_transition(ticket, target)
    if (
        target is S.IN_PROGRESS
        and ticket.consultancy
        and ticket.approval is not ApprovalState.APPROVED
    ):
        return msg.awaiting_approval(ticket)
    changes: dict[str, Any] = {"status": target}
    first = ticket.first_responded_at is None and target is not S.OPEN
    if first:
        changes["first_responded_at"] = a.now
    updated = await a.update("status", **changes)
    await a.post(updated, msg.status_update(a.desk.policy, updated, a.caller.name, a.now), target)
    note = f" {msg.first_response_note(a.desk.policy, updated, a.now)}" if first else ""
    return msg.done(f"{updated.ref} is now {STATUS_LABELS[target].lower()}.{note}")


async def _reply(a: _Act, action: str) -> Reply:
    if not a.text:
        return msg.needs_text("the message, e.g. 'reply SUP-1001 We are looking into it'.")
    if not (a.caller.is_agent or a.caller.can_file):
        return not_found(a.ticket.ref)
    changes: dict[str, Any] = {}
    first = a.caller.is_agent and a.ticket.first_responded_at is None
    if first:
        changes["first_responded_at"] = a.now
        if a.ticket.status is S.OPEN:
            changes["status"] = S.ACKNOWLEDGED
    updated = await a.update("reply", **changes)
    await a.post(updated, msg.agent_reply(updated, a.caller.name, a.text), "reply")
    note = f" {msg.first_response_note(a.desk.policy, updated, a.now)}" if first else ""
    return msg.done(f"Your reply was posted on {updated.ref}.{note}")


async def _decide(a: _Act, action: str) -> Reply:
    ticket = a.ticket
    if not a.caller.is_approver:
        return msg.approvers_only(a.caller.customer)
    if ticket.approval is not ApprovalState.PENDING:
        return msg.not_pending(ticket)
    state = ApprovalState.APPROVED if action == APPROVE else ApprovalState.DECLINED
    updated = await a.update(
        action.removeprefix("ticket."),
        approval=state,
        approval_by=a.caller.identity,
        approval_at=a.now,
    )
    await a.post(
        updated, msg.approval_decided(a.desk.policy, updated, a.caller.name, a.now, a.text), state
    )
    return msg.decision_made(updated, a.text)


async def _reprioritise(a: _Act, action: str) -> Reply:
    policy = a.desk.policy
    if not a.caller.is_agent:
        return msg.agents_only("change a ticket's priority")
    parsed = parse_priority(policy, a.text)
    if parsed is None or not parsed[1]:
        return msg.unknown_priority(policy)
    priority, reason = parsed
    if a.ticket.status in (S.RESOLVED, S.CLOSED):
        return msg.priority_final(a.ticket)
    if priority is a.ticket.priority:
        return msg.already(a.ticket, f"{policy.priority(priority).name}")
    rule = policy.priority(priority)
    changes: dict[str, Any] = {
        "priority": priority,
        "priority_reason": f"{rule.name}: reprioritised by {a.caller.name}: {reason}",
    }
    # Once the first response is given its SLA outcome is history: the due instant it was
    # measured against stays; the new priority only matters for the work from here on.
    if a.ticket.first_responded_at is None:
        changes["first_response_due"] = first_response_due(
            a.desk.calendar, policy, opened=a.ticket.opened_at, priority=priority
        )
    updated = await a.update("reprioritise", **changes)
    await a.post(updated, msg.reprioritised(policy, updated, a.caller.name, reason), "priority")
    return msg.done(msg.reprioritised_note(policy, updated))


async def _log_time(a: _Act, action: str) -> Reply:
    ticket = a.ticket
    if not a.caller.is_agent:
        return msg.agents_only("log time")
    if not ticket.consultancy:
        return msg.fixed_fee(ticket)
    if ticket.approval is not ApprovalState.APPROVED:
        return msg.awaiting_approval(ticket)
    parsed = read_duration(a.text)
    if parsed is None:
        return msg.bad_duration(a.text, MIN_MINUTES, MAX_MINUTES)
    minutes, note = parsed
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        return msg.duration_out_of_range(duration_text(a.text), MIN_MINUTES, MAX_MINUTES)
    await a.uow.tickets.log_time(
        ref=ticket.ref, agent=a.caller.identity, minutes=minutes, at=a.now, note=note
    )
    total = sum(e.minutes for e in await a.uow.tickets.time_entries(ref=ticket.ref))
    return msg.time_logged(ticket, minutes, total)


_Handler = Callable[[_Act, str], Awaitable[Reply]]
_HANDLERS: dict[str, _Handler] = {
    **{name: _status for name in (*STATUS_OF_ACTION, SET_STATUS)},
    REPLY: _reply,
    APPROVE: _decide,
    DECLINE: _decide,
    REPRIORITISE: _reprioritise,
    LOG_TIME: _log_time,
}
ACTIONS = frozenset(_HANDLERS)


async def record_thread_reply(
    desk: Desk, *, author: Identity, thread: ThreadRef, text: str
) -> Reply | None:
    """An agent's first reply in a ticket's thread is its first response; else nothing to say."""
    now = desk.now()
    async with desk.store.unit() as uow:
        found = await uow.tickets.by_thread(thread=thread)
        # Read again, locked: another reply or a click may be recording the first response.
        ticket = None if found is None else await uow.tickets.get(ref=found.ref, lock=True)
        if ticket is None or ticket.first_responded_at is not None:
            return None
        caller = await identify_in(uow, author)
        if not caller.is_agent:
            return None
        changes: dict[str, Any] = {"first_responded_at": now}
        if ticket.status is S.OPEN:
            changes["status"] = S.ACKNOWLEDGED
        updated = await uow.tickets.update(
            ref=ticket.ref, actor=str(author), action="first_response", at=now, **changes
        )
        await keep_current(uow, desk.policy, updated, at=now)
    return msg.done(msg.first_response_note(desk.policy, updated, now))
