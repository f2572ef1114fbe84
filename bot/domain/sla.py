"""The first-response SLA clock of a ticket: due instant, time remaining, state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.domain.calendar import BusinessCalendar
from bot.domain.models import require_aware
from bot.domain.policy import Policy, PriorityKey

__all__ = ["SlaSnapshot", "SlaState", "first_response_due", "snapshot"]


class SlaState(StrEnum):
    """Where a ticket stands against its first-response target."""

    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    BREACHED = "breached"
    MET = "met"


@dataclass(frozen=True, slots=True)
class SlaSnapshot:
    """The SLA clock of one ticket at one instant.

    `remaining` is business time left until `due` (negative once overdue); `fraction_elapsed`
    is elapsed business time over the target (above 1 once overdue). Once the first response is
    recorded the clock stops there: `met` if it came by `due`, else it stays `breached`.
    """

    due: datetime
    remaining: timedelta
    fraction_elapsed: float
    state: SlaState


def _target(policy: Policy, priority: PriorityKey | str) -> timedelta:
    return timedelta(hours=policy.priority(priority).first_response_hours)


def first_response_due(
    calendar: BusinessCalendar, policy: Policy, *, opened: datetime, priority: PriorityKey | str
) -> datetime:
    """The instant the first response to a ticket opened at `opened` is due."""
    return calendar.add_business_time(opened, _target(policy, priority))


def snapshot(
    calendar: BusinessCalendar,
    policy: Policy,
    *,
    opened: datetime,
    priority: PriorityKey | str,
    now: datetime,
    responded_at: datetime | None = None,
) -> SlaSnapshot:
    """The SLA clock of a ticket as of `now`; a response recorded after `now` is not yet seen."""
    require_aware(now, "now")
    if responded_at is not None:
        require_aware(responded_at, "responded_at")
    target = _target(policy, priority)
    due = calendar.add_business_time(opened, target)
    stopped = responded_at is not None and responded_at <= now
    measured_at = responded_at if stopped and responded_at is not None else now
    elapsed = max(timedelta(0), calendar.business_time_between(opened, measured_at))
    remaining = target - elapsed
    fraction = elapsed / target
    if measured_at > due:
        state = SlaState.BREACHED
    elif stopped:
        state = SlaState.MET
    elif fraction >= policy.at_risk_fraction:
        state = SlaState.AT_RISK
    else:
        state = SlaState.ON_TRACK
    return SlaSnapshot(due=due, remaining=remaining, fraction_elapsed=fraction, state=state)
