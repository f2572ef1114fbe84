"""Building day aggregates from a prober's samples, the way storage will keep them current."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta

from bot.domain.availability import DayAggregate, Sample, add_sample, day_of, empty_day
from bot.domain.calendar import BusinessCalendar
from bot.domain.models import ServiceWindow
from tests.domain.oracle import CPH

SERVICE = "portal"
FIVE = timedelta(minutes=5)
TAKEN = timedelta(seconds=20)  # into its slot: a probe takes a moment


def cph(*args: int) -> datetime:
    return datetime(*args, tzinfo=CPH)


def window(start: datetime, end: datetime, service: str | None = SERVICE) -> ServiceWindow:
    return ServiceWindow(id=1, service=service, start=start, end=end, reason="patching")


def probe(
    start: datetime,
    end: datetime,
    *,
    down: Callable[[datetime], bool] = lambda at: False,
    missing: Callable[[datetime], bool] = lambda at: False,
    service: str = SERVICE,
) -> Iterator[Sample]:
    """A sample 20 s into every 5-minute slot, day and night, taken from `start` until `end`."""
    slot = start.astimezone(UTC)
    while slot + TAKEN < end:
        local = slot.astimezone(CPH)
        if not missing(local):
            yield Sample(service, slot + TAKEN, not down(local))
        slot += FIVE


def aggregate(
    calendar: BusinessCalendar, windows: Sequence[ServiceWindow], samples: Iterable[Sample]
) -> dict[date, DayAggregate]:
    """Each sample added to its day's aggregate, created when its first sample arrives."""
    days: dict[date, DayAggregate] = {}
    for sample in samples:
        day = day_of(calendar, sample.at)
        current = days.get(day) or empty_day(calendar, windows, sample.service, day)
        days[day] = add_sample(current, sample)
    return days


def between(at: datetime, start: datetime, end: datetime) -> bool:
    return start <= at < end
