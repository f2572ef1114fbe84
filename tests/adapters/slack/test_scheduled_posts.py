"""`serve` runs the job scheduler in its lifecycle: ticks post to Slack through the outbox.

A job local to the test stands in for the SLA countdown: it sends Carla a direct message
saying the desk's time, keyed by that time, so a tick repeated at the same instant posts
nothing new. The scheduler is driven through its API; waits are on the fake Slack's calls.
"""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestServer

from adapters.slack.settings import PLATFORM, SlackSettings
from bot.app.desk import Desk
from bot.app.messages.text import when
from bot.app.outbox import post_to_user
from bot.app.replies import Reply
from bot.cli.compose import Platforms, assemble
from bot.domain.models import Identity
from bot.domain.policy import default_policy
from bot.jobs import Every, Job
from bot.jobs.scheduler import JobScheduler
from tests.adapters.slack.conftest import CARLA, SECRET, _seed
from tests.adapters.slack.fake_slack import FakeSlack
from tests.app.conftest import MONDAY_9
from tests.fakes import FixedClock

WAIT = 5.0


async def remind(desk: Desk) -> int:
    """Queue one reminder to Carla as of the desk's time (once per instant)."""
    now = desk.now()
    async with desk.store.unit() as uow:
        if await uow.outbox.get(dedupe_key=f"remind:{now.isoformat()}") is not None:
            return 0
        await post_to_user(
            uow,
            to=Identity(PLATFORM, CARLA),
            reply=Reply(text=f"It is {when(now, desk.policy)}."),
            dedupe_key=f"remind:{now.isoformat()}",
            at=now,
        )
    return 1


def _texts(fake: FakeSlack) -> list[Any]:
    return [call.args.get("text") for call in fake.of("chat.postMessage")]


async def test_serve_starts_the_scheduler_whose_ticks_reach_slack_and_stops_it(
    store: Any, fake_slack: FakeSlack
) -> None:
    clock = FixedClock(MONDAY_9)
    desk = Desk.create(store=store, clock=clock, policy=default_policy())
    await _seed(desk)
    settings = SlackSettings(
        signing_secret=SECRET, bot_token="xoxb-test", api_url=fake_slack.api_url
    )
    # The pump's own tick is an hour: only the scheduler's wake-up can deliver promptly.
    server = await assemble(
        desk, Platforms(slack=settings), tick=3600, jobs=[Job("remind", Every(3600), remind)]
    )
    [scheduler] = [hook for hook in server.hooks if isinstance(hook, JobScheduler)]
    test_server = TestServer(server.web_app, host="127.0.0.1")
    await test_server.start_server()
    try:
        await fake_slack.wait_for("chat.postMessage", 1, timeout=WAIT)  # the tick at start
        assert _texts(fake_slack) == ["It is Mon 30 Nov 2026 09:00 (Copenhagen time)."]

        clock.advance(hours=2)
        scheduler.trigger("remind")
        await fake_slack.wait_for("chat.postMessage", 2, timeout=WAIT)
        assert _texts(fake_slack)[1] == "It is Mon 30 Nov 2026 11:00 (Copenhagen time)."

        scheduler.trigger("remind")  # the same instant again: nothing new
        await scheduler.ticked("remind", 3)
        await server.pump.next_round()
        assert len(fake_slack.of("chat.postMessage")) == 2
    finally:
        await test_server.close()
    try:
        scheduler.trigger("remind")
    except RuntimeError as exc:
        assert "not started" in str(exc)
    else:
        raise AssertionError("the scheduler outlived the server")
