"""Sampling slots, which samples count, and the day aggregates kept current as samples arrive."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.availability import (
    Sample,
    SampleClass,
    add_sample,
    classify_sample,
    day_of,
    empty_day,
    expected_slots,
    rewindow,
    slot_of,
)
from bot.domain.calendar import BusinessCalendar
from bot.domain.policy import default_policy
from tests.domain.availability_samples import SERVICE, aggregate, cph, probe, window

POLICY = default_policy()
CALENDAR = BusinessCalendar(POLICY)
MONDAY = date(2026, 11, 23)


def test_slots_start_on_the_five_minute_marks() -> None:
    assert slot_of(cph(2026, 11, 23, 10, 7, 31), 5) == datetime(2026, 11, 23, 9, 5, tzinfo=UTC)
    assert slot_of(cph(2026, 11, 23, 10, 5), 5) == cph(2026, 11, 23, 10, 5)
    assert slot_of(cph(2026, 11, 23, 10, 4, 59, 999_999), 5) == cph(2026, 11, 23, 10)
    assert slot_of(cph(2026, 11, 23, 10, 14), 15) == cph(2026, 11, 23, 10)
    with pytest.raises(ValueError, match="must divide 60 minutes, got 7"):
        slot_of(cph(2026, 11, 23, 10), 7)
    with pytest.raises(ValueError, match="at must be timezone-aware"):
        slot_of(datetime(2026, 11, 23, 10), 5)


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (cph(2026, 11, 23, 8, 0, 20), SampleClass.COUNTED),
        (cph(2026, 11, 23, 15, 59, 59), SampleClass.COUNTED),  # the 15:55 slot
        (cph(2026, 11, 23, 16, 0, 20), SampleClass.OUTSIDE_HOURS),
        (cph(2026, 11, 23, 7, 59, 59), SampleClass.OUTSIDE_HOURS),  # the 07:55 slot
        (cph(2026, 11, 21, 12), SampleClass.OUTSIDE_HOURS),  # Saturday
        (cph(2026, 12, 24, 12), SampleClass.OUTSIDE_HOURS),  # Christmas Eve, bank closing day
        (cph(2026, 11, 23, 9, 59), SampleClass.COUNTED),  # its slot ends as the window starts
        (cph(2026, 11, 23, 10, 29), SampleClass.IN_WINDOW),
        (cph(2026, 11, 23, 10, 30), SampleClass.COUNTED),  # the window has ended
        (cph(2026, 11, 23, 11, 4), SampleClass.IN_WINDOW),  # 11:02-11:03 touches 11:00-11:05
        (cph(2026, 11, 23, 11, 5), SampleClass.COUNTED),
        (cph(2026, 11, 21, 10, 10), SampleClass.OUTSIDE_HOURS),  # a window at the weekend
    ],
)
def test_only_samples_in_operating_hours_and_outside_windows_count(
    at: datetime, expected: SampleClass
) -> None:
    windows = [
        window(cph(2026, 11, 23, 10), cph(2026, 11, 23, 10, 30)),
        window(cph(2026, 11, 23, 11, 2), cph(2026, 11, 23, 11, 3)),
        window(cph(2026, 11, 21, 10), cph(2026, 11, 21, 11)),
    ]
    assert classify_sample(CALENDAR, windows, at) is expected


def test_expected_slots_of_a_day() -> None:
    assert expected_slots(CALENDAR, [], MONDAY) == 96
    hour = [window(cph(2026, 11, 23, 10), cph(2026, 11, 23, 11))]
    assert expected_slots(CALENDAR, hour, MONDAY) == 84
    minute = [window(cph(2026, 11, 23, 11, 2), cph(2026, 11, 23, 11, 3))]
    assert expected_slots(CALENDAR, minute, MONDAY) == 95
    overnight = [window(cph(2026, 11, 23, 15, 30), cph(2026, 11, 24, 9))]
    assert expected_slots(CALENDAR, overnight, MONDAY) == 90
    assert expected_slots(CALENDAR, overnight, date(2026, 11, 24)) == 84
    assert expected_slots(CALENDAR, [], date(2026, 11, 22)) == 0  # Sunday
    assert expected_slots(CALENDAR, [], date(2026, 6, 5)) == 0  # Constitution Day
    assert expected_slots(CALENDAR, [], date(2026, 5, 15)) == 0  # Friday after Ascension


@pytest.mark.parametrize(
    ("day", "first_utc"),
    [
        (date(2026, 3, 27), 7),
        (date(2026, 3, 30), 6),
        (date(2026, 10, 23), 6),
        (date(2026, 10, 26), 7),
    ],
)
def test_a_business_day_has_96_slots_either_side_of_a_dst_change(day: date, first_utc: int) -> None:
    day_aggregate = empty_day(CALENDAR, [], SERVICE, day)
    assert len(day_aggregate.marks) == 96
    assert day_aggregate.first == datetime(day.year, day.month, day.day, first_utc, tzinfo=UTC)
    assert day_aggregate.slot_start(95).astimezone(cph(2026, 1, 1).tzinfo).time().isoformat() == (
        "15:55:00"
    )


def test_a_slot_that_begins_before_opening_does_not_count() -> None:
    policy = replace(POLICY, opens=time(8, 10), sample_interval_minutes=15)
    calendar = BusinessCalendar(policy)
    day = empty_day(calendar, [], SERVICE, MONDAY)
    # 08:00-08:15 begins while closed; 08:15, 08:30, ... 15:45 count.
    assert (day.first, len(day.marks)) == (cph(2026, 11, 23, 8, 15), 31)
    assert classify_sample(calendar, [], cph(2026, 11, 23, 8, 12)) is SampleClass.OUTSIDE_HOURS
    assert add_sample(day, Sample(SERVICE, cph(2026, 11, 23, 8, 12), False)) == day
    assert classify_sample(calendar, [], cph(2026, 11, 23, 8, 16)) is SampleClass.COUNTED
    assert add_sample(day, Sample(SERVICE, cph(2026, 11, 23, 8, 16), False)).down == 1


def test_samples_fill_the_day_and_repeats_change_nothing() -> None:
    day = empty_day(CALENDAR, [], SERVICE, MONDAY)
    assert (day.counted, day.up, day.expected_slots, day.availability_percent) == (0, 0, 96, None)
    day = add_sample(day, Sample(SERVICE, cph(2026, 11, 23, 8, 0, 20), True))
    day = add_sample(day, Sample(SERVICE, cph(2026, 11, 23, 8, 5, 20), False))
    # The same slot again (an import of the same rows, a second prober): the first stands.
    again = add_sample(day, Sample(SERVICE, cph(2026, 11, 23, 8, 5, 40), True))
    assert again == day
    # Outside hours: neither counted nor a gap.
    assert add_sample(day, Sample(SERVICE, cph(2026, 11, 23, 17), False)) == day
    assert (day.counted, day.up, day.down) == (2, 1, 1)
    assert day.availability_percent == Fraction(50)
    assert day.marks[:3] == "10."


def test_a_sample_of_another_service_is_refused() -> None:
    day = empty_day(CALENDAR, [], SERVICE, MONDAY)
    with pytest.raises(ValueError, match="'crm' does not belong to 'portal'"):
        add_sample(day, Sample("crm", cph(2026, 11, 23, 9), True))
    with pytest.raises(ValueError, match="a sample's instant must be timezone-aware"):
        Sample(SERVICE, datetime(2026, 11, 23, 9), True)


def test_a_sample_belongs_to_its_local_day() -> None:
    # 00:30 in Copenhagen is still the previous day in UTC.
    assert day_of(CALENDAR, datetime(2026, 11, 23, 23, 30, tzinfo=UTC)) == date(2026, 11, 24)
    assert day_of(CALENDAR, cph(2026, 11, 23, 23, 59, 59)) == MONDAY


def test_samples_in_a_window_are_excluded_and_come_back_when_it_is_cancelled() -> None:
    samples = list(
        probe(
            cph(2026, 11, 23),
            cph(2026, 11, 24),
            down=lambda at: cph(2026, 11, 23, 10) <= at < cph(2026, 11, 23, 10, 40),
        )
    )
    plain = aggregate(CALENDAR, [], samples)[MONDAY]
    assert (plain.counted, plain.down, plain.excluded_by_windows) == (96, 8, 0)
    # The window was entered after the samples: rewindow the day instead of re-reading them.
    windows = [window(cph(2026, 11, 23, 10), cph(2026, 11, 23, 10, 30))]
    windowed = rewindow(plain, windows)
    assert windowed == aggregate(CALENDAR, windows, samples)[MONDAY]
    assert (windowed.counted, windowed.down, windowed.excluded_by_windows) == (90, 2, 6)
    assert windowed.expected_slots == 90
    assert windowed.longest_outage_slots == 2
    assert rewindow(windowed, []) == plain


def test_windows_skip_inside_an_outage_without_breaking_it() -> None:
    down_morning = lambda at: cph(2026, 11, 23, 9) <= at < cph(2026, 11, 23, 11)  # noqa: E731
    windows = [window(cph(2026, 11, 23, 9, 30), cph(2026, 11, 23, 10))]
    samples = probe(cph(2026, 11, 23), cph(2026, 11, 24), down=down_morning)
    day = aggregate(CALENDAR, windows, samples)
    assert day[MONDAY].longest_outage_slots == 18  # 24 slots down, 6 of them in the window


@settings(max_examples=50, deadline=None)
@given(
    offsets=st.lists(st.integers(0, 14 * 288 - 1), unique=True, max_size=300),
    ups=st.randoms(use_true_random=False),
)
def test_counted_samples_are_exactly_the_ones_classified_counted(
    offsets: list[int], ups: random.Random
) -> None:
    start = cph(2026, 12, 17)  # two weeks over Christmas and New Year
    windows = [window(cph(2026, 12, 21, 9, 2), cph(2026, 12, 22, 8, 31))]
    samples = [
        Sample(SERVICE, start + timedelta(minutes=5 * i, seconds=7), ups.random() < 0.9)
        for i in offsets
    ]
    days = aggregate(CALENDAR, windows, samples)
    classes = [classify_sample(CALENDAR, windows, s.at) for s in samples]
    assert sum(d.counted for d in days.values()) == classes.count(SampleClass.COUNTED)
    assert sum(d.excluded_by_windows for d in days.values()) == classes.count(SampleClass.IN_WINDOW)
    counted_up = sum(
        s.up for s, c in zip(samples, classes, strict=True) if c is SampleClass.COUNTED
    )
    assert sum(d.up for d in days.values()) == counted_up
    # The order samples arrive in does not matter.
    shuffled = samples[:]
    ups.shuffle(shuffled)
    assert aggregate(CALENDAR, windows, shuffled) == days
