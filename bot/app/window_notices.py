"""Who hears of a service window, where, and under which dedupe key.

One function decides the audience (`audience`), so mapping services to customers (issue 12)
changes it in one place. Every notice goes to each affected customer's support channel on
every platform the customer is bound on (plus chats that show every customer's channel, the
console); the provider's own organisation is not told: its agents schedule the windows and
get the confirmation themselves.
"""

from __future__ import annotations

from bot.app.desk import Desk
from bot.app.outbox import LEASE_MARGIN, instance_id
from bot.app.ports import UnitOfWork
from bot.app.replies import Reply
from bot.domain.models import Customer, CustomerChannel, ServiceWindow
from bot.domain.windows import CLOCK_PHASES, Phase

__all__ = [
    "audience",
    "channels",
    "notice_key",
    "queue_notice",
    "window_ref",
    "withdraw_stale",
]


async def audience(uow: UnitOfWork, window: ServiceWindow) -> list[Customer]:
    """The customers a window affects.

    Until services are mapped to customers (issue 12), a window for one service or for all
    reaches every customer; the provider's own organisation is never an audience.
    """
    return [c for c in await uow.customers.all() if not c.is_provider]


def channels(desk: Desk, customer: Customer) -> list[str]:
    """The platforms where `customer` has a support channel, each once."""
    platforms = [b.platform for b in customer.bindings if b.conversation]
    platforms.extend(desk.implicit_platforms)
    return list(dict.fromkeys(platforms))


def window_ref(window: ServiceWindow) -> str:
    """What the outbox target names: the window (no ticket reference looks like this)."""
    return f"window:{window.id}"


def notice_key(window: ServiceWindow, phase: Phase, customer_id: int, platform: str) -> str:
    """One notice: window + revision + phase + customer + platform."""
    return f"window:{window.id}:r{window.revision}:{phase}:{customer_id}:{platform}"


async def queue_notice(
    uow: UnitOfWork, desk: Desk, window: ServiceWindow, phase: Phase, reply: Reply
) -> tuple[int, int]:
    """Queue `reply` for every affected customer's channels: (customers, posts newly queued)."""
    customers = 0
    posts = 0
    content = reply.to_json()
    for customer in await audience(uow, window):
        platforms = channels(desk, customer)
        if platforms:
            customers += 1
        for platform in platforms:
            queued = await uow.outbox.enqueue(
                target=CustomerChannel(
                    platform=platform, customer_id=customer.id, ref=window_ref(window)
                ),
                content=content,
                dedupe_key=notice_key(window, phase, customer.id, platform),
                at=desk.now(),
            )
            posts += int(queued)
    return customers, posts


async def withdraw_stale(uow: UnitOfWork, desk: Desk, window: ServiceWindow) -> int:
    """Clock notices of the window's earlier revisions still waiting in the outbox (a chat
    was down, say) are not sent: the change or cancellation just queued supersedes them. One
    being sent this moment goes out. How many were withdrawn."""
    now = desk.now()
    owner = instance_id()
    withdrawn = 0
    for customer in await audience(uow, window):
        for platform in channels(desk, customer):
            for revision in range(1, window.revision):
                for phase in CLOCK_PHASES:
                    key = f"window:{window.id}:r{revision}:{phase}:{customer.id}:{platform}"
                    waiting = await uow.outbox.get(dedupe_key=key)
                    if waiting is None or waiting.sent_at is not None or waiting.parked_at:
                        continue
                    # One waiting for its retry is claimed as of that retry (it holds no
                    # lease meanwhile); one leased now is being sent and is left alone.
                    at = max(now, waiting.next_attempt_at)
                    mine = await uow.outbox.claim(
                        message_id=waiting.id, owner=owner, now=at, until=at + LEASE_MARGIN
                    )
                    if mine is None:
                        continue
                    await uow.outbox.mark_sent(
                        message_id=waiting.id,
                        at=now,
                        result={"superseded_by": f"r{window.revision}"},
                    )
                    withdrawn += 1
    return withdrawn
