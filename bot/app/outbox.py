"""Posting through the outbox: targets enqueued with a change, delivered later by `drain`.

Use cases enqueue in the same unit of work as the change that causes a post, so a post is
never lost with a committed change nor sent for a rolled-back one; dedupe keys make sure
a retried request does not post twice. `drain` resolves each target into a concrete
`Destination` for one chat, delivers it through that chat's Notifier, and retries failures
with exponential backoff.

An `Edit` target redraws a message posted earlier, named by its dedupe key; it
waits until that message is posted, and lands where its `mark_sent` result says it did.
Edits carry a sequence number: only the newest is ever shown, so an older edit that is
retried late, or is due together with a newer one, is marked sent as superseded.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta

from bot.app.desk import Desk
from bot.app.ports import Notifier, UnitOfWork
from bot.app.replies import Reply
from bot.domain.models import (
    Customer,
    CustomerChannel,
    Destination,
    DirectMessage,
    Edit,
    Identity,
    OutboxMessage,
    Target,
    ThreadRef,
    Ticket,
    TicketThread,
)

__all__ = [
    "UndeliverableError",
    "announce_key",
    "announcement_platforms",
    "approval_key",
    "backoff",
    "drain",
    "edit_posted",
    "post_to_customer",
    "post_to_thread",
    "post_to_user",
]

log = logging.getLogger(__name__)

BACKOFF_FIRST = timedelta(seconds=30)
BACKOFF_MAX = timedelta(hours=1)


class UndeliverableError(LookupError):
    """A target that cannot be resolved (yet): no channel configured, thread not posted."""


def announcement_platforms(customer: Customer, origin: str) -> list[str]:
    """Where a customer's announcements go: the platform the request came from, plus every
    platform the customer has a support conversation on."""
    platforms = [origin]
    for binding in customer.bindings:
        if binding.conversation and binding.platform not in platforms:
            platforms.append(binding.platform)
    return platforms


def announce_key(ref: str, platform: str) -> str:
    """The dedupe key of a ticket's announcement on one platform (edits name it)."""
    return f"announce:{ref}:{platform}"


def approval_key(ref: str, approver: Identity) -> str:
    """The dedupe key of the approval request sent to one approver (edits name it)."""
    return f"approval:{ref}:{approver}"


async def post_to_customer(
    uow: UnitOfWork,
    *,
    customer: Customer,
    ticket: Ticket,
    origin: str,
    reply: Reply,
    at: datetime,
) -> None:
    """Announce a ticket in the customer's support channel(s); its post becomes the thread."""
    for platform in announcement_platforms(customer, origin):
        await uow.outbox.enqueue(
            target=CustomerChannel(platform=platform, customer_id=customer.id, ref=ticket.ref),
            content=reply.to_json(),
            dedupe_key=announce_key(ticket.ref, platform),
            at=at,
        )


async def post_to_thread(
    uow: UnitOfWork, *, ticket: Ticket, reply: Reply, dedupe_key: str, at: datetime
) -> None:
    """Post in the ticket's thread, on the platform the ticket lives on."""
    platform = ticket.thread.platform if ticket.thread is not None else ticket.reporter.platform
    await uow.outbox.enqueue(
        target=TicketThread(platform=platform, customer_id=ticket.customer_id, ref=ticket.ref),
        content=reply.to_json(),
        dedupe_key=dedupe_key,
        at=at,
    )


async def post_to_user(
    uow: UnitOfWork,
    *,
    to: Identity,
    reply: Reply,
    dedupe_key: str,
    at: datetime,
    ref: str | None = None,
) -> None:
    """A direct message to one chat user."""
    await uow.outbox.enqueue(
        target=DirectMessage(platform=to.platform, user=to.user_id, ref=ref),
        content=reply.to_json(),
        dedupe_key=dedupe_key,
        at=at,
    )


async def edit_posted(
    uow: UnitOfWork, *, of: str, reply: Reply, seq: int, at: datetime, ref: str | None = None
) -> bool:
    """Redraw the message queued under dedupe key `of` (if any) as `reply`.

    `seq` orders the edits of one message (e.g. the ticket's audit event count): a higher
    one wins. Returns False if there is no such message to edit.
    """
    original = await uow.outbox.get(dedupe_key=of)
    if original is None:
        return False
    await uow.outbox.enqueue(
        target=Edit(platform=original.target.platform, of=of, seq=seq, ref=ref),
        content=reply.to_json(),
        dedupe_key=f"edit:{of}:{seq}",
        at=at,
    )
    return True


def backoff(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failure: 30 s doubling, at most an hour."""
    delay: timedelta = BACKOFF_FIRST * (2 ** min(max(attempts, 0), 16))
    return min(delay, BACKOFF_MAX)


async def drain(desk: Desk, notifiers: Mapping[str, Notifier], *, limit: int = 50) -> int:
    """Deliver due messages for the platforms that have a notifier; returns how many were sent."""
    if not notifiers:
        return 0
    now = desk.now()
    async with desk.store.unit() as uow:
        due = await uow.outbox.due(now=now, limit=limit, platforms=list(notifiers))
        due = await _collapse_edits(uow, due, now)
    sent = 0
    for message in due:
        if await _deliver_one(desk, notifiers, message, now):
            sent += 1
    return sent


async def _collapse_edits(
    uow: UnitOfWork, due: list[OutboxMessage], now: datetime
) -> list[OutboxMessage]:
    """Of several due edits of one message only the newest is sent; the rest are superseded."""
    newest: dict[str, tuple[OutboxMessage, Edit]] = {}
    for m in due:
        if isinstance(m.target, Edit):
            if m.target.of not in newest or m.target.seq > newest[m.target.of][1].seq:
                newest[m.target.of] = (m, m.target)
    keep = []
    for m in due:
        if isinstance(m.target, Edit) and newest[m.target.of][0] is not m:
            superseded = {"superseded_by": newest[m.target.of][0].id}
            await uow.outbox.mark_sent(message_id=m.id, at=now, result=superseded)
        else:
            keep.append(m)
    return keep


async def _deliver_one(
    desk: Desk, notifiers: Mapping[str, Notifier], message: OutboxMessage, now: datetime
) -> bool:
    target = message.target
    try:
        notifier = notifiers[target.platform]
        async with desk.store.unit() as uow:
            destination = await _resolve(uow, notifier, target)
            stale = isinstance(target, Edit) and await _newer_edit_shown(uow, target)
        if stale:
            async with desk.store.unit() as uow:
                await uow.outbox.mark_sent(
                    message_id=message.id, at=now, result={"superseded": True}
                )
            return False
        if isinstance(target, Edit):
            await notifier.edit(destination=destination, content=message.content)
            landed = ThreadRef(target.platform, destination.conversation, destination.thread or "")
        else:
            landed = await notifier.deliver(destination=destination, content=message.content)
    except Exception as exc:  # any failure is retried later; the error is kept on the message
        retry_at = now + backoff(message.attempts)
        error = f"{type(exc).__name__}: {exc}"
        log.warning("outbox message %s failed (%s); retry at %s", message.id, error, retry_at)
        async with desk.store.unit() as uow:
            await uow.outbox.mark_failed(message_id=message.id, error=error, retry_at=retry_at)
        return False
    async with desk.store.unit() as uow:
        await uow.outbox.mark_sent(
            message_id=message.id,
            at=now,
            result={"conversation": landed.conversation, "thread": landed.thread},
        )
        if isinstance(target, Edit):
            await _note_edit_shown(uow, target)
        if isinstance(target, CustomerChannel):
            ticket = await uow.tickets.get(ref=target.ref, lock=True)
            if ticket is not None and ticket.thread is None:
                await uow.tickets.update(
                    ref=ticket.ref, actor="bot", action="thread", at=now, thread=landed
                )
    return True


async def _newer_edit_shown(uow: UnitOfWork, edit: Edit) -> bool:
    original = await uow.outbox.get(dedupe_key=edit.of)
    return original is not None and int(original.result.get("edited", -1)) >= edit.seq


async def _note_edit_shown(uow: UnitOfWork, edit: Edit) -> None:
    """Remember on the edited message which edit it shows now."""
    original = await uow.outbox.get(dedupe_key=edit.of)
    if original is not None and int(original.result.get("edited", -1)) < edit.seq:
        await uow.outbox.update_result(
            message_id=original.id, result={**original.result, "edited": edit.seq}
        )


async def _resolve(uow: UnitOfWork, notifier: Notifier, target: Target) -> Destination:
    if isinstance(target, Edit):
        original = await uow.outbox.get(dedupe_key=target.of)
        if original is None:
            raise UndeliverableError(f"no message {target.of} to edit")
        landed = original.result
        if original.sent_at is None or not landed.get("conversation") or not landed.get("thread"):
            raise UndeliverableError(f"{target.of} is not posted yet")
        user = original.target.user if isinstance(original.target, DirectMessage) else None
        return Destination(
            platform=target.platform,
            conversation=str(landed["conversation"]),
            thread=str(landed["thread"]),
            user=user,
        )
    if isinstance(target, DirectMessage):
        return Destination(platform=target.platform, conversation=target.user, user=target.user)
    if isinstance(target, TicketThread):
        ticket = await uow.tickets.get(ref=target.ref)
        if ticket is None or ticket.thread is None or ticket.thread.platform != target.platform:
            raise UndeliverableError(f"ticket {target.ref} has no {target.platform} thread yet")
        return Destination(
            platform=target.platform,
            conversation=ticket.thread.conversation,
            thread=ticket.thread.thread,
        )
    customer = await uow.customers.get(customer_id=target.customer_id)
    if customer is None:
        raise UndeliverableError(f"customer {target.customer_id} does not exist")
    conversation = notifier.announces_in(customer)
    if not conversation:
        raise UndeliverableError(f"{customer.name} has no {target.platform} support channel")
    return Destination(platform=target.platform, conversation=conversation)
