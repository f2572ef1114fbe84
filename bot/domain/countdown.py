"""The SLA countdown of one ticket: when to post its thresholds, its breach and its reminders.

A ticket's countdown is a schedule of milestones in business time after it was opened: the
policy's `countdown_thresholds` (fractions of the first-response target; earlier ones,
`hypercare_countdown_thresholds`, for an expedited ticket), the breach at the due instant, and
then a reminder every `breach_reminder_minutes` of business time until the first response. The
business clock stands still outside opening hours, so every milestone falls inside opening
hours, or exactly at closing when the business time runs out there (a target that runs out at
16:00 is due at 16:00, as the calendar says).

The canonical case, a Highest ticket (1 business hour) filed on Friday 20 November 2026 at
15:50: 10 minutes of the Friday count, the weekend does not, so it gets 50 % on Monday at 08:20,
75 % at 08:35, 90 % at 08:44, the breach at 08:50, reminders at 09:50, 10:50, ... 15:50, then
Tuesday 08:50. A Medium ticket (8 business hours) filed at the same moment gets 50 % on Monday
at 11:50, 75 % at 13:50, 90 % at 15:02, the breach at 15:50 and its first reminder on Tuesday
at 08:50.

Each milestone has a key naming the priority and the point in the schedule ("highest:50",
"medium:breach", "high:reminder-3"), and the caller records the keys it has posted ("done").
The key includes the priority because the schedule derives from `opened` and the ticket's
current priority: a reprioritised ticket moves to its new clock, and what was posted on the old
clock neither suppresses nor repeats anything on the new one. The threshold set is not part of
the key: "high:50" is the same instant whether the ticket is expedited or not.

Catch-up: milestones earlier than the newest done one of the current clock are never due (they
are superseded, e.g. a 25 % of the expedited set that comes into force after 50 % was posted).
Of the outstanding milestones that `now` has crossed, only the newest is due, once: a ticket
that crossed 50 % and 75 % while the bot was down gets one post with its current state, and the
keys of the ones it skipped are reported so the caller can mark them done and say so. Everything
stops once the first response is recorded.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from bot.domain.calendar import BusinessCalendar
from bot.domain.models import require_aware
from bot.domain.policy import Policy, PriorityKey

__all__ = [
    "DueMilestone",
    "Milestone",
    "MilestoneKind",
    "due_milestone",
    "milestones",
    "next_due_at",
    "next_milestone",
]

_US_PER_HOUR = 3_600_000_000
_US_PER_MINUTE = 60_000_000
_BREACH = "breach"
_REMINDER = "reminder-"


class MilestoneKind(StrEnum):
    """What a countdown post marks."""

    THRESHOLD = "threshold"
    BREACH = "breach"
    REMINDER = "reminder"


@dataclass(frozen=True, slots=True)
class Milestone:
    """One point of a ticket's countdown.

    `label` is "50" (percent of the target), "breach" or "reminder-3"; `key` prefixes it with
    the priority ("highest:50") and is what the caller records as done and builds its outbox
    dedupe key from. `elapsed` is the business time since the clock started, `remaining` the
    business time left until due at this instant (negative after the breach: how late it is),
    `fraction` is elapsed over the target, exactly. `number` is the reminder's number, else 0.
    """

    kind: MilestoneKind
    label: str
    key: str
    at: datetime
    elapsed: timedelta
    remaining: timedelta
    fraction: Fraction
    number: int = 0


@dataclass(frozen=True, slots=True)
class DueMilestone:
    """The one milestone to post now, and the keys of the crossed ones it stands for."""

    milestone: Milestone
    skipped: tuple[str, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        """Every key to record as done: the skipped ones, then the posted one."""
        return (*self.skipped, self.milestone.key)


def _percent(fraction: Fraction) -> str:
    """A fraction as a percentage without trailing zeros: 1/2 -> "50", 1/8 -> "12.5"."""
    exact = Decimal(fraction.numerator) / Decimal(fraction.denominator) * 100
    return format(exact.normalize(), "f")


class _Schedule:
    """The milestones of one clock as business-time offsets (microseconds) from the start.

    Index i < k is threshold i, index k the breach, index k + n reminder n.
    """

    def __init__(self, policy: Policy, priority: PriorityKey | str, expedited: bool) -> None:
        rule = policy.priority(priority)
        self.prefix = f"{rule.key.value}:"
        self.target = rule.first_response_hours * _US_PER_HOUR
        self.interval = policy.breach_reminder_minutes * _US_PER_MINUTE
        chosen = policy.hypercare_countdown_thresholds if expedited else policy.countdown_thresholds
        # str() first: the policy's 0.9 means nine tenths, not the nearest binary float.
        self.fractions = [Fraction(str(f)) for f in chosen]
        # The threshold is reached at the first microsecond when at least that fraction has
        # elapsed, hence the ceiling.
        self.offsets = [-(-self.target * f.numerator // f.denominator) for f in self.fractions]
        self.k = len(self.offsets)

    def offset(self, index: int) -> int:
        if index < self.k:
            return self.offsets[index]
        return self.target + (index - self.k) * self.interval

    def label(self, index: int) -> str:
        if index < self.k:
            return _percent(self.fractions[index])
        if index == self.k:
            return _BREACH
        return f"{_REMINDER}{index - self.k}"

    def last_at_or_before(self, elapsed: int) -> int:
        """The index of the newest milestone reached after `elapsed` business time; -1: none."""
        if elapsed >= self.target:
            return self.k + (elapsed - self.target) // self.interval
        return bisect_right(self.offsets, elapsed) - 1

    def done_offset(self, done_keys: Collection[str]) -> int:
        """The business-time offset of the newest done milestone of this clock; -1: none."""
        newest = -1
        for key in done_keys:
            if not key.startswith(self.prefix):
                continue  # another priority's clock
            label = key[len(self.prefix) :]
            if label == _BREACH:
                offset = self.target
            elif label.startswith(_REMINDER) and label[len(_REMINDER) :].isdigit():
                offset = self.target + int(label[len(_REMINDER) :]) * self.interval
            else:
                try:
                    fraction = Fraction(label) / 100
                except (ValueError, ZeroDivisionError):
                    continue  # not a countdown key
                offset = -(-self.target * fraction.numerator // fraction.denominator)
            newest = max(newest, offset)
        return newest

    def milestone(self, calendar: BusinessCalendar, opened: datetime, index: int) -> Milestone:
        offset = self.offset(index)
        if index < self.k:
            kind, number = MilestoneKind.THRESHOLD, 0
        elif index == self.k:
            kind, number = MilestoneKind.BREACH, 0
        else:
            kind, number = MilestoneKind.REMINDER, index - self.k
        label = self.label(index)
        elapsed = timedelta(microseconds=offset)
        return Milestone(
            kind=kind,
            label=label,
            key=self.prefix + label,
            at=calendar.add_business_time(opened, elapsed),
            elapsed=elapsed,
            remaining=timedelta(microseconds=self.target - offset),
            fraction=Fraction(offset, self.target),
            number=number,
        )


def milestones(
    calendar: BusinessCalendar,
    policy: Policy,
    *,
    opened: datetime,
    priority: PriorityKey | str,
    expedited: bool = False,
    reminders: int = 0,
) -> list[Milestone]:
    """A ticket's thresholds and breach, then its first `reminders` reminders, in time order."""
    require_aware(opened, "opened")
    if reminders < 0:
        raise ValueError(f"reminders must not be negative, got {reminders}")
    schedule = _Schedule(policy, priority, expedited)
    return [schedule.milestone(calendar, opened, i) for i in range(schedule.k + 1 + reminders)]


def next_milestone(
    calendar: BusinessCalendar,
    policy: Policy,
    *,
    opened: datetime,
    priority: PriorityKey | str,
    done_keys: Collection[str],
    responded_at: datetime | None,
    expedited: bool = False,
) -> Milestone | None:
    """The first milestone after the newest done one; None once the first response came first.

    It may already be past: this is what the next tick has to look at, not what follows now.
    """
    require_aware(opened, "opened")
    schedule = _Schedule(policy, priority, expedited)
    index = schedule.last_at_or_before(schedule.done_offset(done_keys)) + 1
    found = schedule.milestone(calendar, opened, index)
    if responded_at is not None and found.at >= require_aware(responded_at, "responded_at"):
        return None
    return found


def next_due_at(
    calendar: BusinessCalendar,
    policy: Policy,
    *,
    opened: datetime,
    priority: PriorityKey | str,
    done_keys: Collection[str],
    responded_at: datetime | None,
    expedited: bool = False,
) -> datetime | None:
    """When the next not-yet-done milestone falls (the instant a tick should look again)."""
    found = next_milestone(
        calendar,
        policy,
        opened=opened,
        priority=priority,
        done_keys=done_keys,
        responded_at=responded_at,
        expedited=expedited,
    )
    return None if found is None else found.at


def due_milestone(
    calendar: BusinessCalendar,
    policy: Policy,
    *,
    opened: datetime,
    priority: PriorityKey | str,
    now: datetime,
    done_keys: Collection[str],
    responded_at: datetime | None,
    expedited: bool = False,
) -> DueMilestone | None:
    """The newest outstanding milestone crossed by `now`, with the crossed ones it skips.

    None when nothing new is due, and always once the first response is recorded by `now`.
    """
    require_aware(opened, "opened")
    require_aware(now, "now")
    if responded_at is not None and require_aware(responded_at, "responded_at") <= now:
        return None
    schedule = _Schedule(policy, priority, expedited)
    first = schedule.last_at_or_before(schedule.done_offset(done_keys)) + 1
    elapsed = calendar.business_time_between(opened, now) // timedelta(microseconds=1)
    newest = schedule.last_at_or_before(elapsed)
    if newest < first:
        return None
    skipped = tuple(schedule.prefix + schedule.label(i) for i in range(first, newest))
    return DueMilestone(schedule.milestone(calendar, opened, newest), skipped)
