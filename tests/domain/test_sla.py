"""The first-response SLA clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.calendar import BusinessCalendar
from bot.domain.policy import Policy, PriorityKey, default_policy
from bot.domain.sla import SlaState, first_response_due, snapshot
from tests.domain.oracle import CPH


def cph(*args: int) -> datetime:
    return datetime(*args, tzinfo=CPH)


@pytest.fixture(scope="module")
def policy() -> Policy:
    return default_policy()


@pytest.fixture(scope="module")
def calendar(policy: Policy) -> BusinessCalendar:
    return BusinessCalendar(policy)


OPENED = cph(2026, 12, 23, 12)  # Wednesday before Christmas


@pytest.mark.parametrize(
    ("priority", "due"),
    [
        (PriorityKey.HIGHEST, cph(2026, 12, 23, 13)),
        (PriorityKey.HIGH, cph(2026, 12, 23, 16)),
        (PriorityKey.MEDIUM, cph(2026, 12, 28, 12)),
        (PriorityKey.LOW, cph(2026, 12, 28, 16)),
        (PriorityKey.LOWEST, cph(2026, 12, 29, 12)),
    ],
)
def test_first_response_due_uses_the_policy_hours(
    calendar: BusinessCalendar, policy: Policy, priority: PriorityKey, due: datetime
) -> None:
    assert first_response_due(calendar, policy, opened=OPENED, priority=priority) == due
    assert first_response_due(calendar, policy, opened=OPENED, priority=priority.value) == due


def test_on_track_then_at_risk_then_breached(calendar: BusinessCalendar, policy: Policy) -> None:
    def at(now: datetime) -> tuple[SlaState, timedelta, float]:
        s = snapshot(calendar, policy, opened=OPENED, priority="medium", now=now)
        assert s.due == cph(2026, 12, 28, 12)
        return s.state, s.remaining, s.fraction_elapsed

    assert at(cph(2026, 12, 23, 14)) == (SlaState.ON_TRACK, timedelta(hours=6), 0.25)
    # Over Christmas the clock stands still: still 4 hours left.
    assert at(cph(2026, 12, 25, 10)) == (SlaState.ON_TRACK, timedelta(hours=4), 0.5)
    assert at(cph(2026, 12, 28, 11)) == (SlaState.AT_RISK, timedelta(hours=1), 0.875)
    assert at(cph(2026, 12, 28, 12)) == (SlaState.AT_RISK, timedelta(0), 1.0)
    assert at(cph(2026, 12, 28, 13)) == (SlaState.BREACHED, timedelta(hours=-1), 1.125)


def test_at_risk_threshold_comes_from_the_policy(
    calendar: BusinessCalendar, policy: Policy
) -> None:
    assert policy.at_risk_fraction == 0.75
    threshold = cph(2026, 12, 28, 10)  # 6 of 8 business hours elapsed
    states = [
        snapshot(calendar, policy, opened=OPENED, priority="medium", now=now).state
        for now in (threshold - timedelta(seconds=1), threshold)
    ]
    assert states == [SlaState.ON_TRACK, SlaState.AT_RISK]


def test_response_on_time_is_met_and_stops_the_clock(
    calendar: BusinessCalendar, policy: Policy
) -> None:
    responded = cph(2026, 12, 23, 15)
    s = snapshot(
        calendar,
        policy,
        opened=OPENED,
        priority="high",
        now=cph(2027, 1, 10),
        responded_at=responded,
    )
    assert s.state is SlaState.MET
    assert s.remaining == timedelta(hours=1)
    assert s.fraction_elapsed == 0.75


def test_response_exactly_at_due_is_met(calendar: BusinessCalendar, policy: Policy) -> None:
    due = cph(2026, 12, 23, 16)
    s = snapshot(calendar, policy, opened=OPENED, priority="high", now=due, responded_at=due)
    assert s.state is SlaState.MET


def test_late_response_stays_breached(calendar: BusinessCalendar, policy: Policy) -> None:
    s = snapshot(
        calendar,
        policy,
        opened=OPENED,
        priority="highest",
        now=cph(2026, 12, 30, 9),
        responded_at=cph(2026, 12, 23, 14, 30),
    )
    assert s.state is SlaState.BREACHED
    assert s.remaining == timedelta(minutes=-90)


def test_response_after_now_is_not_seen_yet(calendar: BusinessCalendar, policy: Policy) -> None:
    s = snapshot(
        calendar,
        policy,
        opened=OPENED,
        priority="high",
        now=cph(2026, 12, 23, 13),
        responded_at=cph(2026, 12, 23, 15),
    )
    assert s.state is SlaState.ON_TRACK
    assert s.remaining == timedelta(hours=3)


def test_filed_outside_hours_starts_at_next_opening(
    calendar: BusinessCalendar, policy: Policy
) -> None:
    s = snapshot(
        calendar, policy, opened=cph(2026, 3, 7, 10), priority="highest", now=cph(2026, 3, 8, 20)
    )
    assert (s.due, s.state, s.fraction_elapsed) == (cph(2026, 3, 9, 9), SlaState.ON_TRACK, 0.0)


def test_naive_now_is_rejected(calendar: BusinessCalendar, policy: Policy) -> None:
    with pytest.raises(ValueError, match="now must be timezone-aware"):
        snapshot(calendar, policy, opened=OPENED, priority="high", now=datetime(2026, 12, 23))
    with pytest.raises(ValueError, match="responded_at must be timezone-aware"):
        snapshot(
            calendar,
            policy,
            opened=OPENED,
            priority="high",
            now=datetime(2026, 12, 23, tzinfo=UTC),
            responded_at=datetime(2026, 12, 23),
        )


def test_unknown_priority_is_rejected(calendar: BusinessCalendar, policy: Policy) -> None:
    with pytest.raises(ValueError, match="urgent"):
        first_response_due(calendar, policy, opened=OPENED, priority="urgent")
