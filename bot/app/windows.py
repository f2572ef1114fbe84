"""Scheduling, changing and cancelling service windows: agents only, notices in the same unit.

Each use case checks who asks (an agent, a contact of the provider organisation; `by=None` is
the operator at the command line), validates the window (bot.domain.windows), records it as a
new revision of the same window and queues the customers' notices in the outbox, all in one
unit of work. Problems raise WindowProblem with a message for a person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.app.callers import identify_in
from bot.app.desk import Desk
from bot.app.messages import windows as say
from bot.app.ports import UnitOfWork
from bot.app.window_notices import queue_notice, withdraw_stale
from bot.domain.models import WINDOW_CANCELLED, Identity, ServiceWindow, require_aware
from bot.domain.windows import (
    Phase,
    WindowProblem,
    check_reason,
    check_service,
    check_times,
)

__all__ = [
    "ALL_SERVICES",
    "CLI_ACTOR",
    "KEEP",
    "Keep",
    "NotAllowed",
    "Recorded",
    "cancel",
    "change",
    "ensure_agent",
    "schedule",
    "upcoming",
]

CLI_ACTOR = "cli"  # who the operator at the command line is in the revision record


class Keep:
    """The marker for 'leave this as it is' in a change."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP = Keep()
ALL_SERVICES = None  # a window for every service


class NotAllowed(WindowProblem):
    """Someone other than an agent asked to schedule, change or cancel a window."""


@dataclass(frozen=True, slots=True)
class Recorded:
    """A window as recorded, and how many customers and posts its notice went to."""

    window: ServiceWindow
    customers: int
    posts: int


def _utc(at: datetime) -> datetime:
    """Instants are kept in UTC: in one zone, aware datetimes subtract as wall clocks."""
    return require_aware(at, "instant").astimezone(UTC)


async def _actor(uow: UnitOfWork, by: Identity | None) -> str:
    """Who records the change; NotAllowed unless an agent (or the operator, `by` None)."""
    if by is None:
        return CLI_ACTOR
    caller = await identify_in(uow, by)
    if not caller.is_agent:
        raise NotAllowed(
            "only the service provider's agents schedule, change or cancel service windows; "
            "ask your contact at the service provider"
        )
    return str(by)


async def ensure_agent(desk: Desk, by: Identity | None) -> None:
    """NotAllowed unless `by` may schedule windows (an agent, or the operator)."""
    async with desk.store.unit() as uow:
        await _actor(uow, by)


async def _window(uow: UnitOfWork, window_id: int) -> ServiceWindow:
    window = await uow.windows.get(window_id=window_id, lock=True)
    if window is None:
        raise WindowProblem(f"there is no service window {window_id}")
    return window


async def schedule(
    desk: Desk,
    *,
    by: Identity | None,
    start: datetime,
    end: datetime,
    reason: str,
    service: str | None = ALL_SERVICES,
) -> Recorded:
    """Announce a new service window to its customers."""
    now = desk.now()
    start, end = _utc(start), _utc(end)
    check_times(start, end, now=now, longest_days=desk.policy.max_service_window_days)
    reason = check_reason(reason)
    service = check_service(service)
    async with desk.store.unit() as uow:
        actor = await _actor(uow, by)
        window = await uow.windows.add(
            service=service, start=start, end=end, reason=reason, at=now, actor=actor
        )
        reply = say.notice(desk.policy, window, Phase.ANNOUNCED, now=now)
        customers, posts = await queue_notice(uow, desk, window, Phase.ANNOUNCED, reply)
    return Recorded(window, customers, posts)


async def change(
    desk: Desk,
    *,
    by: Identity | None,
    window_id: int,
    start: datetime | None = None,
    end: datetime | None = None,
    reason: str | None = None,
    service: str | None | Keep = KEEP,
) -> Recorded:
    """Give a window new times, service or reason: the same window, its next revision."""
    now = desk.now()
    async with desk.store.unit() as uow:
        actor = await _actor(uow, by)
        old = await _window(uow, window_id)
        if old.cancelled:
            raise WindowProblem(f"service window {window_id} is cancelled; add a new one")
        if old.end <= now:
            raise WindowProblem(f"service window {window_id} is over; add a new one")
        new_start = _utc(old.start if start is None else start)
        new_end = _utc(old.end if end is None else end)
        check_times(new_start, new_end, now=now, longest_days=desk.policy.max_service_window_days)
        changes: dict[str, Any] = {}
        if new_start != _utc(old.start):
            changes["start"] = new_start
        if new_end != _utc(old.end):
            changes["end"] = new_end
        if reason is not None and (text := check_reason(reason)) != old.reason:
            changes["reason"] = text
        if not isinstance(service, Keep) and (name := check_service(service)) != old.service:
            changes["service"] = name
        if not changes:
            raise WindowProblem(f"that changes nothing: service window {window_id} is so already")
        window = await uow.windows.revise(
            window_id=window_id, at=now, actor=actor, action="changed", **changes
        )
        reply = say.notice(desk.policy, window, Phase.CHANGED, now=now, before=old)
        customers, posts = await queue_notice(uow, desk, window, Phase.CHANGED, reply)
        await withdraw_stale(uow, desk, window)
    return Recorded(window, customers, posts)


async def cancel(
    desk: Desk, *, by: Identity | None, window_id: int, note: str | None = None
) -> Recorded:
    """Call a window off: it stays on record as cancelled, and its customers are told."""
    now = desk.now()
    why = check_reason(note) if note and note.strip() else None
    async with desk.store.unit() as uow:
        actor = await _actor(uow, by)
        old = await _window(uow, window_id)
        if old.cancelled:
            raise WindowProblem(f"service window {window_id} is cancelled already")
        if old.end <= now:
            raise WindowProblem(f"service window {window_id} is over; there is nothing to cancel")
        window = await uow.windows.revise(
            window_id=window_id,
            at=now,
            actor=actor,
            action="cancelled",
            note=why,
            state=WINDOW_CANCELLED,
        )
        reply = say.notice(desk.policy, window, Phase.CANCELLED, now=now, note=why)
        customers, posts = await queue_notice(uow, desk, window, Phase.CANCELLED, reply)
        await withdraw_stale(uow, desk, window)
    return Recorded(window, customers, posts)


async def upcoming(desk: Desk, *, by: Identity | None) -> list[ServiceWindow]:
    """Current and upcoming windows, cancelled ones included (agents only)."""
    async with desk.store.unit() as uow:
        await _actor(uow, by)
        return await uow.windows.list(start=desk.now())
