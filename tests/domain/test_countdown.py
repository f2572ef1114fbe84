"""The SLA countdown schedule: thresholds, breach and reminders in business time, with catch-up."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.calendar import BusinessCalendar
from bot.domain.countdown import (
    DueMilestone,
    Milestone,
    MilestoneKind,
    due_milestone,
    milestones,
    next_due_at,
    next_milestone,
)
from bot.domain.policy import PriorityKey, default_policy
from tests.domain.oracle import CPH

POLICY = default_policy()
CALENDAR = BusinessCalendar(POLICY)
FRIDAY_1550 = datetime(2026, 11, 20, 15, 50, tzinfo=CPH)


def cph(*args: int) -> datetime:
    return datetime(*args, tzinfo=CPH)


def schedule(
    opened: datetime, priority: str, *, reminders: int = 0, expedited: bool = False
) -> list[tuple[str, datetime]]:
    found = milestones(
        CALENDAR,
        POLICY,
        opened=opened,
        priority=priority,
        reminders=reminders,
        expedited=expedited,
    )
    return [(m.key, m.at) for m in found]


def due(
    opened: datetime,
    priority: str,
    now: datetime,
    done: Collection[str] = (),
    *,
    responded_at: datetime | None = None,
    expedited: bool = False,
) -> DueMilestone | None:
    return due_milestone(
        CALENDAR,
        POLICY,
        opened=opened,
        priority=priority,
        now=now,
        done_keys=done,
        responded_at=responded_at,
        expedited=expedited,
    )


def following(
    opened: datetime,
    priority: str,
    done: Collection[str] = (),
    *,
    responded_at: datetime | None = None,
    expedited: bool = False,
) -> Milestone | None:
    return next_milestone(
        CALENDAR,
        POLICY,
        opened=opened,
        priority=priority,
        done_keys=done,
        responded_at=responded_at,
        expedited=expedited,
    )


def test_policy_holds_the_countdown_settings() -> None:
    assert POLICY.countdown_thresholds == (0.5, 0.75, 0.9)
    assert POLICY.hypercare_countdown_thresholds == (0.25, 0.5, 0.75)
    assert POLICY.breach_reminder_minutes == 60


def test_highest_filed_friday_1550_counts_down_on_monday_morning() -> None:
    # 10 business minutes on Friday, none at the weekend, the rest on Monday.
    assert schedule(FRIDAY_1550, "highest", reminders=9) == [
        ("highest:50", cph(2026, 11, 23, 8, 20)),
        ("highest:75", cph(2026, 11, 23, 8, 35)),
        ("highest:90", cph(2026, 11, 23, 8, 44)),
        ("highest:breach", cph(2026, 11, 23, 8, 50)),
        ("highest:reminder-1", cph(2026, 11, 23, 9, 50)),
        ("highest:reminder-2", cph(2026, 11, 23, 10, 50)),
        ("highest:reminder-3", cph(2026, 11, 23, 11, 50)),
        ("highest:reminder-4", cph(2026, 11, 23, 12, 50)),
        ("highest:reminder-5", cph(2026, 11, 23, 13, 50)),
        ("highest:reminder-6", cph(2026, 11, 23, 14, 50)),
        ("highest:reminder-7", cph(2026, 11, 23, 15, 50)),
        # 10 minutes of Monday are left at 15:50; the other 50 come on Tuesday morning.
        ("highest:reminder-8", cph(2026, 11, 24, 8, 50)),
        ("highest:reminder-9", cph(2026, 11, 24, 9, 50)),
    ]


def test_medium_filed_friday_1550_reaches_its_breach_on_monday_afternoon() -> None:
    assert schedule(FRIDAY_1550, "medium", reminders=2) == [
        ("medium:50", cph(2026, 11, 23, 11, 50)),
        ("medium:75", cph(2026, 11, 23, 13, 50)),
        ("medium:90", cph(2026, 11, 23, 15, 2)),
        ("medium:breach", cph(2026, 11, 23, 15, 50)),
        # The reminder after an afternoon breach waits for the next morning, not 16:50.
        ("medium:reminder-1", cph(2026, 11, 24, 8, 50)),
        ("medium:reminder-2", cph(2026, 11, 24, 9, 50)),
    ]


def test_milestones_say_time_left_and_how_late() -> None:
    found = milestones(CALENDAR, POLICY, opened=FRIDAY_1550, priority="medium", reminders=2)
    assert [m.kind for m in found] == [MilestoneKind.THRESHOLD] * 3 + [
        MilestoneKind.BREACH,
        MilestoneKind.REMINDER,
        MilestoneKind.REMINDER,
    ]
    assert [m.label for m in found] == ["50", "75", "90", "breach", "reminder-1", "reminder-2"]
    assert [m.number for m in found] == [0, 0, 0, 0, 1, 2]
    assert [m.remaining for m in found] == [
        timedelta(hours=4),
        timedelta(hours=2),
        timedelta(minutes=48),
        timedelta(0),
        timedelta(hours=-1),
        timedelta(hours=-2),
    ]
    assert [m.fraction for m in found] == [
        Fraction(1, 2),
        Fraction(3, 4),
        Fraction(9, 10),
        1,
        Fraction(9, 8),
        Fraction(5, 4),
    ]
    assert all(m.elapsed + m.remaining == timedelta(hours=8) for m in found)


def test_expedited_ticket_counts_down_from_a_quarter() -> None:
    assert schedule(FRIDAY_1550, "highest", expedited=True) == [
        ("highest:25", cph(2026, 11, 23, 8, 5)),
        ("highest:50", cph(2026, 11, 23, 8, 20)),
        ("highest:75", cph(2026, 11, 23, 8, 35)),
        ("highest:breach", cph(2026, 11, 23, 8, 50)),
    ]


@pytest.mark.parametrize(
    ("opened", "priority", "expected"),
    [
        # Christmas Eve and Christmas Day are bank closing days, then the weekend. 50 % runs
        # out exactly at Wednesday's closing and is due at 16:00, not at the next opening.
        (
            cph(2026, 12, 23, 12),
            "medium",
            [cph(2026, 12, 23, 16), cph(2026, 12, 28, 10), cph(2026, 12, 28, 11, 12)],
        ),
        # Constitution Day, Friday 5 June 2026, is closed.
        (
            cph(2026, 6, 4, 14),
            "high",
            [cph(2026, 6, 4, 16), cph(2026, 6, 8, 9), cph(2026, 6, 8, 9, 36)],
        ),
        # Ascension Day (14 May 2026) and the Friday after it are closed.
        (
            cph(2026, 5, 13, 15),
            "high",
            [cph(2026, 5, 18, 9), cph(2026, 5, 18, 10), cph(2026, 5, 18, 10, 36)],
        ),
    ],
)
def test_closing_days_stop_the_countdown(
    opened: datetime, priority: str, expected: list[datetime]
) -> None:
    found = schedule(opened, priority, reminders=1)
    assert [at for _, at in found[:3]] == expected
    breach, reminder = found[3][1], found[4][1]
    assert CALENDAR.business_time_between(opened, breach) == timedelta(
        hours=POLICY.priority(priority).first_response_hours
    )
    assert CALENDAR.business_time_between(breach, reminder) == timedelta(hours=1)


def test_spring_forward_weekend_costs_no_business_time() -> None:
    # Friday 27 March 2026 12:00 CET; clocks go forward on Sunday 29 March.
    found = schedule(cph(2026, 3, 27, 12), "low", reminders=1)
    assert found == [
        ("low:50", cph(2026, 3, 30, 10)),
        ("low:75", cph(2026, 3, 30, 13)),
        ("low:90", cph(2026, 3, 30, 14, 48)),
        ("low:breach", cph(2026, 3, 30, 16)),
        ("low:reminder-1", cph(2026, 3, 31, 9)),
    ]
    assert found[0][1] == datetime(2026, 3, 30, 8, tzinfo=UTC)  # CEST, UTC+2
    assert found[0][1].utcoffset() == timedelta(hours=2)


def test_fall_back_weekend_costs_no_business_time() -> None:
    # Friday 23 October 2026 14:00 CEST; clocks go back on Sunday 25 October.
    found = schedule(cph(2026, 10, 23, 14), "high", reminders=1)
    assert found == [
        ("high:50", cph(2026, 10, 23, 16)),
        ("high:75", cph(2026, 10, 26, 9)),
        ("high:90", cph(2026, 10, 26, 9, 36)),
        ("high:breach", cph(2026, 10, 26, 10)),
        ("high:reminder-1", cph(2026, 10, 26, 11)),
    ]
    assert found[1][1] == datetime(2026, 10, 26, 8, tzinfo=UTC)  # CET, UTC+1


def test_reminders_skip_the_evening_and_the_weekend() -> None:
    # Highest at Friday 14:00: due 15:00, first reminder at closing, the next on Monday.
    assert schedule(cph(2026, 11, 20, 14), "highest", reminders=3)[3:] == [
        ("highest:breach", cph(2026, 11, 20, 15)),
        ("highest:reminder-1", cph(2026, 11, 20, 16)),
        ("highest:reminder-2", cph(2026, 11, 23, 9)),
        ("highest:reminder-3", cph(2026, 11, 23, 10)),
    ]


def test_a_tick_posts_each_milestone_once_and_nothing_between() -> None:
    opened = cph(2026, 11, 23, 8)  # Monday, Medium: 50 % at 12:00
    done: list[str] = []
    posted: list[tuple[datetime, str]] = []
    now = opened
    while now < cph(2026, 11, 24, 12):
        found = due(opened, "medium", now, done)
        if found is not None:
            assert found.skipped == ()
            posted.append((now, found.milestone.key))
            done.extend(found.keys)
        now += timedelta(minutes=1)
    assert posted == [
        (cph(2026, 11, 23, 12), "medium:50"),
        (cph(2026, 11, 23, 14), "medium:75"),
        (cph(2026, 11, 23, 15, 12), "medium:90"),
        (cph(2026, 11, 23, 16), "medium:breach"),
        (cph(2026, 11, 24, 9), "medium:reminder-1"),
        (cph(2026, 11, 24, 10), "medium:reminder-2"),
        (cph(2026, 11, 24, 11), "medium:reminder-3"),
    ]


def test_each_milestone_is_due_at_its_instant_and_not_a_microsecond_before() -> None:
    opened = cph(2026, 11, 23, 8)
    found = milestones(CALENDAR, POLICY, opened=opened, priority="medium", reminders=2)
    tick = timedelta(microseconds=1)
    for before, m in zip([None, *found], found, strict=False):
        done = [] if before is None else [before.key]
        assert due(opened, "medium", m.at - tick, done) is None
        now = due(opened, "medium", m.at, done)
        assert now is not None and (now.milestone, now.skipped) == (m, ())


def test_catch_up_after_downtime_posts_only_the_current_state() -> None:
    opened = cph(2026, 11, 23, 8)
    found = due(opened, "medium", cph(2026, 11, 23, 15))  # down since 08:00: 87.5 % elapsed
    assert found is not None
    assert (found.milestone.key, found.skipped) == ("medium:75", ("medium:50",))
    assert found.keys == ("medium:50", "medium:75")
    assert due(opened, "medium", cph(2026, 11, 23, 15), found.keys) is None
    assert next_due_at(
        CALENDAR,
        POLICY,
        opened=opened,
        priority="medium",
        done_keys=found.keys,
        responded_at=None,
    ) == cph(2026, 11, 23, 15, 12)

    # Down again until Tuesday noon: 90 %, breach and three reminders go by in one post.
    later = due(opened, "medium", cph(2026, 11, 24, 12, 30), found.keys)
    assert later is not None
    assert later.milestone.key == "medium:reminder-4"
    assert later.milestone.at == cph(2026, 11, 24, 12)
    assert later.skipped == (
        "medium:90",
        "medium:breach",
        "medium:reminder-1",
        "medium:reminder-2",
        "medium:reminder-3",
    )


def test_only_the_newest_done_key_matters() -> None:
    opened = cph(2026, 11, 23, 8)
    # The caller recorded only the posted key, not the skipped ones: nothing older comes back.
    assert due(opened, "medium", cph(2026, 11, 23, 15), ["medium:75"]) is None
    assert due(opened, "medium", cph(2026, 11, 23, 15), ["medium:75", "medium:50"]) is None
    assert following(opened, "medium", ["medium:75"]) == following(
        opened, "medium", ["medium:50", "medium:75"]
    )


def test_earlier_thresholds_coming_into_force_do_not_post_stale_ones() -> None:
    opened = cph(2026, 11, 23, 8)  # High, 4 h: 50 % at 10:00
    now = cph(2026, 11, 23, 10, 30)
    assert due(opened, "high", now, ["high:50"], expedited=True) is None
    nxt = following(opened, "high", ["high:50"], expedited=True)
    assert nxt is not None and (nxt.key, nxt.at) == ("high:75", cph(2026, 11, 23, 11))
    # Expedited from the start, the 25 % post comes at 09:00.
    first = due(opened, "high", cph(2026, 11, 23, 9), expedited=True)
    assert first is not None and first.milestone.key == "high:25"


def test_first_response_stops_the_countdown() -> None:
    opened = cph(2026, 11, 23, 8)
    responded = cph(2026, 11, 23, 13)
    assert due(opened, "medium", cph(2026, 11, 25, 9), responded_at=responded) is None
    assert due(opened, "medium", responded, responded_at=responded) is None
    # The 50 % post came before the response, the 75 % one would come after it.
    assert following(opened, "medium", responded_at=responded) is not None
    assert following(opened, "medium", ["medium:50"], responded_at=responded) is None
    assert (
        next_due_at(
            CALENDAR,
            POLICY,
            opened=opened,
            priority="medium",
            done_keys=["medium:50"],
            responded_at=responded,
        )
        is None
    )
    # A response recorded after `now` (a tick as of an earlier instant) is not yet seen.
    early = due(opened, "medium", cph(2026, 11, 23, 12, 30), responded_at=responded)
    assert early is not None and early.milestone.key == "medium:50"


def test_a_response_exactly_at_a_milestone_stops_it() -> None:
    opened = cph(2026, 11, 23, 8)
    assert following(opened, "medium", responded_at=cph(2026, 11, 23, 12)) is None


def test_raised_priority_moves_to_the_new_clock_at_once() -> None:
    opened = cph(2026, 11, 23, 8)
    # Medium until 10:00 (nothing posted yet: its 50 % is at 12:00), then raised to Highest.
    # Two business hours have gone: Highest breached at 09:00 and is an hour late.
    found = due(opened, "highest", cph(2026, 11, 23, 10))
    assert found is not None
    assert (found.milestone.key, found.milestone.remaining) == (
        "highest:reminder-1",
        timedelta(hours=-1),
    )
    assert found.skipped == ("highest:50", "highest:75", "highest:90", "highest:breach")


def test_lowered_priority_is_not_silenced_by_the_old_clock() -> None:
    opened = cph(2026, 11, 23, 8)
    done = ["high:50", "high:75"]  # posted at 10:00 and 11:00
    # Lowered to Low at 11:30: its own 50 % (6 h) is at 14:00, and the old keys do not count.
    assert due(opened, "low", cph(2026, 11, 23, 11, 30), done) is None
    assert next_due_at(
        CALENDAR, POLICY, opened=opened, priority="low", done_keys=done, responded_at=None
    ) == cph(2026, 11, 23, 14)
    low = due(opened, "low", cph(2026, 11, 23, 14), done)
    assert low is not None and (low.milestone.key, low.skipped) == ("low:50", ())
    # Raised back to High at 14:00: 50 % and 75 % are not repeated; 90 %, the breach at 12:00
    # and the first reminder went by unposted and are one post with the second reminder.
    back = due(opened, "high", cph(2026, 11, 23, 14), [*done, "low:50"])
    assert back is not None
    assert back.milestone.key == "high:reminder-2"
    assert back.skipped == ("high:90", "high:breach", "high:reminder-1")


def test_lowered_to_a_priority_with_an_equally_long_name_keeps_its_own_clock() -> None:
    opened = cph(2026, 11, 23, 8)
    # "medium:50" was posted at 12:00; lowered to Lowest (16 h), whose 50 % is at 16:00.
    found = due(opened, "lowest", cph(2026, 11, 23, 16), ["medium:50"])
    assert found is not None and found.milestone.key == "lowest:50"


def test_keys_of_other_kinds_are_ignored() -> None:
    opened = cph(2026, 11, 23, 8)
    noise = ["medium", "medium:", "medium:soon", "medium:reminder-x", "medium:0", "x:breach"]
    found = due(opened, "medium", cph(2026, 11, 23, 12), noise)
    assert found is not None and found.milestone.key == "medium:50"


def test_naive_instants_and_unknown_priorities_are_refused() -> None:
    naive = datetime(2026, 11, 23, 8)
    with pytest.raises(ValueError, match="opened must be timezone-aware"):
        milestones(CALENDAR, POLICY, opened=naive, priority="high")
    with pytest.raises(ValueError, match="now must be timezone-aware"):
        due(cph(2026, 11, 23, 8), "high", naive)
    with pytest.raises(ValueError, match="responded_at must be timezone-aware"):
        due(cph(2026, 11, 23, 8), "high", cph(2026, 11, 23, 9), responded_at=naive)
    with pytest.raises(ValueError, match="responded_at must be timezone-aware"):
        following(cph(2026, 11, 23, 8), "high", responded_at=naive)
    with pytest.raises(ValueError, match="urgent"):
        milestones(CALENDAR, POLICY, opened=cph(2026, 11, 23, 8), priority="urgent")
    with pytest.raises(ValueError, match="reminders must not be negative"):
        milestones(CALENDAR, POLICY, opened=cph(2026, 11, 23, 8), priority="high", reminders=-1)


def test_thresholds_and_interval_come_from_the_policy() -> None:
    policy = replace(POLICY, countdown_thresholds=(0.125, 0.8), breach_reminder_minutes=30)
    calendar = BusinessCalendar(policy)
    opened = cph(2026, 11, 23, 8)
    found = milestones(calendar, policy, opened=opened, priority="medium", reminders=2)
    assert [(m.key, m.at) for m in found] == [
        ("medium:12.5", cph(2026, 11, 23, 9)),
        ("medium:80", cph(2026, 11, 23, 14, 24)),
        ("medium:breach", cph(2026, 11, 23, 16)),
        ("medium:reminder-1", cph(2026, 11, 24, 8, 30)),
        ("medium:reminder-2", cph(2026, 11, 24, 9)),
    ]


# Instants between 2026 and 2028 at whole seconds, anywhere in the day and the week.
instants = st.integers(
    int(datetime(2026, 1, 1, tzinfo=UTC).timestamp()),
    int(datetime(2028, 1, 1, tzinfo=UTC).timestamp()),
).map(lambda s: datetime.fromtimestamp(s, UTC))
priorities = st.sampled_from(list(PriorityKey))


@settings(max_examples=200, deadline=None)
@given(opened=instants, priority=priorities, expedited=st.booleans())
def test_milestones_fall_inside_hours_in_increasing_order(
    opened: datetime, priority: PriorityKey, expedited: bool
) -> None:
    found = milestones(
        CALENDAR, POLICY, opened=opened, priority=priority, expedited=expedited, reminders=20
    )
    ats = [m.at for m in found]
    assert ats == sorted(set(ats))
    for m in found:
        # Open, or exactly at closing when the business time ran out there.
        assert CALENDAR.is_open(m.at) or CALENDAR.is_open(m.at - timedelta(microseconds=1))
        assert CALENDAR.business_time_between(opened, m.at) == m.elapsed


@settings(max_examples=200, deadline=None)
@given(
    opened=instants,
    priority=priorities,
    expedited=st.booleans(),
    delay=st.integers(0, 30 * 86_400),
)
def test_the_due_milestone_is_the_newest_crossed_and_the_next_one_is_later(
    opened: datetime, priority: PriorityKey, expedited: bool, delay: int
) -> None:
    now = opened + timedelta(seconds=delay)
    kwargs = {"opened": opened, "priority": priority, "expedited": expedited}
    found = due_milestone(CALENDAR, POLICY, now=now, done_keys=(), responded_at=None, **kwargs)
    done = () if found is None else found.keys
    if found is not None:
        assert found.milestone.at <= now
    nxt = next_milestone(CALENDAR, POLICY, done_keys=done, responded_at=None, **kwargs)
    assert nxt is not None and nxt.at > now
    if found is not None:
        everything = milestones(CALENDAR, POLICY, reminders=found.milestone.number, **kwargs)
        assert list(found.keys) == [m.key for m in everything if m.at <= now]


def test_a_threshold_is_reached_at_the_first_microsecond_past_its_fraction() -> None:
    policy = replace(POLICY, countdown_thresholds=(1 / 7, 0.5))
    calendar = BusinessCalendar(policy)
    opened = cph(2026, 11, 23, 8)
    first, second, *_ = milestones(calendar, policy, opened=opened, priority="highest")
    wanted = Fraction(str(1 / 7))
    assert first.label == "14.285714285714285"
    assert (
        first.fraction >= wanted > (first.elapsed - timedelta(microseconds=1)) / timedelta(hours=1)
    )
    # Its key read back names the same instant, so the next one is 50 %, not a repeat.
    after = next_milestone(
        calendar,
        policy,
        opened=opened,
        priority="highest",
        done_keys=[first.key],
        responded_at=None,
    )
    assert after == second
