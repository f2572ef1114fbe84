"""Signatures, rate limits and server errors: nothing forged gets in, nothing real is lost."""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

from tests.adapters.slack.conftest import CARLA, INCIDENT, SlackWorld, sign, submission


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
    await slack.server.slack.background.idle()
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
    slack.fake.fail_next("chat.postMessage", status=503, times=2)

    ticket = await slack.file(CARLA, INCIDENT)

    assert len(slack.fake.of("chat.postMessage")) == 3
    assert len(slack.sleeps) == 2 and slack.sleeps[0] < slack.sleeps[1]
    assert ticket.thread is not None


async def test_a_post_that_keeps_failing_stays_in_the_outbox(slack: SlackWorld) -> None:
    slack.fake.fail_next("chat.postMessage", status=500, times=4)  # 1 try + 3 retries
    view = await slack.open_modal(CARLA)
    await slack.submit(view, INCIDENT, CARLA)

    await slack.fake.wait_for("chat.postMessage", 4)
    await slack.server.pump.next_round()

    async with slack.desk.store.unit() as uow:
        [ticket] = await uow.tickets.query()
        waiting = await uow.outbox.due(now=slack.clock.advance(minutes=5))
    assert ticket.thread is None
    assert [m.target["kind"] for m in waiting] == ["customer_channel"]
    assert waiting[0].attempts == 1 and waiting[0].last_error

    await slack.server.pump.next_round()  # the retry is due now: it goes out

    await slack.fake.wait_for("chat.postMessage", 5)
    await slack.server.pump.next_round()
    async with slack.desk.store.unit() as uow:
        posted = await uow.tickets.get(ref=ticket.ref)
    assert posted is not None and posted.thread is not None


async def test_health(slack: SlackWorld) -> None:
    async with slack.http.get(slack.url + "healthz") as response:
        assert response.status == 200
        assert (await response.json())["status"] == "ok"


async def test_slack_can_verify_the_events_url(slack: SlackWorld) -> None:
    body = json.dumps({"token": "legacy", "challenge": "3eZbrw1aB", "type": "url_verification"})
    headers = {"Content-Type": "application/json", **sign(body)}

    async with slack.http.post(slack.url + "slack/events", data=body, headers=headers) as resp:
        assert resp.status == 200
        assert "3eZbrw1aB" in await resp.text()
