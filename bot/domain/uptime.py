"""A service's contract availability for a calendar month, and a sparkline of recent days.

The figures are built from the month's `DayAggregate`s (bot.domain.availability) as of `now`:
the current month gives month-to-date figures, an earlier one its final figures. Everything is
exact (integers and Fractions); round only for display.

- availability: up samples over counted samples (None while nothing is counted);
- downtime: down samples times the sampling interval;
- budget: the downtime the target allows in the whole month, from the month's expected slots
  (operating-hours slots minus those service windows touch), as if the month were measured
  completely; what is left after the downtime so far can go negative;
- coverage: counted samples over the slots expected so far. A slot is expected once it is over,
  or as soon as its sample is in; gaps are never counted as up;
- outages: runs of consecutive down slots in business time. A run goes on across a closing
  time, a night, a weekend or a closing day when the last slot before it and the first after it
  are down; slots a service window touches are skipped (neither breaking nor lengthening a run);
  a gap or an up sample ends it. An outage's length is its counted down slots. The figures of
  a month see only its own days: an outage over the turn of a month counts in each month.
"""

from __future__ import annotations

import calendar as gregorian
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction

from bot.domain.availability import (
    DOWN,
    GAP,
    OUTAGE,
    UP,
    WINDOW_DOWN,
    WINDOW_GAP,
    WINDOW_UP,
    DayAggregate,
    empty_day,
)
from bot.domain.calendar import BusinessCalendar
from bot.domain.models import ServiceWindow, require_aware

__all__ = ["BLOCKS", "NO_DATA", "MonthFigures", "Outage", "month_figures", "sparkline"]

BLOCKS = "▁▂▃▄▅▆▇█"
NO_DATA = "·"
_WINDOWED = WINDOW_GAP + WINDOW_UP + WINDOW_DOWN


@dataclass(frozen=True, slots=True)
class Outage:
    """Consecutive down slots: from the start of the first to the end of the last (UTC)."""

    start: datetime
    end: datetime
    slots: int
    minutes: int


@dataclass(frozen=True, slots=True)
class MonthFigures:
    """A service's contract availability for one calendar month as of an instant."""

    service: str
    month: str
    target_percent: Fraction
    availability_percent: Fraction | None
    counted_samples: int
    up_samples: int
    downtime_minutes: int
    excluded_by_windows: int
    expected_slots: int
    expected_slots_so_far: int
    coverage_percent: Fraction | None
    budget_minutes: Fraction
    budget_minutes_left: Fraction
    budget_used_percent: Fraction | None
    longest_outage: Outage | None
    last_outage: Outage | None


def _target(calendar: BusinessCalendar) -> Fraction:
    # str() first: a target of 99.9 means 999/10, not the nearest binary float.
    return Fraction(str(calendar.policy.availability_target_percent))


class _Outages:
    """Down runs of consecutive days, joined where one day's run reaches the next day's."""

    def __init__(self, minutes: int) -> None:
        self.minutes = minutes
        self.found: list[Outage] = []
        self.pending: Outage | None = None  # a run that reached the end of the last day

    def day(self, aggregate: DayAggregate, seen: str) -> None:
        if seen.strip(_WINDOWED) == "":
            return  # nothing countable (a closing day, a day in a window): runs go on across
        runs = list(OUTAGE.finditer(seen))
        if self.pending is not None and (not runs or seen[: runs[0].start()].strip(_WINDOWED)):
            self.found.append(self.pending)  # something countable came before any down slot
            self.pending = None
        for m in runs:
            slots = m.group().count(DOWN)
            start = aggregate.slot_start(m.start())
            if self.pending is not None:  # only the day's first run: it goes on from before
                start, slots = self.pending.start, self.pending.slots + slots
                self.pending = None
            end = aggregate.slot_start(m.end() - 1) + aggregate.step
            run = Outage(start, end, slots, slots * self.minutes)
            if seen[m.end() :].strip(_WINDOWED):
                self.found.append(run)
            else:
                self.pending = run  # reaches the end of the day: may go on tomorrow

    def all(self) -> list[Outage]:
        return self.found + ([self.pending] if self.pending is not None else [])


def month_figures(
    calendar: BusinessCalendar,
    windows: Sequence[ServiceWindow],
    *,
    service: str,
    year: int,
    month: int,
    days: Iterable[DayAggregate],
    now: datetime,
) -> MonthFigures:
    """The month's figures as of `now` from its day aggregates; missing days are all gaps.

    `windows` are the service windows in force for the service; they matter for the days
    without an aggregate (the rest were marked as their samples arrived, see `rewindow`).
    """
    require_aware(now, "now")
    minutes = calendar.policy.sample_interval_minutes
    by_day: dict[date, DayAggregate] = {}
    for aggregate in days:
        if aggregate.service != service or (aggregate.day.year, aggregate.day.month) != (
            year,
            month,
        ):
            raise ValueError(f"the day {aggregate.day} of {aggregate.service!r} is not asked for")
        if aggregate.interval_minutes != minutes:
            raise ValueError(
                f"the day {aggregate.day} was sampled every {aggregate.interval_minutes} minutes,"
                f" the policy says {minutes}"
            )
        if aggregate.day in by_day:
            raise ValueError(f"the day {aggregate.day} is given twice")
        by_day[aggregate.day] = aggregate

    up = down = excluded = expected = so_far = 0
    outages = _Outages(minutes)
    for number in range(1, gregorian.monthrange(year, month)[1] + 1):
        day = date(year, month, number)
        aggregate = by_day.get(day) or empty_day(calendar, windows, service, day)
        marks = aggregate.marks
        expected += aggregate.expected_slots
        # Slots that have begun by now, and those that are over.
        elapsed = (now - aggregate.first) // aggregate.step
        begun = min(len(marks), max(0, elapsed + 1))
        ended = min(len(marks), max(0, elapsed))
        seen = marks[:begun]
        up += seen.count(UP)
        down += seen.count(DOWN)
        excluded += seen.count(WINDOW_UP) + seen.count(WINDOW_DOWN)
        so_far += sum(marks[:ended].count(c) for c in (GAP, UP, DOWN))
        if begun > ended and marks[ended] in (UP, DOWN):
            so_far += 1  # the current slot, once its sample is in
        outages.day(aggregate, seen)

    counted = up + down
    target = _target(calendar)
    budget = Fraction(expected * minutes) * (100 - target) / 100
    downtime = down * minutes
    found = outages.all()
    return MonthFigures(
        service=service,
        month=f"{year:04d}-{month:02d}",
        target_percent=target,
        availability_percent=Fraction(100 * up, counted) if counted else None,
        counted_samples=counted,
        up_samples=up,
        downtime_minutes=downtime,
        excluded_by_windows=excluded,
        expected_slots=expected,
        expected_slots_so_far=so_far,
        coverage_percent=Fraction(100 * counted, so_far) if so_far else None,
        budget_minutes=budget,
        budget_minutes_left=budget - downtime,
        budget_used_percent=100 * downtime / budget if budget else None,
        longest_outage=max(found, key=lambda o: o.slots) if found else None,
        last_outage=found[-1] if found else None,
    )


def _block(calendar: BusinessCalendar, percent: Fraction) -> str:
    """Full for 100 %; one step lower for each multiple of the allowed shortfall missed."""
    if percent == 100:
        return BLOCKS[-1]
    allowed = 100 - _target(calendar)
    if allowed == 0:
        return BLOCKS[0]
    missed = (100 - percent) / allowed
    return BLOCKS[max(0, len(BLOCKS) - 1 - -(-missed.numerator // missed.denominator))]


def sparkline(
    calendar: BusinessCalendar, days: Iterable[DayAggregate], *, end: date, count: int
) -> str:
    """One character per business day for the `count` business days up to `end`.

    "█" is 100 %; "▇" missed some but met the target; each step lower missed one more multiple
    of what the target allows ("▆" up to twice, ... "▁" more than six times); "·" is a day
    with nothing counted.
    """
    if count <= 0:
        raise ValueError(f"a sparkline needs at least one day, got {count}")
    by_day = {a.day: a for a in days}
    chosen: list[date] = []
    day = end
    while len(chosen) < count:
        if calendar.is_business_day(day):
            chosen.append(day)
        day -= timedelta(days=1)
    line = []
    for day in reversed(chosen):
        aggregate = by_day.get(day)
        percent = None if aggregate is None else aggregate.availability_percent
        line.append(NO_DATA if percent is None else _block(calendar, percent))
    return "".join(line)
