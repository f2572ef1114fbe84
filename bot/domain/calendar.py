"""The business calendar: when the desk is open, and business time arithmetic.

Business time is real elapsed time (UTC) while the desk is open: Monday-Friday between the
policy's opening and closing hours, in the policy's time zone, except the closing days of the
policy's country (Danish public holidays and bank closing days by default; see
bot.domain.closing_days) and the policy's extra closing days. Every
business day is stored as a pair of UTC instants in integer microseconds, so DST changes cost
nothing special.

Speed comes from an index per calendar year, built lazily and cached on the calendar: the
opening and closing instants of each business day and the cumulative open time before and
after each day. Adding business time or measuring it is then two binary searches.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TypeVar

from bot.domain.closing_days import closing_days
from bot.domain.policy import ClosingDay, Policy

__all__ = [
    "MAX_YEAR",
    "MIN_YEAR",
    "BusinessCalendar",
    "OutOfRange",
    "require_supported",
    "supported",
]

# The `holidays` package, which the closing days are checked against, stops at 2100. Every
# date and instant the bot accepts lies in these years (require_supported).
MIN_YEAR = 1971
MAX_YEAR = 2100
# Instants a day inside those years, so that every time zone still shows them in range.
_FIRST_INSTANT = datetime(MIN_YEAR, 1, 2, tzinfo=UTC)
_LAST_INSTANT = datetime(MAX_YEAR, 12, 31, tzinfo=UTC)
_D = TypeVar("_D", bound=date)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
_US_PER_S = 1_000_000
# Mean Gregorian year: a first guess of an instant's year, corrected against exact bounds.
_US_PER_YEAR = 31_556_952 * _US_PER_S


@dataclass(frozen=True, slots=True)
class _Year:
    """The business days of one local calendar year, as UTC microseconds."""

    lo: int  # the year begins (local midnight, 1 January)
    hi: int  # the next year begins
    opens: list[int]
    closes: list[int]
    before: list[int]  # open time of the year before day i
    after: list[int]  # open time of the year up to the end of day i (before[i + 1])
    total: int


# No year: contains no instant, so the first start of a batch locates its year.
_NO_YEAR = _Year(0, 0, [], [], [], [], 0)


def _micros(value: datetime, what: str) -> int:
    """Microseconds since the Unix epoch of an aware instant, exactly."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got naive {value.isoformat()}")
    if value.microsecond:
        return (value - _EPOCH) // _US
    # Whole seconds are exact in a float timestamp, and timestamp() is the faster path.
    return int(value.timestamp()) * _US_PER_S


class BusinessCalendar:
    """Opening hours and closing days of a policy, with fast business time arithmetic."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.tz = policy.timezone
        self._extra: dict[date, str] = {}
        for day in policy.extra_closing_days:
            name = self._extra.get(day.date)
            self._extra[day.date] = f"{name}; {day.name}" if name else day.name
        self._years: dict[int, _Year] = {}
        self._closed: dict[int, dict[date, str]] = {}

    # -- closing days ---------------------------------------------------------------------

    def _closed_in(self, year: int) -> dict[date, str]:
        """Every closing day of `year` (weekends excluded) with its name."""
        found = self._closed.get(year)
        if found is None:
            _check_year(year)
            found = {}
            closing = closing_days(
                self.policy.country, year, bank_holidays=self.policy.bank_holidays
            )
            for day, name in closing.items():
                if day.weekday() < 5:
                    found[day] = name
            for day, name in self._extra.items():
                if day.year == year and day.weekday() < 5:
                    found[day] = f"{found[day]}; {name}" if day in found else name
            self._closed[year] = found
        return found

    def closed_days(self, year: int) -> list[ClosingDay]:
        """The weekdays of `year` the desk is closed, with their names, in date order."""
        return [ClosingDay(day, name) for day, name in sorted(self._closed_in(year).items())]

    def is_business_day(self, day: date) -> bool:
        """Whether the desk opens at all on this calendar date."""
        return day.weekday() < 5 and day not in self._closed_in(day.year)

    # -- the index ------------------------------------------------------------------------

    def _locate(self, t: int) -> tuple[int, _Year]:
        """The local calendar year containing instant t, and its index."""
        year = 1970 + t // _US_PER_YEAR
        index = self._years.get(year)
        if index is not None and index.lo <= t < index.hi:
            return year, index
        year = min(max(year, MIN_YEAR), MAX_YEAR)
        index = self._index(year)
        while t < index.lo:
            year -= 1
            index = self._index(year)
        while t >= index.hi:
            year += 1
            index = self._index(year)
        return year, index

    def _index(self, year: int) -> _Year:
        found = self._years.get(year)
        if found is None:
            found = self._build(year)
            self._years[year] = found
        return found

    def _build(self, year: int) -> _Year:
        closed = self._closed_in(year)
        opens_at, closes_at = self.policy.opens, self.policy.closes
        opens: list[int] = []
        closes: list[int] = []
        before: list[int] = []
        after: list[int] = []
        total = 0
        day = date(year, 1, 1)
        one = timedelta(days=1)
        while day.year == year:
            if day.weekday() < 5 and day not in closed:
                start = _micros(datetime.combine(day, opens_at, tzinfo=self.tz), "open")
                end = _micros(datetime.combine(day, closes_at, tzinfo=self.tz), "close")
                # A DST gap can swallow a short opening window entirely; skip such a day.
                if end > start:
                    opens.append(start)
                    closes.append(end)
                    before.append(total)
                    total += end - start
                    after.append(total)
            day += one
        lo = _micros(datetime(year, 1, 1, tzinfo=self.tz), "bound")
        hi = _micros(datetime(year + 1, 1, 1, tzinfo=self.tz), "bound")
        return _Year(lo, hi, opens, closes, before, after, total)

    def _next_year(self, year: int) -> int:
        if year >= MAX_YEAR:
            raise ValueError(f"beyond the supported calendar range {MIN_YEAR}-{MAX_YEAR}")
        return year + 1

    def _position(self, t: int) -> tuple[int, int]:
        """(year, business time of that year elapsed at instant t)."""
        year, index = self._locate(t)
        i = bisect_right(index.closes, t)
        if i == len(index.closes):
            return year, index.total
        return year, index.before[i] + max(0, t - index.opens[i])

    def _instant(self, t: int) -> datetime:
        seconds, micros = divmod(t, _US_PER_S)
        result = datetime.fromtimestamp(seconds, self.tz)
        return result.replace(microsecond=micros) if micros else result

    # -- public operations ----------------------------------------------------------------

    def is_open(self, at: datetime) -> bool:
        """Whether the desk is open at this instant (open at opening, closed at closing)."""
        t = _micros(at, "at")
        _, index = self._locate(t)
        i = bisect_right(index.closes, t)
        return i < len(index.closes) and index.opens[i] <= t

    def next_opening(self, at: datetime) -> datetime:
        """`at` itself (in the policy's zone) if open, else the next instant the desk opens."""
        t = _micros(at, "at")
        year, index = self._locate(t)
        i = bisect_right(index.closes, t)
        while i == len(index.closes):
            year = self._next_year(year)
            index = self._index(year)
            i = 0
        return self._instant(max(t, index.opens[i]))

    def add_business_time(self, start: datetime, delta: timedelta) -> datetime:
        """The earliest instant at which `delta` of business time has elapsed since `start`.

        The clock starts at the next opening if `start` is outside opening hours, and a target
        that runs out exactly at closing is due at closing, not at the next opening.
        """
        return self.add_business_time_each((start,), delta)[0]

    def add_business_time_each(
        self, starts: Iterable[datetime], delta: timedelta
    ) -> list[datetime]:
        """`add_business_time(start, delta)` for each start, in order.

        The batch path: the index of the year at hand is kept while starts fall in it, and every
        start in one closed spell (a night, a weekend) has the same clock start and so the same
        due instant, which is computed once: most instants of a day lie outside opening hours.
        """
        need = _need(delta)
        memo: dict[int, datetime] = {}  # clock start -> due instant
        dues: list[datetime] = []
        year, index = 0, _NO_YEAR
        lo, hi, opens, closes = index.lo, index.hi, index.opens, index.closes
        for start in starts:
            if start.microsecond or start.utcoffset() is None:
                t = _micros(start, "start")  # the exact path, or the error for a naive start
            else:
                t = int(start.timestamp()) * _US_PER_S  # _micros for whole seconds, inline
            if not lo <= t < hi:
                year, index = self._locate(t)
                lo, hi, opens, closes = index.lo, index.hi, index.opens, index.closes
            i = bisect_right(closes, t)
            if i == len(closes):
                t = hi  # closed for the rest of the year
            elif t < opens[i]:
                t = opens[i]  # closed now: the clock starts at the next opening
            due = memo.get(t)
            if due is None:
                due = memo[t] = self._due(year, index, i, t, need)
            dues.append(due)
        return dues

    def _due(self, year: int, index: _Year, i: int, t: int, need: int) -> datetime:
        """Due instant `need` microseconds of business time after clock start t.

        t lies in business day i of `year` (`index`), or i is past its last day and t is the
        end of the year.
        """
        if i < len(index.closes):
            target = index.before[i] + t - index.opens[i] + need
        else:
            target = index.total + need
        # Roll into following years while the target lies beyond this one's open time.
        while target > index.total or i == len(index.closes):
            target -= index.total
            year = self._next_year(year)
            index = self._index(year)
            i = 0
        j = bisect_left(index.after, target, i)
        return self._instant(index.opens[j] + target - index.before[j])

    def add_business_hours(self, start: datetime, hours: float) -> datetime:
        """The due instant `hours` business hours after `start` (see add_business_time)."""
        if not math.isfinite(hours) or hours < 0:
            raise ValueError(f"business hours to add must be a non-negative number, got {hours}")
        return self.add_business_time(start, timedelta(hours=hours))

    def business_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Business time elapsed from `start` to `end`; negative if `end` is before `start`."""
        a, b = _micros(start, "start"), _micros(end, "end")
        if b < a:
            return -self.business_time_between(end, start)
        year_a, pos_a = self._position(a)
        year_b, pos_b = self._position(b)
        total = pos_b - pos_a
        for year in range(year_a, year_b):
            total += self._index(year).total
        return timedelta(microseconds=total)


class OutOfRange(ValueError):
    """A date or instant outside the years the business calendar supports."""


def supported(value: date) -> bool:
    """Whether a date, or an aware instant, lies within the supported years MIN_YEAR-MAX_YEAR.

    An instant must lie a day inside them (in UTC), so it is in range in every time zone:
    showing it in local time, or adding a day to it, cannot overflow.
    """
    if isinstance(value, datetime):
        return value.utcoffset() is not None and _FIRST_INSTANT <= value < _LAST_INSTANT
    return MIN_YEAR <= value.year <= MAX_YEAR


def require_supported(value: _D, what: str) -> _D:
    """`value` itself if supported(value), else OutOfRange naming `what` and the range."""
    if not supported(value):
        shown = value.isoformat()
        raise OutOfRange(f"{what} {shown} is outside the supported years {MIN_YEAR}-{MAX_YEAR}")
    return value


def _need(delta: timedelta) -> int:
    """A non-negative timedelta in whole microseconds."""
    need = (delta.days * 86_400 + delta.seconds) * _US_PER_S + delta.microseconds
    if need < 0:
        raise ValueError(f"business time to add must not be negative, got {delta}")
    return need


def _check_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"year {year} is outside the supported range {MIN_YEAR}-{MAX_YEAR}")
