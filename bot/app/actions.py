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
from bot.app.commands import duration_text, parse_priority, parse_status, read_duration
from bot.app.desk import Desk
from bot.app.messages import tickets as msg
from bot.app.messages.questions import not_found
from bot.app.messages.text import STATUS_LABELS
from bot.app.outbox import post_to_thread
from bot.app.ports import UnitOfWork
from bot.app.replies import Reply
from bot.domain.lifecycle import (
    MAX_MINUTES,
    MIN_MINUTES,
    STATUS_OF_ACTION,
    Action,
    Refusal,
    decision,
    first_response,
    priority_change,
    status_change,
    time_entry_refusal,
)
from bot.domain.models import Identity, ThreadRef, Ticket

__all__ = ["ACTIONS", "act", "record_thread_reply"]


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
            await keep_current(
                self.uow,
                self.desk.policy,
                updated,
                at=self.now,
                decided=decided,
                calendar=self.desk.calendar,
            )
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


# How a refusal that needs nothing but the ticket is worded.
_REFUSED: dict[Refusal, Callable[[Ticket], Reply]] = {
    Refusal.AWAITING_APPROVAL: msg.awaiting_approval,
    Refusal.FINAL: msg.priority_final,
    Refusal.NOT_PENDING: msg.not_pending,
    Refusal.FIXED_FEE: msg.fixed_fee,
}


async def _status(a: _Act, action: str) -> Reply:
    if not a.caller.is_agent:
        return msg.agents_only("change a ticket's status")
    target = STATUS_OF_ACTION.get(Action(action)) or parse_status(a.text)
    if target is None:
        return msg.needs_text("the new status, e.g. 'set SUP-1001 waiting on customer'.")
    changes = status_change(a.ticket, target, a.now)
    if changes is Refusal.ALREADY:
        return msg.already(a.ticket, STATUS_LABELS[target].lower())
    if changes is Refusal.ILLEGAL:
        return msg.illegal_transition(a.ticket, target)
    if isinstance(changes, Refusal):
        return _REFUSED[changes](a.ticket)
    updated = await a.update("status", **changes)
    await a.post(updated, msg.status_update(a.desk.policy, updated, a.caller.name, a.now), target)
    first = "first_responded_at" in changes
    note = f" {msg.first_response_note(a.desk.policy, updated, a.now)}" if first else ""
    return msg.done(f"{updated.ref} is now {STATUS_LABELS[target].lower()}.{note}")


async def _reply(a: _Act, action: str) -> Reply:
    if not a.text:
        return msg.needs_text("the message, e.g. 'reply SUP-1001 We are looking into it'.")
    if not (a.caller.is_agent or a.caller.can_file):
        return not_found(a.ticket.ref)
    changes = first_response(a.ticket, a.now) if a.caller.is_agent else {}
    updated = await a.update("reply", **changes)
    await a.post(updated, msg.agent_reply(updated, a.caller.name, a.text), "reply")
    first = "first_responded_at" in changes
    note = f" {msg.first_response_note(a.desk.policy, updated, a.now)}" if first else ""
    return msg.done(f"Your reply was posted on {updated.ref}.{note}")


async def _decide(a: _Act, action: str) -> Reply:
    if not a.caller.is_approver:
        return msg.approvers_only(a.caller.customer)
    approve = action == Action.APPROVE
    changes = decision(a.ticket, approve=approve, by=a.caller.identity, at=a.now)
    if isinstance(changes, Refusal):
        return _REFUSED[changes](a.ticket)
    updated = await a.update(action.removeprefix("ticket."), **changes)
    await a.post(
        updated,
        msg.approval_decided(a.desk.policy, updated, a.caller.name, a.now, a.text),
        updated.approval,
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
    changes = priority_change(a.desk.calendar, policy, a.ticket, priority)
    if changes is Refusal.ALREADY:
        return msg.already(a.ticket, policy.priority(priority).name)
    if isinstance(changes, Refusal):
        return _REFUSED[changes](a.ticket)
    rule = policy.priority(priority)
    changes["priority_reason"] = f"{rule.name}: reprioritised by {a.caller.name}: {reason}"
    updated = await a.update("reprioritise", **changes)
    await a.post(updated, msg.reprioritised(policy, updated, a.caller.name, reason), "priority")
    return msg.done(msg.reprioritised_note(policy, updated))


async def _log_time(a: _Act, action: str) -> Reply:
    ticket = a.ticket
    if not a.caller.is_agent:
        return msg.agents_only("log time")
    refused = time_entry_refusal(ticket)
    if refused is not None:
        return _REFUSED[refused](ticket)
    parsed = read_duration(a.text)
    if parsed is None:
        return msg.bad_duration(a.text, MIN_MINUTES, MAX_MINUTES)
    minutes, note = parsed
    if time_entry_refusal(ticket, minutes) is Refusal.OUT_OF_RANGE:
        return msg.duration_out_of_range(duration_text(a.text), MIN_MINUTES, MAX_MINUTES)
    await a.uow.tickets.log_time(
        ref=ticket.ref, agent=a.caller.identity, minutes=minutes, at=a.now, note=note
    )
    total = sum(e.minutes for e in await a.uow.tickets.time_entries(ref=ticket.ref))
    return msg.time_logged(ticket, minutes, total)


_Handler = Callable[[_Act, str], Awaitable[Reply]]
_HANDLERS: dict[str, _Handler] = {
    **{name: _status for name in (*STATUS_OF_ACTION, Action.SET_STATUS)},
    Action.REPLY: _reply,
    Action.APPROVE: _decide,
    Action.DECLINE: _decide,
    Action.REPRIORITISE: _reprioritise,
    Action.LOG_TIME: _log_time,
}
ACTIONS = frozenset(_HANDLERS)


async def record_thread_reply(desk: Desk, *, author: Identity, thread: ThreadRef) -> Reply | None:
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
        changes = first_response(ticket, now)
        updated = await uow.tickets.update(
            ref=ticket.ref, actor=str(author), action="first_response", at=now, **changes
        )
        await keep_current(uow, desk.policy, updated, at=now, calendar=desk.calendar)
    return msg.done(msg.first_response_note(desk.policy, updated, now))
