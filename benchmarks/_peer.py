"""businesstimedelta set up with the same calendar as bot.domain.calendar: the benchmark peer."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytz
from businesstimedelta import HolidayRule, Rules, WorkDayRule

from bot.domain.policy import Policy
from bot.domain.reference_holidays import DanishBankHolidays


def business_rule(policy: Policy) -> Any:
    """Mon-Fri opening hours, Danish public and bank holidays and extra closing days, pytz zone."""
    tz = pytz.timezone(policy.timezone.key)
    workday = WorkDayRule(
        start_time=policy.opens, end_time=policy.closes, working_days=[0, 1, 2, 3, 4], tz=tz
    )
    closed = DanishBankHolidays(bank_holidays=policy.bank_holidays)
    closed.update({day.date: day.name for day in policy.extra_closing_days})
    return Rules([workday, HolidayRule(closed, tz=tz)])


def random_cases(policy: Policy, n: int, seed: int = 2026) -> list[tuple[datetime, int]]:
    """`n` (opened, hours) pairs: instants 2025-2030, a fifth of them exactly at open or close."""
    rng = random.Random(seed)
    first = datetime(2025, 1, 1, tzinfo=UTC)
    span = int((datetime(2031, 1, 1, tzinfo=UTC) - first).total_seconds())
    hours = [p.first_response_hours for p in policy.priorities]
    cases = []
    for _ in range(n):
        opened = first + timedelta(seconds=rng.randrange(span))
        if rng.random() < 0.2:
            local = opened.astimezone(policy.timezone)
            edge = rng.choice((policy.opens, policy.closes))
            opened = local.replace(hour=edge.hour, minute=edge.minute, second=0)
        cases.append((opened, rng.choice(hours)))
    return cases
