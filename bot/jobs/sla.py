"""The SLA tick: each open ticket's countdown posts, announcement redraws and breach escalations.

A tick selects only the tickets whose stored next-countdown instant (`countdown_at`, indexed)
has come, never every open ticket. For each it works out, from the ticket as it is now, the
newest milestone crossed and not yet posted (`bot.domain.countdown.due_milestone`: after
downtime one post with the current state, not one per crossed threshold), and in one unit of
work queues the posts, records the milestone keys done and stores the next instant to look
again. The ticket row is locked meanwhile, and on PostgreSQL a concurrent tick skips it; the
outbox dedupe keys (`countdown:{ref}:{milestone key}`) are the last guard against a double post.

Filing, a priority change, the first response, resolving or reopening and a moved due instant
all make the ticket due for the next tick (the repository does it with the change), so the
countdown follows the ticket wherever it changes: a reprioritised ticket moves to its new
clock, and an answered one stops.

`recompute` moves the due instants of unanswered open tickets to the current calendar (an
added or removed closing day), says so in each thread and audits it; it runs at start-up.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.app.announcements import keep_current
from bot.app.desk import Desk
from bot.app.messages import countdown as msg
from bot.app.outbox import post_to_thread
from bot.app.ports import UnitOfWork
from bot.domain import hypercare
from bot.domain.calendar import supported
from bot.domain.countdown import DueMilestone, MilestoneKind, due_milestone, next_due_at
from bot.domain.models import (
    Countdown,
    Customer,
    CustomerChannel,
    HypercarePeriod,
    Identity,
    Ticket,
)
from bot.domain.models import TicketStatus as S
from bot.domain.policy import PriorityKey
from bot.domain.sla import first_response_due, snapshot

__all__ = ["BATCH", "countdown_key", "escalation_key", "recompute", "run"]

log = logging.getLogger(__name__)

# Tickets handled per unit of work: each batch commits on its own, so a long catch-up after
# downtime neither holds its locks for long (SQLite: the one write lock, which filing waits
# for) nor loses the finished batches if one fails.
BATCH = 100

# While a customer's hypercare runs, its critical tickets are expedited (the agreement's
# "priority issue resolution"): their countdown uses the policy's earlier thresholds.
_EXPEDITED = frozenset({PriorityKey.HIGHEST, PriorityKey.HIGH})
_UNANSWERED = (S.OPEN, S.ACKNOWLEDGED, S.IN_PROGRESS, S.WAITING_ON_CUSTOMER)


def countdown_key(ref: str, milestone_key: str) -> str:
    """The dedupe key of a countdown post in a ticket's thread."""
    return f"countdown:{ref}:{milestone_key}"


def escalation_key(ref: str, milestone_key: str, platform: str) -> str:
    """The dedupe key of a breach escalation in the provider's channel on one platform."""
    return f"escalate:{ref}:{milestone_key}:{platform}"


@dataclass
class _Tick:
    """What one unit of the tick needs besides the tickets, each read at most once."""

    desk: Desk
    uow: UnitOfWork
    now: datetime
    customers: dict[int, Customer] = field(default_factory=dict)
    periods: dict[int, HypercarePeriod] | None = None
    names: dict[Identity, str] | None = None

    async def name(self, identity: Identity) -> str:
        """How the reporter is shown on the announcement (as `announcement_of` does)."""
        if self.names is None:  # one query for the batch rather than one per ticket
            self.names = {c.identity: c.display_name for c in await self.uow.contacts.all()}
        return self.names.get(identity) or identity.user_id

    async def customer(self, customer_id: int) -> Customer | None:
        if not self.customers:
            self.customers = {c.id: c for c in await self.uow.customers.all()}
        return self.customers.get(customer_id)

    async def provider(self) -> Customer | None:
        await self.customer(0)
        return next((c for c in self.customers.values() if c.is_provider), None)

    async def expedited(self, ticket: Ticket) -> bool:
        """Whether the ticket's customer is in hypercare today and the ticket is critical."""
        if ticket.priority not in _EXPEDITED:
            return False
        if self.periods is None:
            self.periods = {p.customer_id: p for p in await self.uow.hypercare.all_current()}
        period = self.periods.get(ticket.customer_id)
        if period is None or period.transitioned_at is not None or not supported(period.start):
            return False
        today = self.now.astimezone(self.desk.policy.timezone).date()
        try:
            return hypercare.status(period, today).phase is hypercare.Phase.DURING
        except OverflowError:  # extended by millions of weeks: a broken row, not hypercare
            return False


async def run(desk: Desk) -> int:
    """One SLA tick as of `desk.now()`: post every countdown milestone that has come, once.

    Returns how many posts it queued (thread posts and escalations; redraws not counted).
    """
    now = desk.now()
    queued = 0
    while True:
        async with desk.store.unit() as uow:
            due = await uow.tickets.countdowns_due(now=now, limit=BATCH)
            tick = _Tick(desk, uow, now)
            records, posted = [], {}
            for countdown in due:
                record, milestone, posts = await _step(tick, countdown)
                records.append(record)
                if milestone is not None:
                    posted[countdown.ticket.ref] = milestone
                queued += posts
            await uow.tickets.record_countdowns(countdowns=records, at=now, posted=posted)
        # Every ticket handled now looks again only after `now`: the next batch is new ones.
        if len(due) < BATCH:
            return queued


async def _step(tick: _Tick, countdown: Countdown) -> tuple[Countdown, str | None, int]:
    """Post the ticket's due milestone (if any): the countdown to store, the milestone key
    posted, and how many posts were queued."""
    desk, now, ticket = tick.desk, tick.now, countdown.ticket
    try:
        expedited = await tick.expedited(ticket)
        found = due_milestone(
            desk.calendar,
            desk.policy,
            opened=ticket.opened_at,
            priority=ticket.priority,
            now=now,
            done_keys=countdown.done,
            responded_at=ticket.first_responded_at,
            expedited=expedited,
        )
        done = countdown.done + (found.keys if found is not None else ())
        next_at = None
        if ticket.is_open:
            next_at = next_due_at(
                desk.calendar,
                desk.policy,
                opened=ticket.opened_at,
                priority=ticket.priority,
                done_keys=done,
                responded_at=ticket.first_responded_at,
                expedited=expedited,
            )
    except (ValueError, OverflowError) as exc:
        # Dates outside the calendar's years: a broken row. Say so once and leave it be,
        # rather than failing every tick on it.
        log.warning("SLA countdown of %s stopped: %s", ticket.ref, exc)
        return Countdown(ticket, countdown.done, None), None, 0
    if next_at is not None and next_at <= now:
        next_at = now + timedelta(seconds=1)  # never picked up twice by one tick
    record = Countdown(ticket, done, next_at)
    if found is None or not ticket.is_open:
        return record, None, 0
    return record, found.milestone.key, await _post(tick, ticket, found)


async def _post(tick: _Tick, ticket: Ticket, due: DueMilestone) -> int:
    """The thread post, the announcement redraw and, from the breach on, the escalation."""
    desk, uow, now = tick.desk, tick.uow, tick.now
    milestone = due.milestone
    snap = snapshot(
        desk.calendar, desk.policy, opened=ticket.opened_at, priority=ticket.priority, now=now
    )
    reply = msg.countdown_post(desk.policy, ticket, milestone, snap, now)
    await post_to_thread(
        uow, ticket=ticket, reply=reply, dedupe_key=countdown_key(ticket.ref, milestone.key), at=now
    )
    posts = 1
    customer = await tick.customer(ticket.customer_id)
    # Redrawn where the state changes (each threshold, the breach), not at every reminder:
    # after the breach it stays Breached, the reminder says how late, and chat platforms
    # rate-limit edits (Slack's chat.update), which an hourly redraw of every late ticket
    # would spend.
    if milestone.kind is not MilestoneKind.REMINDER:
        await keep_current(
            uow,
            desk.policy,
            ticket,
            at=now,
            calendar=desk.calendar,
            customer=customer,
            reporter=await tick.name(ticket.reporter),
        )
    if milestone.kind is MilestoneKind.THRESHOLD:
        return posts
    provider = await tick.provider()
    if provider is None or customer is None:
        return posts
    escalation = msg.escalation(desk.policy, ticket, customer, milestone, snap, now)
    for platform in _provider_platforms(provider, ticket):
        queued = await uow.outbox.enqueue(
            target=CustomerChannel(platform=platform, customer_id=provider.id, ref=ticket.ref),
            content=escalation.to_json(),
            dedupe_key=escalation_key(ticket.ref, milestone.key, platform),
            at=now,
        )
        posts += int(queued)
    return posts


def _provider_platforms(provider: Customer, ticket: Ticket) -> list[str]:
    """Every platform the provider has a support conversation on; with none bound, the
    ticket's own (where a chat may know the provider's channel by itself, like the console)."""
    bound = [b.platform for b in provider.bindings if b.conversation]
    if bound:
        return bound
    return [ticket.thread.platform if ticket.thread is not None else ticket.reporter.platform]


async def recompute(desk: Desk) -> int:
    """Move the due instants of unanswered open tickets to the current calendar; how many
    moved. Each move is audited (`sla.recomputed`) and said in the ticket's thread."""
    now = desk.now()
    moved = 0
    async with desk.store.unit() as uow:
        for found in await uow.tickets.query(statuses=_UNANSWERED):
            if found.first_responded_at is not None or not supported(found.opened_at):
                continue
            due = first_response_due(
                desk.calendar, desk.policy, opened=found.opened_at, priority=found.priority
            )
            if due == found.first_response_due:
                continue
            ticket = await uow.tickets.get(ref=found.ref, lock=True)
            if ticket is None or ticket.first_responded_at is not None:
                continue
            updated = await uow.tickets.update(
                ref=ticket.ref,
                actor="bot",
                action="sla.recomputed",
                at=now,
                first_response_due=due,
            )
            await post_to_thread(
                uow,
                ticket=updated,
                reply=msg.due_moved(desk.policy, updated, ticket.first_response_due, due),
                dedupe_key=f"due:{ticket.ref}:{due.isoformat()}",
                at=now,
            )
            await keep_current(uow, desk.policy, updated, at=now, calendar=desk.calendar)
            moved += 1
    return moved
