"""The days the desk is closed, by the policy's country (`calendar.country`).

Denmark, the agreement's own calendar, is computed here from the date of Easter: public
holidays plus the Danish banks' closing days (the Friday after Ascension Day, Constitution Day
on 5 June, Christmas Eve and New Year's Eve; not 1 May; Great Prayer Day only until 2023).
This is the same calendar as `DanishBankHolidays` (a subclass of the `holidays` package's
Denmark, in bot.domain.reference_holidays); the tests hold the two equal for every supported
year. It is computed here because importing `holidays` loads every country it knows and would
triple the start-up time of `supportbot sla due`.

Any other country (an ISO code such as "SE", or with a subdivision such as "DE-BY") takes its
public holidays from `holidays`, imported only then.
"""

from __future__ import annotations

from datetime import date, timedelta

__all__ = ["DENMARK", "closing_days", "danish_closing_days", "easter", "holiday_calendar"]

DENMARK = "DK"

GREAT_PRAYER_DAY_LAST_YEAR = 2023  # abolished by Act no. 214 of 6 March 2023

# Days relative to Easter Sunday; names as `holidays` gives them in English.
_EASTER_RELATIVE = (
    (-3, "Maundy Thursday"),
    (-2, "Good Friday"),
    (0, "Easter Sunday"),
    (1, "Easter Monday"),
    (39, "Ascension Day"),
    (49, "Pentecost"),
    (50, "Pentecost Monday"),
)
_FIXED = (
    (1, 1, "New Year's Day"),
    (12, 25, "Christmas Day"),
    (12, 26, "Second Day of Christmas"),
)
_BANK_EASTER_RELATIVE = ((40, "Friday after Ascension Day"),)
_BANK_FIXED = (
    (6, 5, "Constitution Day"),
    (12, 24, "Christmas Eve"),
    (12, 31, "New Year's Eve"),
)


def easter(year: int) -> date:
    """Western (Gregorian) Easter Sunday: the anonymous Gregorian computus."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    weekday_shift = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 19 * weekday_shift) // 433
    month = (h + weekday_shift - 7 * m + 90) // 25
    day = (h + weekday_shift - 7 * m + 33 * month + 19) % 32
    return date(year, month, day)


def closing_days(country: str, year: int, *, bank_holidays: bool = True) -> dict[date, str]:
    """Every date of `year` (weekends included) the desk is closed for in `country`, named in
    English where `holidays` can ("A; B" when two fall together). `bank_holidays` adds the
    Danish banks' closing days, for Denmark."""
    if country == DENMARK:
        return danish_closing_days(year, bank_holidays=bank_holidays)
    return dict(sorted(holiday_calendar(country, year).items()))


def holiday_calendar(country: str, year: int | None = None) -> dict[date, str]:
    """The public holidays of `country` ("SE", "DE-BY") in `year` from the `holidays` package
    (none but the check that it knows the country, without a year); NotImplementedError if
    it does not."""
    import holidays  # here only: importing it loads every country it knows

    code, _, subdivision = country.partition("-")
    found = holidays.country_holidays(code, subdiv=subdivision or None)
    if year is None:
        return {}
    language = "en_US" if "en_US" in (found.supported_languages or ()) else None
    named = holidays.country_holidays(
        code, subdiv=subdivision or None, years=year, language=language
    )
    return {day: str(name) for day, name in named.items()}


def danish_closing_days(year: int, *, bank_holidays: bool = True) -> dict[date, str]:
    """Every date of `year` (weekends included) the desk is closed for, with its English name."""
    sunday = easter(year)
    found: dict[date, set[str]] = {}

    def add(day: date, name: str) -> None:
        found.setdefault(day, set()).add(name)

    for offset, name in _EASTER_RELATIVE:
        add(sunday + timedelta(days=offset), name)
    for month, day, name in _FIXED:
        add(date(year, month, day), name)
    if year <= GREAT_PRAYER_DAY_LAST_YEAR:
        add(sunday + timedelta(days=26), "Great Prayer Day")
    if bank_holidays:
        for offset, name in _BANK_EASTER_RELATIVE:
            add(sunday + timedelta(days=offset), name)
        for month, day, name in _BANK_FIXED:
            add(date(year, month, day), name)
    # Two holidays on one date read "A; B", alphabetically, as in `holidays`.
    return {day: "; ".join(sorted(names)) for day, names in sorted(found.items())}
