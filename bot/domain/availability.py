"""Contract availability as the agreement counts it: 5-minute slots inside operating hours.

A sample belongs to the slot its instant falls in (slots start at :00, :05, ... for the
policy's `sample_interval_minutes`). Only slots that begin inside operating hours
(`BusinessCalendar.is_open` at the slot's start) count, and of those only the ones no
extraordinary service window touches: a window that overlaps any part of a slot excludes it.
Availability is up samples over counted samples; a slot without a sample (the prober was not
running) is a gap, reported as coverage and never counted as up.

The figures come from one `DayAggregate` per service and local day, kept current as samples
arrive: a month is at most 31 of them. Each holds one mark per operating-hours slot of its day,
so adding a sample twice changes nothing (the first sample of a slot wins, as the unique
service + slot of the raw samples does) and a window added, changed or cancelled afterwards is
applied with `rewindow` without reading the raw samples again. Arithmetic is exact (integers
and Fractions); round only for display. Month figures are in `bot.domain.uptime`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from fractions import Fraction

from bot.domain.calendar import BusinessCalendar
from bot.domain.models import ServiceWindow, require_aware

__all__ = [
    "DayAggregate",
    "Sample",
    "SampleClass",
    "add_sample",
    "classify_sample",
    "day_of",
    "empty_day",
    "expected_slots",
    "rewindow",
    "slot_of",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# One mark per operating-hours slot of a day.
GAP, UP, DOWN = ".", "1", "0"
# The same inside a service window: excluded from the figures, kept so a window can be undone.
WINDOW_GAP, WINDOW_UP, WINDOW_DOWN = "x", "u", "d"
_INTO_WINDOW = str.maketrans({GAP: WINDOW_GAP, UP: WINDOW_UP, DOWN: WINDOW_DOWN})
_OUT_OF_WINDOW = str.maketrans({WINDOW_GAP: GAP, WINDOW_UP: UP, WINDOW_DOWN: DOWN})
# A run of down slots: windowed slots inside it neither break it nor lengthen it.
OUTAGE = re.compile(f"{DOWN}(?:[{WINDOW_GAP}{WINDOW_UP}{WINDOW_DOWN}]*{DOWN})*")


@dataclass(frozen=True, slots=True)
class Sample:
    """One probe of a service: up or down at an instant."""

    service: str
    at: datetime
    up: bool

    def __post_init__(self) -> None:
        require_aware(self.at, "a sample's instant")


class SampleClass(StrEnum):
    """Whether a sample counts towards contract availability, and if not, why."""

    COUNTED = "counted"
    OUTSIDE_HOURS = "outside_hours"
    IN_WINDOW = "in_window"


def slot_of(at: datetime, interval_minutes: int) -> datetime:
    """The start (UTC) of the sampling slot `at` falls in: :00, :05, ... for 5 minutes."""
    require_aware(at, "at")
    if interval_minutes <= 0 or 60 % interval_minutes:
        raise ValueError(f"the sampling interval must divide 60 minutes, got {interval_minutes}")
    step = timedelta(minutes=interval_minutes)
    return _EPOCH + (at - _EPOCH) // step * step


def _overlaps(window: ServiceWindow, start: datetime, step: timedelta) -> bool:
    return window.start < start + step and start < window.end


def classify_sample(
    calendar: BusinessCalendar, windows: Sequence[ServiceWindow], at: datetime
) -> SampleClass:
    """How a sample taken at `at` counts, given the windows in force for its service."""
    minutes = calendar.policy.sample_interval_minutes
    slot = slot_of(at, minutes)
    if not calendar.is_open(slot):
        return SampleClass.OUTSIDE_HOURS
    step = timedelta(minutes=minutes)
    if any(_overlaps(w, slot, step) for w in windows):
        return SampleClass.IN_WINDOW
    return SampleClass.COUNTED


def _operating_slots(calendar: BusinessCalendar, day: date) -> tuple[datetime, int]:
    """The first operating-hours slot of a local day (UTC) and how many there are."""
    policy = calendar.policy
    step = timedelta(minutes=policy.sample_interval_minutes)
    opens = datetime.combine(day, policy.opens, tzinfo=policy.timezone).astimezone(UTC)
    if not calendar.is_business_day(day):
        return opens, 0
    closes = datetime.combine(day, policy.closes, tzinfo=policy.timezone).astimezone(UTC)
    first = slot_of(opens, policy.sample_interval_minutes)
    if first < opens:
        first += step
    return first, max(0, -((first - closes) // step))


def _windowed(
    windows: Sequence[ServiceWindow], first: datetime, count: int, step: timedelta
) -> list[bool]:
    """Which of `count` slots from `first` a window touches."""
    touched = [False] * count
    for window in windows:
        lo = max(0, (window.start - first) // step)
        hi = min(count, -((first - window.end) // step))
        for i in range(lo, hi):
            touched[i] = True
    return touched


@dataclass(frozen=True, slots=True)
class DayAggregate:
    """One service's samples of one local day: a mark per operating-hours slot.

    `first` is the start of the day's first operating slot (UTC); slot i starts `i` sampling
    intervals later. `marks` holds "." (no sample), "1" (up), "0" (down), and "x", "u", "d"
    for the same inside a service window. A closing day has no marks.
    """

    service: str
    day: date
    first: datetime
    interval_minutes: int
    marks: str

    @property
    def step(self) -> timedelta:
        """The sampling interval."""
        return timedelta(minutes=self.interval_minutes)

    @property
    def up(self) -> int:
        """Counted samples that were up."""
        return self.marks.count(UP)

    @property
    def down(self) -> int:
        """Counted samples that were down."""
        return self.marks.count(DOWN)

    @property
    def counted(self) -> int:
        """Samples inside operating hours and outside service windows."""
        return self.up + self.down

    @property
    def excluded_by_windows(self) -> int:
        """Samples inside operating hours that a service window excluded."""
        return self.marks.count(WINDOW_UP) + self.marks.count(WINDOW_DOWN)

    @property
    def expected_slots(self) -> int:
        """Operating-hours slots of the day that no service window touches."""
        return len(self.marks) - self.marks.count(WINDOW_GAP) - self.excluded_by_windows

    @property
    def availability_percent(self) -> Fraction | None:
        """Up over counted samples, in percent; None when nothing was counted."""
        counted = self.counted
        return None if counted == 0 else Fraction(100 * self.up, counted)

    @property
    def longest_outage_slots(self) -> int:
        """The most consecutive down slots of the day (service windows skipped)."""
        return max((m.group().count(DOWN) for m in OUTAGE.finditer(self.marks)), default=0)

    def slot_start(self, index: int) -> datetime:
        """When the day's slot `index` starts (UTC)."""
        return self.first + index * self.step


def empty_day(
    calendar: BusinessCalendar, windows: Sequence[ServiceWindow], service: str, day: date
) -> DayAggregate:
    """A day of `service` with no samples yet, its service windows already marked."""
    first, count = _operating_slots(calendar, day)
    minutes = calendar.policy.sample_interval_minutes
    touched = _windowed(windows, first, count, timedelta(minutes=minutes))
    marks = "".join(WINDOW_GAP if t else GAP for t in touched)
    return DayAggregate(service, day, first, minutes, marks)


def expected_slots(calendar: BusinessCalendar, windows: Sequence[ServiceWindow], day: date) -> int:
    """Operating-hours slots of a local day that no service window touches."""
    return empty_day(calendar, windows, "", day).expected_slots


def day_of(calendar: BusinessCalendar, at: datetime) -> date:
    """The local day (the agreement's time zone) of the slot a sample taken at `at` belongs to."""
    slot = slot_of(at, calendar.policy.sample_interval_minutes)
    return slot.astimezone(calendar.policy.timezone).date()


def add_sample(aggregate: DayAggregate, sample: Sample) -> DayAggregate:
    """The day with one more sample (of the day picked by `day_of`).

    Unchanged when the slot is already sampled (the first sample stands) or lies outside the
    day's operating hours.
    """
    if sample.service != aggregate.service:
        raise ValueError(f"a sample of {sample.service!r} does not belong to {aggregate.service!r}")
    index = (slot_of(sample.at, aggregate.interval_minutes) - aggregate.first) // aggregate.step
    if not 0 <= index < len(aggregate.marks):
        return aggregate  # outside operating hours: neither counted nor a gap
    mark = aggregate.marks[index]
    if mark == GAP:
        new = UP if sample.up else DOWN
    elif mark == WINDOW_GAP:
        new = WINDOW_UP if sample.up else WINDOW_DOWN
    else:
        return aggregate  # the slot's first sample stands
    marks = aggregate.marks[:index] + new + aggregate.marks[index + 1 :]
    return replace(aggregate, marks=marks)


def rewindow(aggregate: DayAggregate, windows: Sequence[ServiceWindow]) -> DayAggregate:
    """The day with the service windows in force now, after one was added, changed or ended."""
    plain = aggregate.marks.translate(_OUT_OF_WINDOW)
    touched = _windowed(windows, aggregate.first, len(plain), aggregate.step)
    marks = "".join(
        m.translate(_INTO_WINDOW) if t else m for m, t in zip(plain, touched, strict=True)
    )
    return replace(aggregate, marks=marks)
