"""Signatures, rate limits and server errors: nothing forged gets in, nothing real is lost."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time
from typing import Any
from urllib.parse import urlencode

import pytest
from aiohttp.test_utils import TestServer

from adapters.slack.settings import SlackSettings
from bot.app.desk import Desk
from bot.cli.compose import Platforms, assemble
from bot.domain.models import CustomerChannel
from bot.domain.policy import default_policy
from tests.adapters.slack.conftest import (
    CARLA,
    INCIDENT,
    MONDAY_9,
    SECRET,
    SlackWorld,
    sign,
    slack_runtime,
    submission,
)
from tests.adapters.slack.fake_slack import FakeSlack
from tests.fakes import FixedClock


def _command_body(user: str = CARLA) -> str:
    return urlencode(
        {
            "command": "/ticket",
            "text": "",
            "user_id": user,
            "team_id": "T0001",
            "channel_id": "C0ACME",
            "trigger_id": "trigger-forged",
            "response_url": "http://127.0.0.1:9/none",
        }
    )


async def test_a_wrong_signature_gets_401_and_touches_nothing(slack: SlackWorld) -> None:
    response = await slack.post(
        _command_body(), "application/x-www-form-urlencoded", secret="not-the-secret"
    )

    assert response.status == 401
    await slack_runtime(slack.server).background.idle()
    assert slack.fake.calls == []


async def test_a_stale_signature_gets_401(slack: SlackWorld) -> None:
    six_minutes_ago = int(time.time()) - 6 * 60
    response = await slack.post(
        _command_body(), "application/x-www-form-urlencoded", timestamp=six_minutes_ago
    )

    assert response.status == 401
    assert slack.fake.calls == []


async def test_a_missing_signature_gets_401(slack: SlackWorld) -> None:
    async with slack.http.post(
        slack.url + "slack/events",
        data=_command_body(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    ) as response:
        assert response.status == 401


async def test_a_forged_submission_files_nothing(slack: SlackWorld) -> None:
    view = await slack.open_modal(CARLA)
    body = urlencode({"payload": json.dumps(submission(view, INCIDENT, CARLA))})

    response = await slack.post(body, "application/x-www-form-urlencoded", secret="forged")

    assert response.status == 401
    assert await slack.tickets() == []


async def test_a_rate_limited_post_waits_as_long_as_slack_asks(slack: SlackWorld) -> None:
    slack.fake.fail_next(
        "chat.postMessage",
        status=429,
        headers={"Retry-After": "7"},
        body={"ok": False, "error": "ratelimited"},
    )

    ticket = await slack.file(CARLA, INCIDENT)

    attempts = slack.fake.of("chat.postMessage")
    assert len(attempts) == 2
    assert attempts[0].result["error"] == "ratelimited" and attempts[1].result["ok"]
    assert len(slack.sleeps) == 1 and 7 <= slack.sleeps[0] < 8
    assert ticket.thread is not None and ticket.thread.thread == attempts[1].result["ts"]


async def test_server_errors_are_retried_with_growing_backoff(slack: SlackWorld) -> None:
    slack.fake.fail_next("views.open", status=503, times=2)

    await slack.command(CARLA, "")

    calls = await slack.fake.wait_for("views.open", 3)
    assert [c.result["ok"] for c in calls] == [False, False, True]
    assert len(slack.sleeps) == 2 and slack.sleeps[0] < slack.sleeps[1]


async def test_a_post_from_the_outbox_is_not_repeated_blindly_after_a_5xx(
    slack: SlackWorld,
) -> None:
    # Slack may have taken a post it answers 500 for: the outbox retries it after looking.
    slack.fake.fail_next("chat.postMessage", status=503)
    view = await slack.open_modal(CARLA)
    await slack.submit(view, INCIDENT, CARLA)
    await slack.fake.wait_for("chat.postMessage", 1)
    await slack.server.pump.next_round()

    slack.clock.advance(minutes=1)  # past the outbox's first retry
    await slack.server.pump.next_round()

    [ticket] = await slack.tickets()
    assert ticket.thread is not None
    assert [c.method for c in slack.fake.calls if c.method.startswith(("chat.", "conv"))] == [
        "chat.postMessage",
        "conversations.history",
        "chat.postMessage",
    ]


async def test_a_post_that_keeps_failing_stays_in_the_outbox(slack: SlackWorld) -> None:
    slack.fake.fail_next("chat.postMessage", status=500)  # not retried at once: it may be there
    view = await slack.open_modal(CARLA)
    await slack.submit(view, INCIDENT, CARLA)

    await slack.fake.wait_for("chat.postMessage", 1)
    await slack.server.pump.next_round()

    async with slack.desk.store.unit() as uow:
        [ticket] = await uow.tickets.query()
        waiting = await uow.outbox.due(now=slack.clock.advance(minutes=5))
    assert ticket.thread is None
    assert [type(m.target) for m in waiting] == [CustomerChannel]
    assert waiting[0].attempts == 1 and waiting[0].last_error

    await slack.server.pump.next_round()  # the retry is due now: it goes out

    await slack.fake.wait_for("chat.postMessage", 2)
    await slack.server.pump.next_round()
    async with slack.desk.store.unit() as uow:
        posted = await uow.tickets.get(ref=ticket.ref)
    assert posted is not None and posted.thread is not None


async def test_health(slack: SlackWorld) -> None:
    async with slack.http.get(slack.url + "healthz") as response:
        assert response.status == 200
        health = await response.json()
    assert health["status"] == "ok"
    assert health["runtimes"] == {"slack": {"mode": "http", "workspaces": "single"}}


async def test_slack_can_verify_the_events_url(slack: SlackWorld) -> None:
    body = json.dumps({"token": "legacy", "challenge": "3eZbrw1aB", "type": "url_verification"})
    headers = {"Content-Type": "application/json", **sign(body)}

    async with slack.http.post(slack.url + "slack/events", data=body, headers=headers) as resp:
        assert resp.status == 200
        assert "3eZbrw1aB" in await resp.text()


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ('{"type": "event_callback", "event": ', "application/json"),
        ("[1, 2]", "application/json"),
        ("payload=%7Bnot+json", "application/x-www-form-urlencoded"),
        ("payload=%5B%5D", "application/x-www-form-urlencoded"),
    ],
    ids=["truncated-json", "json-array", "bad-payload", "payload-array"],
)
async def test_a_signed_but_malformed_body_gets_400(
    slack: SlackWorld, body: str, content_type: str, caplog: pytest.LogCaptureFixture
) -> None:
    response = await slack.post(body, content_type)

    assert response.status == 400
    assert "Traceback" not in caplog.text and not any(r.exc_info for r in caplog.records)
    assert slack.fake.calls == []


async def test_a_signed_body_that_is_not_utf8_gets_400(slack: SlackWorld) -> None:
    body = b'{"type": "\xff"}'
    ts = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256)
    headers = {
        "Content-Type": "application/json",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": f"v0={digest.hexdigest()}",
    }
    async with slack.http.post(slack.url + "slack/events", data=body, headers=headers) as resp:
        assert resp.status == 400


class _Logged(logging.Handler):
    """Sets `seen` when a record at WARNING or above arrives."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []
        self.seen = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.seen.set()


async def test_events_while_slack_is_unreachable_are_accepted_and_logged_in_a_line(
    slack: SlackWorld,
) -> None:
    logged = _Logged()
    logging.getLogger("adapters.slack").addHandler(logged)
    try:
        await slack.fake.stop()  # Slack's Web API is gone; Slack itself still sends events
        response = await slack.event(
            {
                "type": "message",
                "channel": "D0CARLA",
                "channel_type": "im",
                "user": CARLA,
                "text": "help",
                "ts": "1764489800.000100",
            },
            event_id="Ev0UNREACHABLE",
        )

        assert response.status == 200  # the token was checked at start-up, not per request
        await asyncio.wait_for(logged.seen.wait(), 5)  # the answer could not be posted
    finally:
        logging.getLogger("adapters.slack").removeHandler(logged)
    [record] = logged.records
    assert record.getMessage().startswith("Slack Web API unreachable: Cannot connect to host")
    assert record.exc_info is None
    assert len(slack.sleeps) == 3  # retried with backoff, on the fake clock's sleep


async def test_start_up_checks_the_bot_token_once(store: Any, fake_slack: FakeSlack) -> None:
    desk = Desk.create(store=store, clock=FixedClock(MONDAY_9), policy=default_policy())
    settings = SlackSettings(
        signing_secret=SECRET, bot_token="xoxb-test", api_url=fake_slack.api_url
    )
    server = await assemble(desk, Platforms(slack=settings), tick=3600)
    test_server = TestServer(server.web_app, host="127.0.0.1")
    await test_server.start_server()
    try:
        [checked] = fake_slack.calls
        assert checked.method == "auth.test" and checked.token == "xoxb-test"
    finally:
        await test_server.close()
