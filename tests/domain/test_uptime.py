"""A month of contract availability, checked by hand, and the sparkline of recent days."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

import pytest

from bot.domain.availability import DayAggregate, Sample, add_sample, empty_day
from bot.domain.calendar import BusinessCalendar
from bot.domain.policy import default_policy
from bot.domain.uptime import MonthFigures, Outage, month_figures, sparkline
from tests.domain.availability_samples import SERVICE, aggregate, between, cph, probe, window

POLICY = default_policy()
CALENDAR = BusinessCalendar(POLICY)

# March 2026: 22 business days (no holidays), clocks forward on Sunday 29 March.
MARCH_WINDOWS = [window(cph(2026, 3, 10, 12), cph(2026, 3, 10, 13))]
MARCH_OUTAGES = [
    (cph(2026, 3, 3, 10), cph(2026, 3, 3, 10, 30)),  # inside hours: 6 slots
    (cph(2026, 3, 4, 20), cph(2026, 3, 4, 22)),  # in the evening: not counted
    (cph(2026, 3, 5, 15, 40), cph(2026, 3, 6, 8, 20)),  # over a closing and an opening: 4 + 4
    (cph(2026, 3, 7, 0), cph(2026, 3, 8, 0)),  # a Saturday: not counted
    (cph(2026, 3, 10, 12), cph(2026, 3, 10, 13)),  # inside the service window: excluded
    (cph(2026, 3, 13, 15, 30), cph(2026, 3, 16, 8, 30)),  # over a weekend: 6 + 6
    (cph(2026, 3, 30, 8), cph(2026, 3, 30, 8, 15)),  # after the DST change: 3
]
MARCH_GAP = (cph(2026, 3, 18, 9), cph(2026, 3, 18, 10))  # the prober was not running: 12 slots


def march(until: datetime) -> dict[date, DayAggregate]:
    samples = probe(
        cph(2026, 3, 1),
        until,
        down=lambda at: any(between(at, *span) for span in MARCH_OUTAGES),
        missing=lambda at: between(at, *MARCH_GAP),
    )
    return aggregate(CALENDAR, MARCH_WINDOWS, samples)


def figures(
    days: dict[date, DayAggregate], year: int, month: int, now: datetime, windows=()
) -> MonthFigures:
    return month_figures(
        CALENDAR,
        list(windows),
        service=SERVICE,
        year=year,
        month=month,
        days=days.values(),
        now=now,
    )


def test_a_month_with_outages_inside_and_outside_hours() -> None:
    found = figures(march(cph(2026, 4, 1)), 2026, 3, cph(2026, 4, 2), MARCH_WINDOWS)
    # 22 business days x 96 slots = 2112; the window takes 12 of them.
    assert found.expected_slots == 2100
    assert found.expected_slots_so_far == 2100
    assert found.counted_samples == 2100 - 12  # the gap
    assert found.up_samples == 2088 - 29  # down: 6 + 8 + 12 + 3
    assert found.availability_percent == Fraction(100 * 2059, 2088)
    assert found.downtime_minutes == 145
    assert found.excluded_by_windows == 12
    assert found.coverage_percent == Fraction(100 * 2088, 2100)
    # 2100 slots x 5 minutes x 0.5 % = 52.5 minutes allowed in the month.
    assert found.budget_minutes == Fraction(105, 2)
    assert found.budget_minutes_left == Fraction(105, 2) - 145
    assert found.budget_used_percent == Fraction(100 * 145 * 2, 105)
    assert found.target_percent == Fraction(995, 10)
    assert (found.service, found.month) == (SERVICE, "2026-03")
    # Friday 15:30 to Monday 08:30 in business time: one outage of 12 slots.
    assert found.longest_outage == Outage(cph(2026, 3, 13, 15, 30), cph(2026, 3, 16, 8, 30), 12, 60)
    assert found.last_outage == Outage(cph(2026, 3, 30, 8), cph(2026, 3, 30, 8, 15), 3, 15)
    assert found.last_outage.start == datetime(2026, 3, 30, 6, tzinfo=UTC)  # CEST


def test_outages_over_a_closing_time_and_a_closing_day_are_one() -> None:
    down = (cph(2026, 6, 4, 15, 50), cph(2026, 6, 8, 8, 10))  # Thursday to Monday, 5 June closed
    days = aggregate(
        CALENDAR, [], probe(cph(2026, 6, 4), cph(2026, 6, 9), down=lambda at: between(at, *down))
    )
    found = figures(days, 2026, 6, cph(2026, 6, 9))
    assert found.longest_outage == Outage(cph(2026, 6, 4, 15, 50), cph(2026, 6, 8, 8, 10), 4, 20)
    assert found.downtime_minutes == 20
    # June 2026 has 21 business days (Constitution Day is a Friday); 4 and 8 June are measured,
    # 1-3 June are gaps.
    assert found.expected_slots == 21 * 96
    assert found.counted_samples == 2 * 96
    assert found.expected_slots_so_far == 5 * 96
    assert found.coverage_percent == 40


def test_a_gap_or_an_up_sample_ends_an_outage() -> None:
    spans = [
        (cph(2026, 11, 23, 9), cph(2026, 11, 23, 9, 10)),
        (cph(2026, 11, 23, 9, 15), cph(2026, 11, 23, 9, 25)),  # 09:10 up
        (cph(2026, 11, 23, 15, 50), cph(2026, 11, 24, 0)),
    ]
    days = aggregate(
        CALENDAR,
        [],
        probe(
            cph(2026, 11, 23),
            cph(2026, 11, 26),
            down=lambda at: any(between(at, *s) for s in spans),
            missing=lambda at: at.date() == date(2026, 11, 24),  # nothing on Tuesday
        ),
    )
    found = figures(days, 2026, 11, cph(2026, 11, 26))
    assert found.longest_outage == Outage(cph(2026, 11, 23, 9), cph(2026, 11, 23, 9, 10), 2, 10)
    # Monday's last run is not joined to anything: Tuesday is a gap.
    assert found.last_outage == Outage(cph(2026, 11, 23, 15, 50), cph(2026, 11, 23, 16), 2, 10)
    assert found.downtime_minutes == 30


def test_an_up_sample_the_next_morning_ends_the_evenings_outage() -> None:
    spans = [
        (cph(2026, 11, 23, 15, 50), cph(2026, 11, 24, 0)),
        (cph(2026, 11, 24, 9), cph(2026, 11, 24, 9, 10)),
    ]
    days = aggregate(
        CALENDAR,
        [],
        probe(
            cph(2026, 11, 23),
            cph(2026, 11, 25),
            down=lambda at: any(between(at, *s) for s in spans),
        ),
    )
    found = figures(days, 2026, 11, cph(2026, 11, 25))
    assert found.longest_outage == Outage(cph(2026, 11, 23, 15, 50), cph(2026, 11, 23, 16), 2, 10)
    assert found.last_outage == Outage(cph(2026, 11, 24, 9), cph(2026, 11, 24, 9, 10), 2, 10)


def test_an_outage_goes_on_through_a_service_window() -> None:
    # Down from Monday 15:00 to Wednesday 08:10; a window from Monday 15:30 to Tuesday's end.
    windows = [window(cph(2026, 11, 23, 15, 30), cph(2026, 11, 25))]
    down = (cph(2026, 11, 23, 15), cph(2026, 11, 25, 8, 10))
    days = aggregate(
        CALENDAR,
        windows,
        probe(cph(2026, 11, 23), cph(2026, 11, 26), down=lambda at: between(at, *down)),
    )
    found = figures(days, 2026, 11, cph(2026, 11, 26), windows)
    # Only the 6 slots before the window and the 2 after it count.
    assert found.longest_outage == Outage(cph(2026, 11, 23, 15), cph(2026, 11, 25, 8, 10), 8, 40)
    assert (found.downtime_minutes, found.excluded_by_windows) == (40, 6 + 96)


def test_month_to_date_counts_the_current_slot_once_its_sample_is_in() -> None:
    # Tuesday 3 March, the outage began at 10:00; samples come 20 s into each slot.
    now = cph(2026, 3, 3, 10, 10, 10)
    early = figures(march(now), 2026, 3, now, MARCH_WINDOWS)
    assert early.expected_slots_so_far == 96 + 26  # Monday, and Tuesday 08:00-10:10
    assert early.counted_samples == 122
    assert early.coverage_percent == 100
    assert early.downtime_minutes == 10
    now = cph(2026, 3, 3, 10, 12, 30)
    late = figures(march(now), 2026, 3, now, MARCH_WINDOWS)
    assert late.expected_slots_so_far == 123
    assert late.counted_samples == 123
    assert late.availability_percent == Fraction(100 * 120, 123)
    assert late.last_outage == Outage(cph(2026, 3, 3, 10), cph(2026, 3, 3, 10, 15), 3, 15)
    # The whole month's budget does not depend on how much of it has passed; the window
    # planned for 10 March is already taken off.
    assert late.budget_minutes == Fraction(105, 2)
    assert figures(march(now), 2026, 3, now).budget_minutes == Fraction(264, 5)


def test_figures_as_of_an_earlier_instant_leave_later_samples_out() -> None:
    whole = march(cph(2026, 4, 1))
    found = figures(whole, 2026, 3, cph(2026, 3, 3, 10, 12, 30))
    assert (found.counted_samples, found.downtime_minutes) == (123, 15)


def test_december_budget_by_hand() -> None:
    # December 2026: 23 weekdays less 24, 25 and 31 December = 20 business days.
    # 20 x 96 slots x 5 minutes = 9,600 minutes; 0.5 % of that is 48 minutes.
    before = figures({}, 2026, 12, cph(2026, 11, 30, 12))
    assert before.expected_slots == 1920
    assert before.budget_minutes == 48
    assert before.budget_minutes_left == 48
    assert before.availability_percent is None
    assert before.coverage_percent is None
    assert before.longest_outage is None and before.last_outage is None
    down = (cph(2026, 12, 1, 8), cph(2026, 12, 1, 8, 50))
    days = aggregate(
        CALENDAR, [], probe(cph(2026, 12, 1), cph(2026, 12, 2), down=lambda at: between(at, *down))
    )
    after = figures(days, 2026, 12, cph(2026, 12, 2))
    assert after.downtime_minutes == 50
    assert after.budget_minutes_left == -2
    assert after.budget_used_percent == Fraction(100 * 50, 48)


@pytest.mark.parametrize(
    ("year", "month", "business_days"), [(2026, 3, 22), (2026, 10, 22), (2026, 12, 20)]
)
def test_expected_slots_agree_with_the_calendar_minute_by_minute(
    year: int, month: int, business_days: int
) -> None:
    start = datetime(year, month, 1, tzinfo=cph(2026, 1, 1).tzinfo)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=start.tzinfo)
    slot, open_slots = start.astimezone(UTC), 0
    while slot < end:
        open_slots += CALENDAR.is_open(slot)
        slot += timedelta(minutes=5)
    found = figures({}, year, month, end)
    assert found.expected_slots == open_slots == business_days * 96


def test_october_outage_over_the_dst_weekend() -> None:
    down = (cph(2026, 10, 23, 15, 55), cph(2026, 10, 26, 8, 5))
    days = aggregate(
        CALENDAR,
        [],
        probe(cph(2026, 10, 23), cph(2026, 10, 27), down=lambda at: between(at, *down)),
    )
    found = figures(days, 2026, 10, cph(2026, 10, 27))
    outage = found.longest_outage
    assert outage == Outage(cph(2026, 10, 23, 15, 55), cph(2026, 10, 26, 8, 5), 2, 10)
    assert (outage.start, outage.end) == (
        datetime(2026, 10, 23, 13, 55, tzinfo=UTC),
        datetime(2026, 10, 26, 7, 5, tzinfo=UTC),
    )


def test_days_of_another_month_service_or_interval_are_refused() -> None:
    day = empty_day(CALENDAR, [], SERVICE, date(2026, 3, 2))
    with pytest.raises(ValueError, match="2026-03-02 of 'portal' is not asked for"):
        figures({day.day: day}, 2026, 4, cph(2026, 5, 1))
    with pytest.raises(ValueError, match="sampled every 1 minutes, the policy says 5"):
        figures({day.day: replace(day, interval_minutes=1)}, 2026, 3, cph(2026, 5, 1))
    with pytest.raises(ValueError, match="2026-03-02 is given twice"):
        month_figures(
            CALENDAR, [], service=SERVICE, year=2026, month=3, days=[day, day], now=cph(2026, 5, 1)
        )
    with pytest.raises(ValueError, match="now must be timezone-aware"):
        figures({}, 2026, 3, datetime(2026, 5, 1))


def _day(day: date, down: int, gaps: int = 0) -> DayAggregate:
    """A business day with `down` down slots, then `gaps` slots without a sample."""
    found = empty_day(CALENDAR, [], SERVICE, day)
    for i in range(96 - gaps):
        found = add_sample(found, Sample(SERVICE, found.slot_start(i), i >= down))
    return found


def test_sparkline_of_the_last_business_days() -> None:
    days = [
        _day(date(2026, 12, 17), 0),
        _day(date(2026, 12, 18), 1),  # 5 minutes down: twice what the target allows, and more
        # 21 December: no samples at all
        _day(date(2026, 12, 22), 96),
        _day(date(2026, 12, 23), 3, gaps=90),  # 3 of 6 counted down
        _day(date(2026, 12, 28), 0),
    ]
    # 24-27 December are closed: the line goes from 23 straight to 28 December.
    assert sparkline(CALENDAR, days, end=date(2026, 12, 28), count=6) == "█▅·▁▁█"
    assert sparkline(CALENDAR, days, end=date(2026, 12, 27), count=2) == "▁▁"


def test_sparkline_steps_are_multiples_of_the_allowed_shortfall() -> None:
    lenient = BusinessCalendar(replace(POLICY, availability_target_percent=98.0))
    days = [_day(date(2026, 11, 23 + i), down) for i, down in enumerate([1, 2, 3, 4, 13])]
    # 1 of 96 down misses 1.04 %: within 2 %. 2: 2.08 %, 3: 3.1 %, 4: 4.2 %, 13: 13.5 %.
    assert sparkline(lenient, days, end=date(2026, 11, 27), count=5) == "▇▆▆▅▁"
    strict = BusinessCalendar(replace(POLICY, availability_target_percent=100.0))
    assert sparkline(strict, days, end=date(2026, 11, 27), count=5) == "▁▁▁▁▁"
    with pytest.raises(ValueError, match="at least one day"):
        sparkline(strict, days, end=date(2026, 11, 27), count=0)
