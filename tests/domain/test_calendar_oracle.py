"""The business calendar against the brute-force oracle, on thousands of random instants."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.calendar import BusinessCalendar
from bot.domain.policy import default_policy
from tests.domain import oracle

FIRST = datetime(2025, 1, 1, tzinfo=UTC)
LAST = datetime(2030, 12, 31, tzinfo=UTC)
SPAN_MINUTES = int((LAST - FIRST) / timedelta(minutes=1))
TARGET_HOURS = [p.first_response_hours for p in default_policy().priorities]


@pytest.fixture(scope="module")
def calendar() -> BusinessCalendar:
    return BusinessCalendar(default_policy())


def _random_instants(n: int, seed: int, grid_minutes: int) -> list[datetime]:
    rng = random.Random(seed)
    steps = SPAN_MINUTES // grid_minutes
    return [FIRST + timedelta(minutes=grid_minutes * rng.randrange(steps)) for _ in range(n)]


def test_is_open_matches_oracle_on_5000_random_instants(calendar: BusinessCalendar) -> None:
    rng = random.Random(7)
    span = int((LAST - FIRST).total_seconds())
    instants = [FIRST + timedelta(seconds=rng.randrange(span)) for _ in range(5000)]
    # Half of them on the exact opening and closing minutes, where mistakes hide.
    for i, at in enumerate(instants[:2500]):
        local = at.astimezone(oracle.CPH)
        hour = 8 if i % 2 else 16
        instants[i] = local.replace(hour=hour, minute=0, second=0)
    mismatches = [at for at in instants if calendar.is_open(at) != oracle.is_open(at)]
    assert mismatches == []


def test_due_matches_oracle_on_2000_random_instants(calendar: BusinessCalendar) -> None:
    rng = random.Random(11)
    cases = [(at, rng.choice(TARGET_HOURS)) for at in _random_instants(2000, 11, 5)]
    wrong = [
        (at, hours)
        for at, hours in cases
        if calendar.add_business_hours(at, hours) != oracle.due(at, timedelta(hours=hours))
    ]
    assert wrong == []


def test_between_matches_oracle_on_1000_random_pairs(calendar: BusinessCalendar) -> None:
    rng = random.Random(13)
    starts = _random_instants(1000, 13, 5)
    wrong = []
    for start in starts:
        end = start + timedelta(minutes=5 * rng.randrange(12 * 24 * 6))  # up to six days
        if calendar.business_time_between(start, end) != oracle.between(start, end):
            wrong.append((start, end))
    assert wrong == []


def test_next_opening_matches_oracle(calendar: BusinessCalendar) -> None:
    for at in _random_instants(1000, 17, 5):
        opening = calendar.next_opening(at)
        assert oracle.is_open(opening)
        assert opening >= at
        if opening > at:
            # Nothing open between `at` and the opening: the step before it is closed.
            assert not oracle.is_open(opening - timedelta(minutes=5))
            assert oracle.between(at, opening) == timedelta(0)


instants = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
)
targets = st.timedeltas(min_value=timedelta(seconds=1), max_value=timedelta(hours=200))


@settings(max_examples=300, deadline=None)
@given(start=instants, target=targets)
def test_due_is_earliest_instant_with_target_elapsed(
    calendar: BusinessCalendar, start: datetime, target: timedelta
) -> None:
    due = calendar.add_business_time(start, target)
    assert due > start
    assert calendar.business_time_between(start, due) == target
    # Earliest: a microsecond earlier the target has not yet elapsed.
    assert calendar.business_time_between(start, due - timedelta(microseconds=1)) < target
    # The instant just before `due` is open time (the clock was running up to it).
    assert calendar.is_open(due - timedelta(microseconds=1))


@settings(max_examples=300, deadline=None)
@given(a=instants, b=instants, c=instants)
def test_between_is_additive_and_antisymmetric(
    calendar: BusinessCalendar, a: datetime, b: datetime, c: datetime
) -> None:
    ab = calendar.business_time_between(a, b)
    assert calendar.business_time_between(b, a) == -ab
    assert ab + calendar.business_time_between(b, c) == calendar.business_time_between(a, c)
    assert abs(ab) <= abs(b - a)


@settings(max_examples=200, deadline=None)
@given(start=instants, first=targets, second=targets)
def test_adding_in_two_steps_equals_adding_once(
    calendar: BusinessCalendar, start: datetime, first: timedelta, second: timedelta
) -> None:
    once = calendar.add_business_time(start, first + second)
    twice = calendar.add_business_time(calendar.add_business_time(start, first), second)
    assert once == twice


def test_due_of_many_instants_matches_oracle(calendar: BusinessCalendar) -> None:
    # Many instants of one night or weekend share a due instant: each still gets its own, right
    # one, also those on the opening minute and in the last spell of a year (the oracle walks a
    # 5-minute grid; the property test below covers microseconds).
    starts = _random_instants(2000, 19, 5)
    starts += [
        datetime(2026, 12, 31, 15, 0, tzinfo=UTC),  # after the year's last closing
        datetime(2026, 12, 31, 23, 30, tzinfo=UTC),  # local 1 January 00:30: a new year
        datetime(2027, 1, 4, 7, 0, tzinfo=UTC),  # 08:00 local, the opening
        datetime(2027, 1, 4, 6, 55, tzinfo=UTC),  # five minutes before it
    ] * 2
    for hours in (1, 16):
        target = timedelta(hours=hours)
        dues = calendar.add_business_time_each(starts, target)
        assert dues == [oracle.due(at, target) for at in starts]


@settings(max_examples=200, deadline=None)
@given(starts=st.lists(instants, max_size=20), target=targets)
def test_due_of_many_instants_is_each_ones_due(
    calendar: BusinessCalendar, starts: list[datetime], target: timedelta
) -> None:
    expected = [calendar.add_business_time(at, target) for at in starts]
    assert calendar.add_business_time_each(starts, target) == expected
