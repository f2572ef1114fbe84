"""Posts Slack refuses for good are parked and counted; posts that may go through later are
retried through an outage and parked only when Slack keeps failing for a day. A retry of a post
Slack may have taken looks for it first (its key in message metadata).

Also how long a post may take: the outbox leases a message for longer than that.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from adapters.slack.client import JITTER, MAX_RETRY_AFTER
from bot.app.outbox import LEASE_MARGIN
from tests.adapters.slack.conftest import (
    ACME_CHANNEL,
    CARLA,
    INCIDENT,
    SlackWorld,
    slack_runtime,
)


async def _announcement_attempts(slack: SlackWorld) -> tuple[int, bool]:
    """How often the announcement was tried, and whether it is parked."""
    async with slack.desk.store.unit() as uow:
        message = await uow.outbox.get(dedupe_key="announce:SUP-1001:slack")
    assert message is not None and message.sent_at is None
    return message.attempts, message.parked_at is not None


async def _health(slack: SlackWorld) -> dict[str, int]:
    async with slack.http.get(slack.url + "healthz") as response:
        assert response.status == 200
        outbox: dict[str, int] = (await response.json())["outbox"]
    return outbox


@pytest.mark.parametrize("error", ["not_in_channel", "channel_not_found", "is_archived"])
async def test_a_channel_slack_refuses_for_good_parks_the_announcement(
    slack: SlackWorld, error: str
) -> None:
    park_after = slack.desk.policy.outbox_park_after_attempts
    slack.fake.fail_next(
        "chat.postMessage", status=200, body={"ok": False, "error": error}, times=park_after + 1
    )
    view = await slack.open_modal(CARLA)
    await slack.submit(view, INCIDENT, CARLA)
    await slack.fake.wait_for("chat.postMessage", 1)
    await slack.server.pump.next_round()

    for attempt in range(1, park_after + 1):
        assert await _announcement_attempts(slack) == (attempt, attempt == park_after)
        slack.clock.advance(hours=2)  # past any backoff
        await slack.server.pump.next_round()

    assert len(slack.fake.of("chat.postMessage")) == park_after  # and not one more
    assert (await _health(slack))["parked"] == 1
    async with slack.desk.store.unit() as uow:
        [parked] = await uow.outbox.parked()
    assert parked.last_error == f"UndeliverableError: Slack refused it: {error}"


async def test_slack_failing_for_a_while_is_retried_for_as_long_as_it_lasts(
    slack: SlackWorld,
) -> None:
    park_after = slack.desk.policy.outbox_park_after_attempts
    calls_per_attempt = 1  # a 5xx may have posted: the client does not retry it blindly
    slack.fake.fail_next("chat.postMessage", status=503, times=calls_per_attempt * park_after)
    view = await slack.open_modal(CARLA)
    await slack.submit(view, INCIDENT, CARLA)
    await slack.fake.wait_for("chat.postMessage", calls_per_attempt)
    await slack.server.pump.next_round()

    for _ in range(park_after):
        slack.clock.advance(hours=2)
        await slack.server.pump.next_round()

    assert (await _health(slack))["parked"] == 0
    [ticket] = await slack.tickets()
    assert ticket.thread is not None  # the attempt after the outage went out


async def test_a_retry_after_a_5xx_finds_the_post_slack_took_and_does_not_repeat_it(
    slack: SlackWorld,
) -> None:
    # Slack posted the message but answered 500.
    slack.fake.fail_next("chat.postMessage", status=500)
    view = await slack.open_modal(CARLA)
    await slack.submit(view, INCIDENT, CARLA)
    await slack.fake.wait_for("chat.postMessage", 1)
    await slack.server.pump.next_round()
    key = "announce:SUP-1001:slack"
    taken = {
        "type": "message",
        "ts": "1700000000.999999",
        "text": "SUP-1001",
        "metadata": {"event_type": "supportbot_post", "event_payload": {"key": key}},
    }
    slack.fake.messages.setdefault(ACME_CHANNEL, []).append(taken)

    slack.clock.advance(hours=1)
    await slack.server.pump.next_round()

    assert len(slack.fake.of("chat.postMessage")) == 1  # not posted again
    assert len(slack.fake.of("conversations.history")) == 1
    [ticket] = await slack.tickets()
    assert ticket.thread is not None and ticket.thread.thread == "1700000000.999999"


async def test_slack_failing_for_ever_parks_the_post_after_a_day_and_counts_it(
    slack: SlackWorld,
) -> None:
    slack.fake.fail_next("chat.postMessage", status=500, times=1_000_000)
    view = await slack.open_modal(CARLA)
    await slack.submit(view, INCIDENT, CARLA)
    await slack.fake.wait_for("chat.postMessage", 1)
    await slack.server.pump.next_round()
    give_up = timedelta(hours=slack.desk.policy.outbox_give_up_after_hours)
    queued = slack.clock.now()

    hours = 0
    while not (await _announcement_attempts(slack))[1]:
        assert hours <= 30, "never parked"
        slack.clock.advance(hours=1)  # past any backoff (at most an hour)
        hours += 1
        await slack.server.pump.next_round()

    attempts, _ = await _announcement_attempts(slack)
    assert attempts == hours + 1  # retried every hour through the outage
    assert slack.clock.now() - queued == give_up  # and parked once it had failed for a day
    assert (await _health(slack))["parked"] == 1
    calls = len(slack.fake.of("chat.postMessage"))
    slack.clock.advance(days=7)
    await slack.server.pump.next_round()
    assert len(slack.fake.of("chat.postMessage")) == calls  # not retried for ever


async def test_a_long_retry_after_is_waited_only_so_long(slack: SlackWorld) -> None:
    slack.fake.fail_next(
        "chat.postMessage",
        status=429,
        headers={"Retry-After": "3600"},
        body={"ok": False, "error": "ratelimited"},
    )

    await slack.file(CARLA, INCIDENT)

    assert len(slack.sleeps) == 1 and MAX_RETRY_AFTER <= slack.sleeps[0] < MAX_RETRY_AFTER + JITTER


def test_a_delivery_is_leased_for_longer_than_it_can_take(slack: SlackWorld) -> None:
    notifier = slack_runtime(slack.server).notifier
    # An attempt at a post in doubt looks for it first (conversations.open and 3 pages), then
    # a direct message makes two Web API calls. Each call makes at most 4 attempts (3
    # retries) of at most 30 s (the shared HTTP session's limit), with at most 30.1 s between
    # them (the capped Retry-After plus jitter): 6 x (4 x 30 + 3 x 30.1) s = 21 min 1.8 s.
    assert notifier.longest_send == timedelta(minutes=21, seconds=1.8)
    assert LEASE_MARGIN == timedelta(minutes=1)
