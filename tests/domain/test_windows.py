"""Which clock notice a service window owes, as a pure function of the window and now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.models import ServiceWindow
from bot.domain.windows import END_NOTICE_FOR, Phase, WindowProblem, check_times, due_phase

START = datetime(2026, 12, 1, 19, 0, tzinfo=UTC)
END = START + timedelta(hours=3)
ANNOUNCED = START - timedelta(days=2)


def window(**kw: object) -> ServiceWindow:
    values: dict[str, object] = {
        "id": 1,
        "service": None,
        "start": START,
        "end": END,
        "reason": "Upgrade",
        "revised_at": ANNOUNCED,
    }
    values.update(kw)
    return ServiceWindow(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("now", "phase"),
    [
        (ANNOUNCED, None),
        (START - timedelta(hours=24, seconds=1), None),
        (START - timedelta(hours=24), Phase.SOON),
        (START - timedelta(seconds=1), Phase.SOON),
        (START, Phase.STARTED),
        (END - timedelta(seconds=1), Phase.STARTED),
        (END, Phase.ENDED),
        (END + END_NOTICE_FOR, Phase.ENDED),
        (END + END_NOTICE_FOR + timedelta(seconds=1), None),
    ],
)
def test_only_the_current_phase_is_owed(now, phase):
    assert due_phase(window(), now) is phase


def test_a_phase_before_the_latest_revision_is_covered_by_it():
    late = window(revised_at=START - timedelta(hours=5))
    assert due_phase(late, START - timedelta(hours=4)) is None
    assert due_phase(late, START) is Phase.STARTED
    under_way = window(revised_at=START + timedelta(minutes=5))
    assert due_phase(under_way, START + timedelta(minutes=6)) is None
    assert due_phase(under_way, END) is Phase.ENDED


def test_a_cancelled_window_owes_nothing():
    assert due_phase(window(state="cancelled"), START) is None


def test_a_window_recorded_before_notices_existed_owes_the_phases_ahead():
    assert due_phase(window(revised_at=None), START) is Phase.STARTED


def test_lengths_count_real_hours_across_a_dst_change():
    from zoneinfo import ZoneInfo

    cph = ZoneInfo("Europe/Copenhagen")
    # 7 days by the wall clock across the October change is 7 days and 1 hour: too long.
    start = datetime(2027, 10, 27, 12, 0, tzinfo=cph)
    with pytest.raises(WindowProblem, match="at most 7 days"):
        check_times(start, start + timedelta(days=7), now=start, longest_days=7)
