"""Posting through the outbox: targets enqueued with a change, delivered later by `drain`.

Use cases enqueue in the same unit of work as the change that causes a post, so a post is
never lost with a committed change nor sent for a rolled-back one; dedupe keys make sure
a retried request does not post twice. `drain` resolves each target into a concrete
`Destination` for one chat, delivers it through that chat's Notifier, and retries failures
with exponential backoff (the policy's `[outbox]` numbers).

Several bot instances may drain one database. Each message is claimed before it is sent: a
lease to this process until its notifier's longest send (retries included) plus a margin has
passed. No other instance takes a leased message; the lease ends when the message is marked
sent, failed or parked, or is released; after a crash it expires and the message goes out
again. A message that cannot be delivered as addressed (UndeliverableError: no support
channel, a channel the bot was removed from) is parked after the policy's number of attempts,
for an operator to see (`supportbot outbox parked`, /healthz) instead of being retried for ever;
one whose failures may pass is parked too once it has also been failing for the policy's
`give_up_after_hours`.

Exactly once: every claim is counted. A message claimed before but not sent is in doubt: its
earlier sender may have posted it and died before marking it sent (its lease ran out), or the
chat failed in a way that may have taken the post (a timeout, a 5xx). Before posting it again
the sender asks the chat whether a post carrying its dedupe key is there (Slack: the key in
message metadata, looked up in the channel, thread or DM); if so it is marked sent where it
landed, as if just posted. Edits redraw a message in place, so they are never looked up.

An `Edit` target redraws a message posted earlier, named by its dedupe key; it
waits until that message is posted, and lands where its `mark_sent` result says it did.
Edits carry a sequence number: only the newest is ever shown, so an older edit that is
retried late, or is due together with a newer one, is marked sent as superseded.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from bot.app.desk import Desk
from bot.app.outbox_failures import backoff, record_failure
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
    "LEASE_MARGIN",
    "NotPostedYet",
    "UndeliverableError",
    "announce_key",
    "announcement_platforms",
    "approval_key",
    "backoff",
    "drain",
    "edit_posted",
    "instance_id",
    "post_to_customer",
    "post_to_thread",
    "post_to_user",
]

log = logging.getLogger(__name__)

# A message is leased for its notifier's longest send plus this margin: the database work
# around the send (claiming, resolving the target, recording the outcome) and the clocks of
# several instances disagreeing a little.
LEASE_MARGIN = timedelta(minutes=1)


class UndeliverableError(LookupError):
    """A message that cannot be delivered as addressed (no support channel, the bot removed
    from the channel): tried the policy's number of times, then parked."""


class NotPostedYet(LookupError):
    """A post that cannot go out yet and will once something happens (its original message
    is posted; a chat hears from the customer for the first time): it waits, never parked."""


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

    `seq` orders the edits of one message and names this one (its dedupe key): a higher one
    wins, so every redraw needs a number of its own (`TicketRepository.next_edit_seq`).
    Returns False if there is no such message to edit.
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


def instance_id() -> str:
    """Who holds this process's leases: host name and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


async def drain(desk: Desk, notifiers: Mapping[str, Notifier], *, limit: int = 50) -> int:
    """Deliver due messages for the platforms that have a notifier; returns how many were sent."""
    if not notifiers:
        return 0
    owner = instance_id()
    async with desk.store.unit() as uow:
        due = await uow.outbox.due(now=desk.now(), limit=limit, platforms=list(notifiers))
    due = await _collapse_edits(desk, due, owner)
    sent = 0
    for message in due:
        if await _deliver_one(desk, notifiers, message, owner):
            sent += 1
    return sent


async def _collapse_edits(desk: Desk, due: list[OutboxMessage], owner: str) -> list[OutboxMessage]:
    """Of several due edits of one message only the newest is sent; the rest are superseded
    (each claimed first, so one that another instance is sending is left to it)."""
    newest: dict[str, tuple[OutboxMessage, Edit]] = {}
    for m in due:
        if isinstance(m.target, Edit):
            if m.target.of not in newest or m.target.seq > newest[m.target.of][1].seq:
                newest[m.target.of] = (m, m.target)
    keep = []
    for m in due:
        if isinstance(m.target, Edit) and newest[m.target.of][0] is not m:
            superseded = {"superseded_by": newest[m.target.of][0].id}
            now = desk.now()
            async with desk.store.unit() as uow:
                mine = await uow.outbox.claim(
                    message_id=m.id, owner=owner, now=now, until=now + LEASE_MARGIN
                )
                if mine is not None:
                    await uow.outbox.mark_sent(message_id=m.id, at=now, result=superseded)
        else:
            keep.append(m)
    return keep


async def _deliver_one(
    desk: Desk, notifiers: Mapping[str, Notifier], message: OutboxMessage, owner: str
) -> bool:
    """Claim `message` and send it; False if another instance has it or sending failed."""
    notifier = notifiers[message.target.platform]
    now = desk.now()
    lease = notifier.longest_send + LEASE_MARGIN
    async with desk.store.unit() as uow:
        claimed = await uow.outbox.claim(
            message_id=message.id, owner=owner, now=now, until=now + lease
        )
    if claimed is None:
        return False  # another instance is sending it, or it went out meanwhile
    return await _send(desk, notifier, claimed, owner)


async def _release(desk: Desk, message: OutboxMessage, owner: str) -> None:
    """Give the lease back (best effort: if this fails too, the lease runs out instead)."""
    with contextlib.suppress(Exception):
        async with desk.store.unit() as uow:
            await uow.outbox.release(message_id=message.id, owner=owner)


async def _send(desk: Desk, notifier: Notifier, message: OutboxMessage, owner: str) -> bool:
    """Send a claimed message and record the outcome."""
    target = message.target
    try:
        try:
            async with desk.store.unit() as uow:
                destination = await _resolve(uow, notifier, target)
                stale = isinstance(target, Edit) and await _newer_edit_shown(uow, target)
        except asyncio.CancelledError:
            # Stopped before anything was posted: another instance may take it at once. Once
            # the post is under way it keeps its lease, so a post cut off by a shutdown goes
            # out again only when the lease ends.
            await asyncio.shield(_release(desk, message, owner))
            raise
        if stale:
            async with desk.store.unit() as uow:
                await uow.outbox.mark_sent(
                    message_id=message.id, at=desk.now(), result={"superseded": True}
                )
            return False
        found = False
        if isinstance(target, Edit):
            await notifier.edit(destination=destination, content=message.content)
            landed = ThreadRef(target.platform, destination.conversation, destination.thread or "")
        else:
            earlier = await _find_earlier(notifier, message, destination)
            found = earlier is not None
            landed = earlier or await notifier.deliver(
                destination=destination, content=message.content, key=message.dedupe_key
            )
    except UndeliverableError as exc:
        await record_failure(desk, message, owner, exc, permanent=True)
        return False
    except Exception as exc:  # anything else may pass: retried with backoff while it lasts
        await record_failure(
            desk, message, owner, exc, permanent=False, waiting=isinstance(exc, NotPostedYet)
        )
        return False
    now = desk.now()
    async with desk.store.unit() as uow:
        result: dict[str, Any] = {"conversation": landed.conversation, "thread": landed.thread}
        if found:
            result["found"] = True  # an earlier attempt had posted it
        await uow.outbox.mark_sent(message_id=message.id, at=now, result=result)
        if isinstance(target, Edit):
            await _note_edit_shown(uow, target)
        if isinstance(target, CustomerChannel):
            ticket = await uow.tickets.get(ref=target.ref, lock=True)
            # Only the customer's own announcement becomes the thread: a post about the
            # ticket elsewhere (the provider's escalation) does not.
            if (
                ticket is not None
                and ticket.thread is None
                and ticket.customer_id == target.customer_id
            ):
                await uow.tickets.update(
                    ref=ticket.ref, actor="bot", action="thread", at=now, thread=landed
                )
    return True


async def _find_earlier(
    notifier: Notifier, message: OutboxMessage, destination: Destination
) -> ThreadRef | None:
    """Where an earlier attempt posted `message`, if it is in doubt and the chat finds it."""
    if not message.in_doubt:
        return None
    landed = await notifier.find(destination=destination, key=message.dedupe_key)
    if landed is not None:
        log.info(
            "outbox message %s (%s) was posted by an earlier attempt; not posting it again",
            message.id,
            message.dedupe_key,
        )
    return landed


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
            _wait_for(original, f"{target.of} is not posted yet")
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
        if ticket is None:
            raise UndeliverableError(f"ticket {target.ref} does not exist")
        if ticket.thread is None:
            announcement = await uow.outbox.get(
                dedupe_key=announce_key(ticket.ref, target.platform)
            )
            _wait_for(announcement, f"ticket {ticket.ref} has no {target.platform} thread yet")
        if ticket.thread is None or ticket.thread.platform != target.platform:
            raise UndeliverableError(f"ticket {ticket.ref} lives on another platform")
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


def _wait_for(original: OutboxMessage | None, problem: str) -> None:
    """Raise NotPostedYet while `original` may still be posted, else UndeliverableError."""
    if original is None or original.parked_at is not None:
        raise UndeliverableError(f"{problem}, and never will be: its original was not posted")
    raise NotPostedYet(problem)
