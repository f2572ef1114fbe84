"""Posts Slack refuses for good are parked and counted; posts that may go through later are not.

Also how long a post may take: the outbox leases a message for longer than that.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from adapters.slack.client import JITTER, MAX_RETRY_AFTER
from bot.app.outbox import LEASE_MARGIN
from tests.adapters.slack.conftest import CARLA, INCIDENT, SlackWorld, slack_runtime


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
    calls_per_attempt = 4  # the client's own retries of a 5xx
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
    # A direct message makes two Web API calls. Each makes at most 4 attempts (3 retries)
    # of at most 30 s (the shared HTTP session's limit), with at most 30.1 s between them
    # (the capped Retry-After plus jitter): 2 x (4 x 30 + 3 x 30.1) s = 7 min 0.6 s.
    assert notifier.longest_send == timedelta(minutes=7, seconds=0.6)
    assert LEASE_MARGIN == timedelta(minutes=1)
