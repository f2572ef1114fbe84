"""A deliberately naive model of the desk's opening hours, independent of bot.domain.calendar.

Closing days come from a hand-written table (Easter dates and the national bank's rules), not
from the `holidays` package, and business time is counted by stepping through wall-clock
minutes one step at a time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

CPH = ZoneInfo("Europe/Copenhagen")
OPENS = time(8)
CLOSES = time(16)

EASTER = {
    2024: date(2024, 3, 31),
    2025: date(2025, 4, 20),
    2026: date(2026, 4, 5),
    2027: date(2027, 3, 28),
    2028: date(2028, 4, 16),
    2029: date(2029, 4, 1),
    2030: date(2030, 4, 21),
    2031: date(2031, 4, 13),
}


def closing_days(year: int) -> set[date]:
    """Danish public holidays and bank closing days (weekends included where they fall)."""
    easter = EASTER[year]
    relative = (-3, -2, 0, 1, 39, 40, 49, 50)  # Maundy Thu .. Whit Monday, with Friday after Asc.
    fixed = {date(year, 1, 1), date(year, 6, 5), date(year, 12, 24), date(year, 12, 25)}
    fixed |= {date(year, 12, 26), date(year, 12, 31)}
    return fixed | {easter + timedelta(days=d) for d in relative}


_CLOSED: set[date] = set().union(*(closing_days(y) for y in EASTER))


def is_open(at: datetime) -> bool:
    """Open on a weekday that is no closing day, from 08:00 to before 16:00 local time."""
    local = at.astimezone(CPH)
    return local.weekday() < 5 and local.date() not in _CLOSED and OPENS <= local.time() < CLOSES


STEP = timedelta(minutes=5)


def due(start: datetime, target: timedelta) -> datetime:
    """First instant with `target` open time since `start` (5-minute grid, target > 0).

    Opening, closing and DST changes all fall on whole hours, so on a 5-minute grid each step
    is either wholly open or wholly closed.
    """
    assert target > timedelta(0) and target % STEP == timedelta(0)
    t = start.astimezone(UTC)
    left = target
    while left > timedelta(0):
        if is_open(t):
            left -= STEP
        t += STEP
    return t


def between(start: datetime, end: datetime) -> timedelta:
    """Open time from start to end (5-minute grid, start <= end)."""
    total = timedelta(0)
    t = start.astimezone(UTC)
    while t < end:
        if is_open(t):
            total += STEP
        t += STEP
    return total
