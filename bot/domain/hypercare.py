"""Hypercare arithmetic: when a customer's period starts and ends, and where a day falls in it.

A period starts on the go-live date and lasts its agreed weeks plus every extension recorded
on it (an extension is recorded once both parties agreed to it, as {"weeks": N, ...}). It ends
at the start of the day `end`: the last hypercare day is the one before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from bot.domain.models import HypercarePeriod

__all__ = ["HypercareStatus", "Phase", "end_of", "extension_weeks", "status", "total_weeks"]


class Phase(StrEnum):
    """Where a day falls relative to a hypercare period."""

    BEFORE = "before"
    DURING = "during"
    AFTER = "after"


@dataclass(frozen=True, slots=True)
class HypercareStatus:
    """A period as seen on one day: `week` (1-based) and `days_left` only while it runs."""

    start: date
    end: date
    weeks: int
    extended_by: int
    phase: Phase
    week: int | None = None
    days_left: int | None = None


def extension_weeks(period: HypercarePeriod) -> int:
    """The weeks the period's recorded extensions add."""
    return sum(int(extension["weeks"]) for extension in period.extensions)


def total_weeks(period: HypercarePeriod) -> int:
    """The agreed weeks plus the extensions."""
    return period.weeks + extension_weeks(period)


def end_of(period: HypercarePeriod) -> date:
    """The first day after hypercare."""
    return period.start + timedelta(weeks=total_weeks(period))


def status(period: HypercarePeriod, today: date) -> HypercareStatus:
    """Where `today` (a date in the agreement's time zone) falls in the period."""
    end, weeks, extended = end_of(period), total_weeks(period), extension_weeks(period)
    if today < period.start:
        return HypercareStatus(period.start, end, weeks, extended, Phase.BEFORE)
    if today >= end:
        return HypercareStatus(period.start, end, weeks, extended, Phase.AFTER)
    week = (today - period.start).days // 7 + 1
    return HypercareStatus(
        period.start, end, weeks, extended, Phase.DURING, week, (end - today).days
    )
