"""Named edge cases of the Danish business calendar."""

from __future__ import annotations

import tomllib
from datetime import UTC, date, datetime, timedelta, timezone
from importlib import resources
from typing import Any

import pytest

from bot.domain.calendar import BusinessCalendar, OutOfRange, require_supported, supported
from bot.domain.policy import default_policy, parse_policy
from tests.domain.oracle import CPH


def cph(*args: int) -> datetime:
    return datetime(*args, tzinfo=CPH)


@pytest.fixture(scope="module")
def calendar() -> BusinessCalendar:
    return BusinessCalendar(default_policy())


def _policy_data() -> dict[str, Any]:
    text = resources.files("bot.domain").joinpath("policy.toml").read_text("utf-8")
    return tomllib.loads(text)


# -- closing days -----------------------------------------------------------------------------


def test_2026_closing_days_are_the_national_banks(calendar: BusinessCalendar) -> None:
    closed = {d.date.isoformat(): d.name for d in calendar.closed_days(2026)}
    assert closed == {
        "2026-01-01": "New Year's Day",
        "2026-04-02": "Maundy Thursday",
        "2026-04-03": "Good Friday",
        "2026-04-06": "Easter Monday",
        "2026-05-14": "Ascension Day",
        "2026-05-15": "Friday after Ascension Day",
        "2026-05-25": "Pentecost Monday",
        "2026-06-05": "Constitution Day",
        "2026-12-24": "Christmas Eve",
        "2026-12-25": "Christmas Day",
        "2026-12-31": "New Year's Eve",
    }


def test_2027_closing_days_leave_out_weekends(calendar: BusinessCalendar) -> None:
    dates = [d.date for d in calendar.closed_days(2027)]
    # 2027: Christmas Day and Boxing Day fall on Saturday and Sunday, so they are not listed.
    assert dates == [
        date(2027, 1, 1),
        date(2027, 3, 25),
        date(2027, 3, 26),
        date(2027, 3, 29),
        date(2027, 5, 6),
        date(2027, 5, 7),
        date(2027, 5, 17),
        date(2027, 12, 24),
        date(2027, 12, 31),
    ]


def test_may_day_is_open_and_great_prayer_day_ends_after_2023(calendar: BusinessCalendar) -> None:
    assert calendar.is_open(cph(2026, 5, 1, 10))
    assert date(2023, 5, 5) in {d.date for d in calendar.closed_days(2023)}
    assert calendar.is_open(cph(2024, 4, 26, 10))  # would have been Great Prayer Day


def test_extra_closing_days_from_the_policy_close_the_desk() -> None:
    data = _policy_data()
    data["calendar"]["extra_closing_days"] = [
        {"date": "2026-12-28", "name": "Company day off"},
        {"date": date(2026, 12, 24), "name": "Staff party"},
    ]
    calendar = BusinessCalendar(parse_policy(data, "test.toml"))
    assert not calendar.is_open(cph(2026, 12, 28, 10))
    names = {d.date: d.name for d in calendar.closed_days(2026)}
    assert names[date(2026, 12, 28)] == "Company day off"
    assert names[date(2026, 12, 24)] == "Christmas Eve; Staff party"
    assert calendar.add_business_hours(cph(2026, 12, 23, 15, 30), 1) == cph(2026, 12, 29, 8, 30)


def test_without_bank_holidays_only_public_holidays_close() -> None:
    data = _policy_data()
    data["calendar"]["bank_holidays"] = False
    calendar = BusinessCalendar(parse_policy(data, "test.toml"))
    assert calendar.is_open(cph(2026, 12, 24, 10))
    assert calendar.is_open(cph(2026, 5, 15, 10))
    assert not calendar.is_open(cph(2026, 12, 25, 10))


def test_another_countrys_holidays_close_the_desk_with_the_policys_extra_days() -> None:
    data = _policy_data()
    data["calendar"].update(
        country="SE",
        bank_holidays=False,
        extra_closing_days=[{"date": "2026-01-07", "name": "Inventory day"}],
    )
    sweden = BusinessCalendar(parse_policy(data, "p.toml"))
    denmark = BusinessCalendar(default_policy())
    filed = cph(2026, 1, 5, 15)  # a Monday; Tuesday is Epiphany in Sweden, not in Denmark
    assert denmark.add_business_hours(filed, 8) == cph(2026, 1, 6, 15)
    assert sweden.add_business_hours(filed, 8) == cph(2026, 1, 8, 15)
    closed = {d.date.isoformat(): d.name for d in sweden.closed_days(2026)}
    assert closed["2026-01-06"] == "Epiphany" and closed["2026-01-07"] == "Inventory day"
    assert "2026-06-05" not in closed and "2026-12-24" not in closed  # Danish bank days
    assert not sweden.is_business_day(date(2026, 5, 1))  # May Day is a holiday there


def test_opening_hours_come_from_the_policy() -> None:
    data = _policy_data()
    data["operating_hours"] = {"open": "09:30", "close": "17:00"}
    calendar = BusinessCalendar(parse_policy(data, "test.toml"))
    assert not calendar.is_open(cph(2026, 3, 2, 9))
    assert calendar.next_opening(cph(2026, 3, 2, 9)) == cph(2026, 3, 2, 9, 30)
    assert calendar.add_business_hours(cph(2026, 3, 2, 16), 2) == cph(2026, 3, 3, 10, 30)


def test_out_of_range_year_is_refused(calendar: BusinessCalendar) -> None:
    with pytest.raises(ValueError, match="outside the supported range"):
        calendar.closed_days(1800)


# -- due instants -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("opened", "hours", "due"),
    [
        # Christmas and New Year 2026: 24, 25 Dec (Thu, Fri) and 31 Dec, 1 Jan are closed.
        (cph(2026, 12, 23, 15, 30), 1, cph(2026, 12, 28, 8, 30)),
        (cph(2026, 12, 23, 12), 8, cph(2026, 12, 28, 12)),
        (cph(2026, 12, 30, 15), 16, cph(2027, 1, 5, 15)),
        (cph(2026, 12, 31, 10), 4, cph(2027, 1, 4, 12)),
        # Ascension 2026: Thursday 14 May and the Friday after are closed.
        (cph(2026, 5, 13, 15), 4, cph(2026, 5, 18, 11)),
        (cph(2026, 5, 14, 9), 1, cph(2026, 5, 18, 9)),
        # Spring DST weekend (29 March 2026): Friday +01:00, Monday +02:00, still 8 hours.
        (cph(2026, 3, 27, 12), 8, cph(2026, 3, 30, 12)),
        (cph(2026, 3, 27, 15), 2, cph(2026, 3, 30, 9)),
        # Autumn DST weekend (25 October 2026).
        (cph(2026, 10, 23, 14), 4, cph(2026, 10, 26, 10)),
        (cph(2026, 10, 25, 2, 30), 1, cph(2026, 10, 26, 9)),
        # Filed exactly at opening and at closing.
        (cph(2026, 3, 2, 8), 8, cph(2026, 3, 2, 16)),
        (cph(2026, 3, 2, 8), 1, cph(2026, 3, 2, 9)),
        (cph(2026, 3, 2, 16), 1, cph(2026, 3, 3, 9)),
        (cph(2026, 3, 2, 16), 8, cph(2026, 3, 3, 16)),
        # A target that runs out exactly at closing is due at 16:00, not 08:00 next day.
        (cph(2026, 3, 2, 12), 4, cph(2026, 3, 2, 16)),
        (cph(2026, 3, 6, 12), 12, cph(2026, 3, 9, 16)),
        # Filed at the weekend: the clock starts Monday 08:00.
        (cph(2026, 3, 7, 11), 1, cph(2026, 3, 9, 9)),
        (cph(2026, 3, 8, 23, 59), 16, cph(2026, 3, 10, 16)),
        # Filed before opening and after closing on a weekday.
        (cph(2026, 3, 3, 6), 4, cph(2026, 3, 3, 12)),
        (cph(2026, 3, 3, 20), 12, cph(2026, 3, 5, 12)),
    ],
)
def test_due_instants(
    calendar: BusinessCalendar, opened: datetime, hours: int, due: datetime
) -> None:
    result = calendar.add_business_hours(opened, hours)
    assert result == due
    assert result.utcoffset() == due.utcoffset()  # shown in Copenhagen time


def test_results_are_in_copenhagen_time_whatever_the_input_zone(
    calendar: BusinessCalendar,
) -> None:
    result = calendar.add_business_hours(datetime(2026, 12, 23, 14, 30, tzinfo=UTC), 1)
    assert result.isoformat() == "2026-12-28T08:30:00+01:00"
    assert calendar.next_opening(datetime(2026, 7, 1, 8, tzinfo=UTC)).isoformat() == (
        "2026-07-01T10:00:00+02:00"
    )


def test_fractional_hours_and_microseconds(calendar: BusinessCalendar) -> None:
    assert calendar.add_business_hours(cph(2026, 3, 2, 15, 30), 0.75) == cph(2026, 3, 3, 8, 15)
    start = cph(2026, 3, 2, 15, 59, 59).replace(microsecond=999_999)
    assert calendar.add_business_time(start, timedelta(microseconds=2)) == cph(
        2026, 3, 3, 8, 0, 0
    ).replace(microsecond=1)


def test_zero_target_is_due_when_the_clock_starts(calendar: BusinessCalendar) -> None:
    assert calendar.add_business_hours(cph(2026, 3, 7, 11), 0) == cph(2026, 3, 9, 8)
    assert calendar.add_business_hours(cph(2026, 3, 2, 11), 0) == cph(2026, 3, 2, 11)


def test_long_targets_cross_years(calendar: BusinessCalendar) -> None:
    start = cph(2026, 1, 1)
    year = calendar.business_time_between(start, cph(2027, 1, 1))
    assert year == timedelta(hours=8 * 250)  # 261 weekdays less 11 closing days
    assert calendar.add_business_time(start, year) == cph(2026, 12, 30, 16)
    assert calendar.add_business_time(start, year * 3) > cph(2028, 12, 1)


# -- open / next opening / between ----------------------------------------------------------


def test_open_at_opening_closed_at_closing(calendar: BusinessCalendar) -> None:
    assert calendar.is_open(cph(2026, 3, 2, 8))
    assert not calendar.is_open(cph(2026, 3, 2, 7, 59, 59))
    assert calendar.is_open(cph(2026, 3, 2, 15, 59, 59))
    assert not calendar.is_open(cph(2026, 3, 2, 16))
    assert not calendar.is_open(cph(2026, 3, 7, 12))  # Saturday


def test_next_opening(calendar: BusinessCalendar) -> None:
    assert calendar.next_opening(cph(2026, 3, 2, 10, 15)) == cph(2026, 3, 2, 10, 15)
    assert calendar.next_opening(cph(2026, 3, 2, 16)) == cph(2026, 3, 3, 8)
    assert calendar.next_opening(cph(2026, 12, 23, 16)) == cph(2026, 12, 28, 8)
    assert calendar.next_opening(cph(2026, 12, 30, 17)) == cph(2027, 1, 4, 8)


def test_business_time_between(calendar: BusinessCalendar) -> None:
    friday, monday = cph(2026, 3, 27, 12), cph(2026, 3, 30, 12)  # across spring DST
    assert calendar.business_time_between(friday, monday) == timedelta(hours=8)
    assert calendar.business_time_between(monday, friday) == timedelta(hours=-8)
    saturday, sunday = cph(2026, 3, 28, 9), cph(2026, 3, 29, 9)
    assert calendar.business_time_between(saturday, sunday) == timedelta(0)


@pytest.mark.parametrize(
    "call",
    [
        lambda c, t: c.is_open(t),
        lambda c, t: c.next_opening(t),
        lambda c, t: c.add_business_hours(t, 1),
        lambda c, t: c.add_business_time(t, timedelta(hours=1)),
        lambda c, t: c.business_time_between(t, cph(2026, 1, 1)),
        lambda c, t: c.business_time_between(cph(2026, 1, 1), t),
    ],
)
def test_naive_datetimes_are_rejected(calendar: BusinessCalendar, call: Any) -> None:
    with pytest.raises(ValueError, match="must be timezone-aware, got naive 2026-03-02T10:00"):
        call(calendar, datetime(2026, 3, 2, 10))


def test_negative_targets_are_rejected(calendar: BusinessCalendar) -> None:
    with pytest.raises(ValueError, match="must not be negative"):
        calendar.add_business_time(cph(2026, 3, 2, 10), timedelta(hours=-1))
    with pytest.raises(ValueError, match="non-negative number"):
        calendar.add_business_hours(cph(2026, 3, 2, 10), float("nan"))


def test_due_beyond_the_supported_range_is_refused(calendar: BusinessCalendar) -> None:
    assert calendar.add_business_hours(cph(2100, 12, 30, 15), 1) == cph(2100, 12, 30, 16)
    with pytest.raises(ValueError, match="beyond the supported calendar range"):
        calendar.add_business_hours(cph(2100, 12, 30, 15), 16)
    with pytest.raises(ValueError, match="outside the supported range 1971-2100"):
        calendar.is_open(cph(2101, 3, 1, 10))


# -- the supported years ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (date(1971, 1, 1), True),
        (date(1970, 12, 31), False),
        (date(2100, 12, 31), True),
        (date(2101, 1, 1), False),
        # Instants keep a day inside the years, so every time zone shows them in range.
        (datetime(1971, 1, 2, tzinfo=UTC), True),
        (datetime(1971, 1, 1, 23, 59, tzinfo=UTC), False),
        (datetime(2100, 12, 30, 23, 59, tzinfo=UTC), True),
        (datetime(2100, 12, 31, tzinfo=UTC), False),
        (datetime(2100, 12, 31, 10, tzinfo=timezone(timedelta(hours=14))), True),
        (datetime(9999, 12, 31, 23, 59, tzinfo=timezone(timedelta(hours=-5))), False),
        (datetime(2026, 1, 5, 10), False),  # naive: no instant at all
    ],
)
def test_supported_years(value: date, expected: bool) -> None:
    assert supported(value) is expected


def test_require_supported_names_what_and_the_range() -> None:
    day = date(2026, 1, 5)
    assert require_supported(day, "--go-live") is day
    with pytest.raises(OutOfRange) as caught:
        require_supported(datetime(9999, 12, 31, 23, tzinfo=UTC), "--end")
    assert str(caught.value) == (
        "--end 9999-12-31T23:00:00+00:00 is outside the supported years 1971-2100"
    )
