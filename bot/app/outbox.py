"""Posting through the outbox: targets enqueued with a change, delivered later by `drain`.

Use cases enqueue in the same unit of work as the change that causes a post, so a post is
never lost with a committed change nor sent for a rolled-back one; dedupe keys make sure
a retried request does not post twice. `drain` resolves each target into a concrete
`Destination` for one chat, delivers it through that chat's Notifier, and retries failures
with exponential backoff.

An edit (target kind "edit") redraws a message posted earlier, named by its dedupe key; it
waits until that message is posted, and lands where its `mark_sent` result says it did.
Edits carry a sequence number: only the newest is ever shown, so an older edit that is
retried late, or is due together with a newer one, is marked sent as superseded.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from bot.app.desk import Desk
from bot.app.ports import Notifier, UnitOfWork
from bot.app.replies import Reply
from bot.domain.models import (
    Channel,
    Customer,
    Destination,
    Identity,
    OutboxMessage,
    ThreadRef,
    Ticket,
)

__all__ = [
    "CUSTOMER_CHANNEL",
    "EDIT",
    "TICKET_THREAD",
    "USER",
    "UndeliverableError",
    "backoff",
    "announce_key",
    "approval_key",
    "drain",
    "edit_posted",
    "post_to_customer",
    "post_to_thread",
    "post_to_user",
]

log = logging.getLogger(__name__)

CUSTOMER_CHANNEL = "customer_channel"
TICKET_THREAD = "ticket_thread"
USER = "user"
EDIT = "edit"

BACKOFF_FIRST = timedelta(seconds=30)
BACKOFF_MAX = timedelta(hours=1)


class UndeliverableError(LookupError):
    """A target that cannot be resolved (yet): no channel configured, thread not posted."""


def customer_channels(customer: Customer, origin: Channel) -> list[Channel]:
    """Where a customer's announcements go: where the request came from, plus configured chats."""
    channels = [origin]
    if customer.slack_channel and Channel.SLACK not in channels:
        channels.append(Channel.SLACK)
    if (customer.teams_conversation or customer.teams_channel) and Channel.TEAMS not in channels:
        channels.append(Channel.TEAMS)
    return channels


def announce_key(ref: str, channel: Channel) -> str:
    """The dedupe key of a ticket's announcement in one chat (edits name it)."""
    return f"announce:{ref}:{channel.value}"


def approval_key(ref: str, approver: Identity) -> str:
    """The dedupe key of the approval request sent to one approver (edits name it)."""
    return f"approval:{ref}:{approver}"


async def post_to_customer(
    uow: UnitOfWork,
    *,
    customer: Customer,
    ticket: Ticket,
    origin: Channel,
    reply: Reply,
    at: datetime,
) -> None:
    """Announce a ticket in the customer's support channel(s); its post becomes the thread."""
    for channel in customer_channels(customer, origin):
        await uow.outbox.enqueue(
            target={
                "channel": channel.value,
                "kind": CUSTOMER_CHANNEL,
                "customer_id": customer.id,
                "ref": ticket.ref,
            },
            content=reply.to_json(),
            dedupe_key=announce_key(ticket.ref, channel),
            at=at,
        )


async def post_to_thread(
    uow: UnitOfWork, *, ticket: Ticket, reply: Reply, dedupe_key: str, at: datetime
) -> None:
    """Post in the ticket's thread, in the chat the ticket lives in."""
    channel = ticket.thread.channel if ticket.thread is not None else ticket.reporter.channel
    await uow.outbox.enqueue(
        target={
            "channel": channel.value,
            "kind": TICKET_THREAD,
            "customer_id": ticket.customer_id,
            "ref": ticket.ref,
        },
        content=reply.to_json(),
        dedupe_key=dedupe_key,
        at=at,
    )


async def post_to_user(
    uow: UnitOfWork,
    *,
    channel: Channel,
    user: str,
    reply: Reply,
    dedupe_key: str,
    at: datetime,
    ref: str | None = None,
) -> None:
    """A direct message to one chat user."""
    target: dict[str, Any] = {"channel": channel.value, "kind": USER, "user": user}
    if ref is not None:
        target["ref"] = ref
    await uow.outbox.enqueue(target=target, content=reply.to_json(), dedupe_key=dedupe_key, at=at)


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
    target: dict[str, Any] = {
        "channel": original.target["channel"],
        "kind": EDIT,
        "of": of,
        "seq": seq,
    }
    if ref is not None:
        target["ref"] = ref
    await uow.outbox.enqueue(
        target=target, content=reply.to_json(), dedupe_key=f"edit:{of}:{seq}", at=at
    )
    return True


def backoff(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failure: 30 s doubling, at most an hour."""
    delay: timedelta = BACKOFF_FIRST * (2 ** min(max(attempts, 0), 16))
    return min(delay, BACKOFF_MAX)


async def drain(desk: Desk, notifiers: Mapping[Channel, Notifier], *, limit: int = 50) -> int:
    """Deliver due messages for the chats that have a notifier; returns how many were sent."""
    if not notifiers:
        return 0
    now = desk.now()
    async with desk.store.unit() as uow:
        due = await uow.outbox.due(now=now, limit=limit, channels=list(notifiers))
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
    newest: dict[str, OutboxMessage] = {}
    for m in due:
        if m.target.get("kind") == EDIT:
            key = str(m.target["of"])
            if key not in newest or _seq(m) > _seq(newest[key]):
                newest[key] = m
    keep = []
    for m in due:
        if m.target.get("kind") == EDIT and newest[str(m.target["of"])] is not m:
            superseded = {"superseded_by": newest[str(m.target["of"])].id}
            await uow.outbox.mark_sent(message_id=m.id, at=now, result=superseded)
        else:
            keep.append(m)
    return keep


def _seq(message: OutboxMessage) -> int:
    return int(message.target.get("seq", 0))


async def _deliver_one(
    desk: Desk, notifiers: Mapping[Channel, Notifier], message: OutboxMessage, now: datetime
) -> bool:
    target = message.target
    try:
        channel = Channel(target["channel"])
        notifier = notifiers[channel]
        async with desk.store.unit() as uow:
            destination = await _resolve(uow, channel, target)
            stale = target.get("kind") == EDIT and await _newer_edit_shown(uow, message)
        if stale:
            async with desk.store.unit() as uow:
                await uow.outbox.mark_sent(
                    message_id=message.id, at=now, result={"superseded": True}
                )
            return False
        if target.get("kind") == EDIT:
            await notifier.edit(destination=destination, content=message.content)
            landed = ThreadRef(channel, destination.conversation, destination.thread or "")
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
        if target.get("kind") == EDIT:
            await _note_edit_shown(uow, message)
        if target.get("kind") == CUSTOMER_CHANNEL and target.get("ref"):
            ticket = await uow.tickets.get(ref=str(target["ref"]), lock=True)
            if ticket is not None and ticket.thread is None:
                await uow.tickets.update(
                    ref=ticket.ref, actor="bot", action="thread", at=now, thread=landed
                )
    return True


async def _newer_edit_shown(uow: UnitOfWork, edit: OutboxMessage) -> bool:
    original = await uow.outbox.get(dedupe_key=str(edit.target["of"]))
    return original is not None and int(original.result.get("edited", -1)) >= _seq(edit)


async def _note_edit_shown(uow: UnitOfWork, edit: OutboxMessage) -> None:
    """Remember on the edited message which edit it shows now."""
    original = await uow.outbox.get(dedupe_key=str(edit.target["of"]))
    if original is not None and int(original.result.get("edited", -1)) < _seq(edit):
        await uow.outbox.update_result(
            message_id=original.id, result={**original.result, "edited": _seq(edit)}
        )


async def _resolve(uow: UnitOfWork, channel: Channel, target: Mapping[str, Any]) -> Destination:
    kind = target.get("kind")
    if kind == EDIT:
        original = await uow.outbox.get(dedupe_key=str(target["of"]))
        if original is None:
            raise UndeliverableError(f"no message {target.get('of')} to edit")
        landed = original.result
        if original.sent_at is None or not landed.get("conversation") or not landed.get("thread"):
            raise UndeliverableError(f"{target.get('of')} is not posted yet")
        user = original.target.get("user")
        return Destination(
            channel=channel,
            conversation=str(landed["conversation"]),
            thread=str(landed["thread"]),
            user=str(user) if user else None,
        )
    if kind == USER:
        user = str(target["user"])
        return Destination(channel=channel, conversation=user, user=user)
    if kind == TICKET_THREAD:
        ticket = await uow.tickets.get(ref=str(target["ref"]))
        if ticket is None or ticket.thread is None or ticket.thread.channel is not channel:
            raise UndeliverableError(f"ticket {target.get('ref')} has no {channel} thread yet")
        return Destination(
            channel=channel, conversation=ticket.thread.conversation, thread=ticket.thread.thread
        )
    if kind == CUSTOMER_CHANNEL:
        customer = await uow.customers.get(customer_id=int(target["customer_id"]))
        if customer is None:
            raise UndeliverableError(f"customer {target.get('customer_id')} does not exist")
        conversation = _customer_conversation(customer, channel)
        if not conversation:
            raise UndeliverableError(f"{customer.name} has no {channel} support channel")
        return Destination(channel=channel, conversation=conversation)
    raise UndeliverableError(f"unknown target kind {kind!r}")


def _customer_conversation(customer: Customer, channel: Channel) -> str | None:
    if channel is Channel.SLACK:
        return customer.slack_channel
    if channel is Channel.TEAMS:
        return customer.teams_conversation or customer.teams_channel
    return customer.name  # the console shows every customer's channel under its name
