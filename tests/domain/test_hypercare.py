"""Hypercare arithmetic: start, end, week N of M, days left, and agreed extensions."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.domain.hypercare import Phase, end_of, extension_weeks, status, total_weeks
from bot.domain.models import HypercarePeriod

GO_LIVE = date(2026, 11, 23)  # a Monday


def period(weeks: int = 4, *extensions: int) -> HypercarePeriod:
    return HypercarePeriod(
        id=1,
        customer_id=1,
        start=GO_LIVE,
        weeks=weeks,
        extensions=tuple({"weeks": n, "reason": "unstable"} for n in extensions),
    )


def test_the_period_ends_its_agreed_weeks_after_go_live() -> None:
    assert end_of(period(4)) == date(2026, 12, 21)
    assert total_weeks(period(4)) == 4 and extension_weeks(period(4)) == 0


def test_agreed_extensions_add_their_weeks() -> None:
    extended = period(4, 2, 1)
    assert extension_weeks(extended) == 3 and total_weeks(extended) == 7
    assert end_of(extended) == date(2027, 1, 11)


@pytest.mark.parametrize(
    ("today", "phase", "week", "days_left"),
    [
        (GO_LIVE - timedelta(days=1), Phase.BEFORE, None, None),
        (GO_LIVE, Phase.DURING, 1, 28),
        (GO_LIVE + timedelta(days=6), Phase.DURING, 1, 22),
        (GO_LIVE + timedelta(days=7), Phase.DURING, 2, 21),
        (date(2026, 12, 20), Phase.DURING, 4, 1),  # the last hypercare day
        (date(2026, 12, 21), Phase.AFTER, None, None),
    ],
)
def test_where_a_day_falls(today: date, phase: Phase, week: int | None, days_left: int | None):
    seen = status(period(4), today)
    assert (seen.phase, seen.week, seen.days_left) == (phase, week, days_left)
    assert (seen.start, seen.end, seen.weeks, seen.extended_by) == (
        GO_LIVE,
        date(2026, 12, 21),
        4,
        0,
    )


def test_an_extension_keeps_a_day_in_hypercare_that_would_be_after_it() -> None:
    day = date(2026, 12, 28)
    assert status(period(4), day).phase is Phase.AFTER
    extended = status(period(4, 2), day)
    assert (extended.phase, extended.week, extended.weeks, extended.extended_by) == (
        Phase.DURING,
        6,
        6,
        2,
    )
    assert extended.days_left == 7
