"""How the bot writes instants, durations, priorities and lists: shared by all its wording."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.domain.models import ApprovalState, TicketStatus
from bot.domain.policy import Policy, PriorityKey


def when(at: datetime, policy: Policy, *, zone: bool = True) -> str:
    """An instant in the agreement's time zone, e.g. 'Mon 30 Nov 2026 10:00 (Copenhagen time)'.

    Seconds are shown when the instant is not on a whole minute (a due time counted from a
    filing at 09:13:27 is 17:13:27), so a due time and the time left before it always agree.
    """
    local = at.astimezone(policy.timezone)
    clock = "%H:%M:%S" if local.second or local.microsecond else "%H:%M"
    shown = local.strftime(f"%a %d %b %Y {clock}")
    if not zone:
        return shown
    city = policy.timezone.key.rsplit("/", 1)[-1].replace("_", " ")
    return f"{shown} ({city} time)"


def day(at: datetime, policy: Policy) -> str:
    """A calendar day, e.g. 'Mon 30 Nov 2026'."""
    return f"{at.astimezone(policy.timezone):%a %d %b %Y}"


def time_left(delta: timedelta) -> str:
    """Time remaining, in whole minutes cut down (never more than there is), e.g. '7 h 30 min';
    under a minute is 'less than a minute', not '0 min'."""
    if timedelta(0) <= delta < timedelta(minutes=1):
        return "less than a minute"
    return duration(delta)


def duration(delta: timedelta) -> str:
    """A business-time span in whole minutes cut down, e.g. '7 h 30 min'."""
    minutes = int(abs(delta).total_seconds() // 60)
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return f"{hours} h {rest} min"
    if hours:
        return f"{hours} h"
    return f"{rest} min"


def priority_name(policy: Policy, key: PriorityKey | str) -> str:
    """'High (4 business hours)'."""
    rule = policy.priority(key)
    unit = "business hour" if rule.first_response_hours == 1 else "business hours"
    return f"{rule.name} ({rule.first_response_hours} {unit})"


STATUS_LABELS = {
    TicketStatus.OPEN: "Open",
    TicketStatus.ACKNOWLEDGED: "Acknowledged",
    TicketStatus.IN_PROGRESS: "In progress",
    TicketStatus.WAITING_ON_CUSTOMER: "Waiting on customer",
    TicketStatus.RESOLVED: "Resolved",
    TicketStatus.CLOSED: "Closed",
}

APPROVAL_LABELS = {
    ApprovalState.NOT_REQUIRED: "not required (fixed fee)",
    ApprovalState.PENDING: "waiting for the customer's approval",
    ApprovalState.APPROVED: "approved",
    ApprovalState.DECLINED: "declined",
}


def hours(minutes: int) -> str:
    """Logged time, e.g. '1 h 30 min', '1 min', '2 h'."""
    return duration(timedelta(minutes=minutes))


def minutes_phrase(minutes: int) -> str:
    """A limit in words, e.g. '1 minute', '24 hours'."""
    if minutes % 60 == 0:
        return plural(minutes // 60, "hour")
    return plural(minutes, "minute")


def plural(count: int, noun: str, many: str | None = None) -> str:
    """'1 day', '3 days' (`many` for irregular plurals)."""
    return f"{count} {noun if count == 1 else many or noun + 's'}"


def join_names(names: Sequence[str]) -> str:
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " or " + names[-1]
