"""`supportbot jobs run`: one tick as of an instant, delivered through the configured chats.

The command runs in a thread (it has its own event loop), against the test database and a
fake Slack Web API served on this test's loop.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable
from typing import Any

import pytest

from adapters.slack.settings import PLATFORM
from bot.app.desk import Desk
from bot.app.filing import file_ticket
from bot.domain.models import Identity
from bot.domain.policy import default_policy
from bot.jobs import JOBS, Every, Job
from storage import open_store
from tests.adapters.console.test_console import INCIDENT_LINES
from tests.adapters.slack.conftest import ACME_CHANNEL, CARLA, SECRET, _seed
from tests.adapters.slack.fake_slack import FakeSlack
from tests.adapters.slack.test_scheduled_posts import remind
from tests.app.conftest import INCIDENT, MONDAY_9, valid
from tests.fakes import FixedClock

Cli = Callable[..., tuple[int, str, str]]


@pytest.fixture
async def fake_slack() -> Any:
    fake = FakeSlack()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def store(cli: Cli) -> Any:
    """The CLI's own database, migrated the way the CLI migrates it."""
    sql_store = await open_store()
    yield sql_store
    await sql_store.close()


@pytest.fixture
def slack_env(monkeypatch: pytest.MonkeyPatch, fake_slack: FakeSlack) -> FakeSlack:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    monkeypatch.setenv("SLACK_API_URL", fake_slack.api_url)
    for name in ("SLACK_APP_TOKEN", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "SUPPORTBOT_NOW"):
        monkeypatch.delenv(name, raising=False)
    return fake_slack


@pytest.fixture
def remind_job(monkeypatch: pytest.MonkeyPatch) -> None:
    """A test job registered beside the real ones, as sla and windows are."""
    monkeypatch.setattr("bot.jobs.JOBS", (*JOBS, Job("remind", Every(30), remind)))


async def _run(cli: Cli, *argv: str) -> tuple[int, str, str]:
    return await asyncio.to_thread(cli, *argv)


async def _file_a_slack_ticket(store: Any) -> None:
    desk = Desk.create(store=store, clock=FixedClock(MONDAY_9), policy=default_policy())
    await _seed(desk)
    await file_ticket(desk, reporter=Identity(PLATFORM, CARLA), answers=valid(INCIDENT))


async def test_the_outbox_job_delivers_queued_posts_once(
    cli: Cli, store: Any, slack_env: FakeSlack
) -> None:
    await _file_a_slack_ticket(store)

    first = await _run(cli, "jobs", "run", "outbox", "--now", "2026-11-30T09:01:00+01:00")
    again = await _run(cli, "jobs", "run", "outbox", "--now", "2026-11-30T09:01:00+01:00")

    assert first == (0, "outbox: 0 posts queued, 1 post sent\n", "")
    assert again == (0, "outbox: 0 posts queued, 0 posts sent\n", "")
    [post] = slack_env.of("chat.postMessage")
    assert post.args["channel"] == ACME_CHANNEL
    assert "SUP-1001" in post.args["text"]


async def test_a_tick_as_of_an_instant_posts_once_however_often_it_runs(
    cli: Cli, store: Any, slack_env: FakeSlack, remind_job: None
) -> None:
    desk = Desk.create(store=store, clock=FixedClock(MONDAY_9), policy=default_policy())
    await _seed(desk)

    first = await _run(cli, "jobs", "run", "remind", "--now", "2026-11-30T15:00:00+01:00")
    again = await _run(cli, "jobs", "run", "remind", "--now", "2026-11-30T15:00:00+01:00")
    later = await _run(cli, "jobs", "run", "remind", "--now", "2026-11-30T16:00:00+01:00")

    assert first == (0, "remind: 1 post queued, 1 post sent\n", "")
    assert again == (0, "remind: 0 posts queued, 0 posts sent\n", "")
    assert later == (0, "remind: 1 post queued, 1 post sent\n", "")
    assert [c.args["text"] for c in slack_env.of("chat.postMessage")] == [
        "It is Mon 30 Nov 2026 15:00 (Copenhagen time).",
        "It is Mon 30 Nov 2026 16:00 (Copenhagen time).",
    ]


async def test_supportbot_now_is_the_instant_without_now(
    cli: Cli,
    store: Any,
    slack_env: FakeSlack,
    remind_job: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SUPPORTBOT_NOW", "2026-12-01T10:30:00+01:00")
    assert await _run(cli, "jobs", "run", "remind") == (
        0,
        "remind: 1 post queued, 1 post sent\n",
        "",
    )
    [post] = slack_env.of("chat.postMessage")
    assert post.args["text"] == "It is Tue 01 Dec 2026 10:30 (Copenhagen time)."


def test_posts_for_a_chat_not_configured_here_wait_for_serve(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, remind_job: None
) -> None:
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_CLIENT_ID"):
        monkeypatch.delenv(name, raising=False)
    # A direct message to a Slack user, and no Slack here: queued, not sent.
    assert cli("jobs", "run", "remind", "--now", "2026-11-30T15:00:00+01:00") == (
        0,
        "remind: 1 post queued, 0 posts sent\n",
        "",
    )


@pytest.mark.parametrize(
    ("argv", "complaint"),
    [
        (["--now", "tomorrow"], "supportbot: error: --now: not an ISO 8601 instant: 'tomorrow'\n"),
        (
            ["--now", "2026-11-30T15:00"],
            "supportbot: error: --now: 2026-11-30T15:00 must be timezone-aware, "
            "got naive 2026-11-30T15:00:00\n",
        ),
    ],
)
def test_a_bad_instant_is_one_line_and_status_2(cli: Cli, argv: list[str], complaint: str) -> None:
    assert cli("jobs", "run", "outbox", *argv) == (2, "", complaint)


def test_an_unknown_job_is_one_line_and_status_2(cli: Cli) -> None:
    status, out, err = cli("jobs", "run", "payroll")
    assert (status, out) == (2, "")
    assert err.count("\n") == 1
    assert "invalid choice: 'payroll'" in err


def test_chat_runs_the_sla_countdown_and_clock_shows_what_falls_due(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SUPPORTBOT_NOW", "2026-11-30T09:00:00+01:00")
    lines = [*INCIDENT_LINES, "/clock", "/clock +4h", "/as agent", "/clock +1d", "/clock"]
    monkeypatch.setattr("sys.stdin", io.StringIO("".join(f"{x}\n" for x in lines)))

    status, out, err = cli("chat")

    assert (status, err) == (0, "")
    assert "First response due: Tue 01 Dec 2026 09:00 (Copenhagen time)" in out
    assert "bot> It is Mon 30 Nov 2026 09:00 (Copenhagen time)." in out
    assert (
        "bot> The clock is now Mon 30 Nov 2026 13:00 (Copenhagen time). "
        "1 scheduled post fell due.\n"
        "[posted to #Nordlys Retail A/S, in the ticket's thread]\n"
        "  | 50 % of the first-response time of SUP-1001 has passed without a first response."
    ) in out
    assert "bot> The clock is now Tue 01 Dec 2026 13:00 (Copenhagen time)." in out
    # After the breach, the agent sees the escalation in the provider's own channel.
    assert "[posted to #Fjordsoft ApS]" in out
    assert "is 4 h of business time late" in out
    assert "bot> It is Tue 01 Dec 2026 13:00 (Copenhagen time)." in out


async def test_the_sla_tick_posts_the_countdown_in_slack_once(
    cli: Cli, store: Any, slack_env: FakeSlack
) -> None:
    await _file_a_slack_ticket(store)
    assert (await _run(cli, "jobs", "run", "outbox", "--now", "2026-11-30T09:00:00+01:00"))[0] == 0
    [announcement] = slack_env.of("chat.postMessage")

    first = await _run(cli, "jobs", "run", "sla", "--now", "2026-11-30T13:00:00+01:00")
    again = await _run(cli, "jobs", "run", "sla", "--now", "2026-11-30T13:00:00+01:00")

    assert first[0] == 0 and first[1].startswith("sla: 1 post queued, "), first
    assert again == (0, "sla: 0 posts queued, 0 posts sent\n", "")
    [_, countdown] = slack_env.of("chat.postMessage")
    assert countdown.args["thread_ts"] == announcement.result["ts"]
    assert "50 % of the first-response time of SUP-1001 has passed" in countdown.args["text"]


def test_chat_runs_the_window_notices_and_clock_shows_them(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SUPPORTBOT_NOW", "2026-11-30T09:00:00+01:00")
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert cli("chat")[0] == 0  # the demo customer
    window = ("--start", "2026-12-02T18:00+01:00", "--end", "2026-12-02T20:00+01:00")
    assert cli("window", "add", *window, "--reason", "Database upgrade")[0] == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("/clock +1d10h\n/clock +1d\n"))

    status, out, err = cli("chat")

    assert (status, err) == (0, "")
    assert (
        "bot> The clock is now Tue 01 Dec 2026 19:00 (Copenhagen time). "
        "1 scheduled post fell due.\n"
        "[posted to #Nordlys Retail A/S]\n"
        "  | Reminder: service window Wed 02 Dec 2026 18:00\n"
    ) in out
    assert "  | Service window started\n" in out
