"""The `holidays` package's Denmark with the Danish banks' closing days added.

The reference that bot.domain.closing_days is tested against, and the calendar the
businesstimedelta benchmark peer is configured with. Importing it loads `holidays`, which
imports every country it knows, so the product's start-up path does not.
"""

from __future__ import annotations

from holidays.constants import PUBLIC
from holidays.countries.denmark import Denmark
from holidays.helpers import tr

__all__ = ["DanishBankHolidays"]


class DanishBankHolidays(Denmark):
    """Danish public holidays plus, optionally, the national bank's closing days.

    `holidays`' Denmark lists public holidays only; banks also close on the Friday after
    Ascension Day, Constitution Day (5 June), Christmas Eve and New Year's Eve. 1 May is not a
    closing day, and Great Prayer Day ends after 2023 (the parent class handles that).
    """

    def __init__(self, *, bank_holidays: bool = True, years: int | list[int] | None = None) -> None:
        self.bank_holidays = bank_holidays
        super().__init__(  # type: ignore[no-untyped-call]  # holidays leaves __init__ untyped
            years=years, categories=(PUBLIC,), language="en_US"
        )

    def _populate_public_holidays(self) -> None:
        super()._populate_public_holidays()  # type: ignore[no-untyped-call]
        if not self.bank_holidays:
            return
        self._add_holiday_40_days_past_easter("Friday after Ascension Day")
        self._add_holiday_jun_5(tr("Grundlovsdag"))
        self._add_christmas_eve(tr("Juleaftensdag"))
        self._add_new_years_eve(tr("Nytårsaften"))
