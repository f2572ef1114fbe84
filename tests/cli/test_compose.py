"""The composition root's clock: SUPPORTBOT_NOW fixes time for every command, or says why not."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.cli.compose import clock
from bot.cli.main import CliError, main


def test_without_a_fixed_instant_time_runs() -> None:
    before = datetime.now(UTC)
    now = clock({}).now()
    assert before <= now <= datetime.now(UTC)


def test_a_fixed_instant_stops_the_clock_there() -> None:
    fixed = clock({"SUPPORTBOT_NOW": "2026-11-30T09:00:00+01:00"})
    assert fixed.now() == datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    assert fixed.now() == fixed.now()


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("monday", "not an ISO 8601 instant: 'monday'"),
        ("2026-11-30T09:00", "2026-11-30T09:00 must be timezone-aware"),
    ],
)
def test_a_bad_fixed_instant_is_named(value: str, problem: str) -> None:
    with pytest.raises(CliError, match=f"^SUPPORTBOT_NOW: {problem}"):
        clock({"SUPPORTBOT_NOW": value})


def test_serve_refuses_a_bad_fixed_instant_before_serving(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "secret")
    monkeypatch.setenv("SUPPORTBOT_NOW", "soon")

    assert main(["serve", "--port", "1"]) == 2

    out, err = capsys.readouterr()
    assert out == ""
    assert err == "supportbot: error: SUPPORTBOT_NOW: not an ISO 8601 instant: 'soon'\n"


def test_serve_and_chat_start_their_clock_at_the_instant_and_let_it_run_on() -> None:
    from bot.app.clock import RunningClock

    running = clock({"SUPPORTBOT_NOW": "2026-11-30T09:00:00+01:00"}, running=True)
    assert isinstance(running, RunningClock)
    # Less than a minute has passed since: it still reads the instant, to the microsecond.
    assert running.now() == datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def test_without_an_instant_a_running_clock_is_the_system_clock() -> None:
    from bot.app.clock import SystemClock

    assert isinstance(clock({}, running=True), SystemClock)
