"""Service windows on the clock: checking a proposed window, and which notice is due when.

Pure functions of their inputs. A window is announced (or changed, or cancelled) by the use
case that records it; the clock then owes its customers three notices: 24 hours before it
starts, at its start and at its end. Only the phase the window is in *now* is ever due, so a
bot that was down while phases passed posts the current one and nothing stale:

- a phase is covered by the window's latest announcement (or change) if it began before that
  announcement: a window announced 3 hours ahead gets no separate "in 24 hours" post, one
  announced while under way no "started" post (the announcement says so itself);
- the end notice is due for `END_NOTICE_FOR` after the end, then never (long past is silence).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum

from bot.domain.calendar import supported
from bot.domain.models import ServiceWindow, require_aware

__all__ = [
    "CLOCK_PHASES",
    "END_NOTICE_FOR",
    "LEAD",
    "MAX_REASON",
    "MAX_SERVICE",
    "Phase",
    "WindowProblem",
    "check_reason",
    "check_service",
    "check_times",
    "due_phase",
    "phase_instant",
]

LEAD = timedelta(hours=24)  # the reminder before a window, as the issue asks
# How long after its end a window's end notice may still go out (after downtime, say).
END_NOTICE_FOR = timedelta(hours=6)
MAX_REASON = 500
MAX_SERVICE = 100


class Phase(StrEnum):
    """What a notice says about a window; the first three follow a change of the record."""

    ANNOUNCED = "announced"
    CHANGED = "changed"
    CANCELLED = "cancelled"
    SOON = "soon"  # 24 hours before
    STARTED = "started"
    ENDED = "ended"


CLOCK_PHASES = (Phase.SOON, Phase.STARTED, Phase.ENDED)


class WindowProblem(ValueError):
    """A proposed window that cannot be recorded; the message says why, for a person."""


def phase_instant(window: ServiceWindow, phase: Phase) -> datetime:
    """When a clock phase of `window` begins (in UTC: real hours, whatever the clocks do)."""
    if phase is Phase.SOON:
        return window.start.astimezone(UTC) - LEAD
    if phase is Phase.STARTED:
        return window.start.astimezone(UTC)
    if phase is Phase.ENDED:
        return window.end.astimezone(UTC)
    raise ValueError(f"{phase} is not a clock phase")


def due_phase(window: ServiceWindow, now: datetime) -> Phase | None:
    """The clock notice `window` owes its customers at `now`, or None.

    Only the latest phase begun by `now` counts (earlier ones are stale); it is owed if it
    began after the window's latest revision (else that announcement covered it) and, for the
    end, at most END_NOTICE_FOR ago. A cancelled window owes nothing.
    """
    require_aware(now, "now")
    if window.cancelled:
        return None
    current = None
    for phase in CLOCK_PHASES:
        if phase_instant(window, phase) <= now:
            current = phase
    if current is None:
        return None
    begun = phase_instant(window, current)
    if window.revised_at is not None and begun <= window.revised_at:
        return None
    if current is Phase.ENDED and now - begun > END_NOTICE_FOR:
        return None
    return current


def check_times(start: datetime, end: datetime, *, now: datetime, longest_days: int) -> None:
    """WindowProblem unless `start`..`end` is a window worth recording at `now`: it ends
    after it starts, lasts at most the policy's days, and is not over already."""
    # In UTC: aware datetimes in one zone subtract as wall clocks, wrong across a DST change.
    start = require_aware(start, "start").astimezone(UTC)
    end = require_aware(end, "end").astimezone(UTC)
    if not (supported(start) and supported(end)):
        raise WindowProblem("that date is outside the years the calendar knows")
    if end <= start:
        raise WindowProblem("the window must end after it starts")
    if end - start > timedelta(days=longest_days):
        raise WindowProblem(
            f"a service window lasts at most {longest_days} days (the agreement's limit); "
            f"this one lasts {_span(end - start)}"
        )
    if end <= now:
        raise WindowProblem("that window is entirely in the past")


def _span(delta: timedelta) -> str:
    days, seconds = delta.days, delta.seconds
    hours = seconds // 3600
    parts = [f"{days} days" if days != 1 else "1 day"] if days else []
    if hours:
        parts.append(f"{hours} h")
    return " ".join(parts) or f"{seconds // 60} min"


def check_service(raw: str | None) -> str | None:
    """The service name as stored (None: all services), or WindowProblem."""
    if raw is None:
        return None
    name = " ".join(raw.split())
    if not name:
        raise WindowProblem("the service name is empty")
    if len(name) > MAX_SERVICE:
        raise WindowProblem(
            f"the service name is {len(name)} characters long; at most {MAX_SERVICE}"
        )
    return name


def check_reason(raw: str) -> str:
    """The reason as stored (spaces tidied, lines kept), or WindowProblem."""
    lines = [" ".join(line.split()) for line in raw.strip().splitlines()]
    reason = "\n".join(line for line in lines if line)
    if not reason:
        raise WindowProblem("say why: the reason is what customers read")
    if len(reason) > MAX_REASON:
        raise WindowProblem(f"the reason is {len(reason)} characters long; at most {MAX_REASON}")
    return reason
