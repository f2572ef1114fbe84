"""Danish closing days, computed from Easter, equal the `holidays` package plus bank days."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import pytest

from bot.domain.calendar import MAX_YEAR, MIN_YEAR
from bot.domain.closing_days import closing_days, danish_closing_days, easter
from bot.domain.reference_holidays import DanishBankHolidays
from tests.domain import oracle


@pytest.mark.parametrize("bank_holidays", [True, False])
def test_equal_to_holidays_subclass_in_every_supported_year(bank_holidays: bool) -> None:
    reference = DanishBankHolidays(
        bank_holidays=bank_holidays, years=list(range(MIN_YEAR, MAX_YEAR + 1))
    )
    expected: dict[int, dict[date, str]] = {}
    for day, name in reference.items():
        expected.setdefault(day.year, {})[day] = name
    differ = [
        year
        for year in range(MIN_YEAR, MAX_YEAR + 1)
        if danish_closing_days(year, bank_holidays=bank_holidays) != expected[year]
    ]
    assert differ == []


def test_easter_dates() -> None:
    assert [easter(y) for y in (2008, 2011, 2019, 2038)] == [
        date(2008, 3, 23),  # earliest in a century
        date(2011, 4, 24),
        date(2019, 4, 21),
        date(2038, 4, 25),  # latest possible
    ]
    assert all(easter(y) == oracle.EASTER[y] for y in oracle.EASTER)


def test_hand_written_table_agrees() -> None:
    for year in range(2024, 2032):
        assert set(danish_closing_days(year)) == oracle.closing_days(year)


def test_shared_dates_join_names_alphabetically() -> None:
    # 2006: Whit Monday fell on Constitution Day.
    assert danish_closing_days(2006)[date(2006, 6, 5)] == "Constitution Day; Pentecost Monday"
    assert date(2006, 6, 5) not in danish_closing_days(2005, bank_holidays=False)


def test_great_prayer_day_until_2023_and_never_may_day() -> None:
    assert danish_closing_days(2023)[date(2023, 5, 5)] == "Great Prayer Day"
    assert "Great Prayer Day" not in danish_closing_days(2024).values()
    assert all(date(y, 5, 1) not in danish_closing_days(y) for y in range(2020, 2031))


@pytest.mark.parametrize("country", ["SE", "NO", "DE-BY", "FI"])
def test_another_country_takes_its_public_holidays_from_the_holidays_package(
    country: str,
) -> None:
    import holidays

    code, _, subdivision = country.partition("-")
    for year in (1999, 2026, 2100):
        expected = holidays.country_holidays(
            code, subdiv=subdivision or None, years=year, language="en_US"
        )
        assert closing_days(country, year, bank_holidays=False) == dict(sorted(expected.items()))


def test_denmark_is_computed_without_importing_holidays() -> None:
    probe = (
        "import sys; from bot.domain.closing_days import closing_days; "
        "closing_days('DK', 2026); print('holidays' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr
