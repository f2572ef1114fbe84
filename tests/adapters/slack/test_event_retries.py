"""Slack redelivers events; every instance sharing the database answers each one once.

Several bot instances may run behind a load balancer, or the process may restart between
Slack's retries: a retry (same event_id, X-Slack-Retry-Num) can reach a process that never saw
the first delivery. A second app instance on the same database stands in for both.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from adapters.slack.inbox import EventInbox
from adapters.slack.settings import SlackSettings
from bot.app.desk import Desk
from bot.cli.compose import Platforms, assemble
from bot.domain.models import TicketStatus
from bot.domain.policy import default_policy
from tests.adapters.slack.conftest import (
    ACME_CHANNEL,
    AGNES,
    CARLA,
    INCIDENT,
    MONDAY_9,
    SECRET,
    SlackWorld,
    slack_runtime,
)
from tests.conftest import Database, migrated_store
from tests.fakes import FixedClock, InMemoryStore


class _Seen(logging.Handler):
    """Sets `seen` when a record whose message starts with `prefix` arrives."""

    def __init__(self, prefix: str) -> None:
        super().__init__(logging.INFO)
        self.prefix = prefix
        self.seen = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith(self.prefix):
            self.seen.set()


@contextlib.contextmanager
def _logged(prefix: str) -> Any:
    """Watch the Slack adapter's log (INFO and up) for a message."""
    logger = logging.getLogger("adapters.slack")
    handler, level = _Seen(prefix), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


@pytest.fixture
async def twin(slack: SlackWorld, database: Database) -> AsyncIterator[SlackWorld]:
    """A second app instance: its own process state and connections, the same database."""
    async with migrated_store(database) as store:
        desk = Desk.create(store=store, clock=FixedClock(MONDAY_9), policy=default_policy())

        async def no_sleep(seconds: float) -> None:
            return None

        settings = SlackSettings(
            signing_secret=SECRET, bot_token="xoxb-test", api_url=slack.fake.api_url
        )
        server = await assemble(desk, Platforms(slack=settings), tick=3600, sleep=no_sleep)
        test_server = TestServer(server.web_app, host="127.0.0.1")
        await test_server.start_server()
        try:
            yield dataclasses.replace(
                slack, desk=desk, server=server, url=str(test_server.make_url("/"))
            )
        finally:
            await slack_runtime(server).background.idle()
            await test_server.close()


def _dm(user: str, text: str) -> dict[str, Any]:
    return {
        "type": "message",
        "channel": f"D{user}",
        "channel_type": "im",
        "user": user,
        "text": text,
        "ts": "1764489800.000100",
    }


def _posts_to(slack: SlackWorld, channel: str) -> list[Any]:
    return [p for p in slack.fake.of("chat.postMessage") if p.args["channel"] == channel]


_MENTION = {
    "type": "app_mention",
    "channel": ACME_CHANNEL,
    "user": CARLA,
    "text": "<@UBOT> what's current uptime?",
    "ts": "1764489900.000200",
}


@pytest.mark.parametrize(
    ("event", "answered_by"),
    [(_dm(CARLA, "help"), "chat.postMessage"), (_MENTION, "chat.postEphemeral")],
    ids=["direct message", "mention"],
)
async def test_a_retry_reaching_another_instance_is_not_answered_again(
    slack: SlackWorld, twin: SlackWorld, event: dict[str, Any], answered_by: str
) -> None:
    first = await slack.event(event, event_id="Ev0TWICE")
    await slack.fake.wait_for(answered_by)

    with _logged("ignoring repeated event slack:T0001:Ev0TWICE") as ignored:
        retry = await twin.event(event, event_id="Ev0TWICE", retry=1)
        await asyncio.wait_for(ignored.seen.wait(), 5)

    assert first.status == retry.status == 200
    [answer] = slack.fake.of(answered_by)
    assert answer.args["channel"] == event["channel"]
    assert [c.method for c in slack.fake.calls if c.method.startswith("chat.")] == [answered_by]


async def test_a_typed_action_retried_on_another_instance_runs_once(
    slack: SlackWorld, twin: SlackWorld
) -> None:
    ticket = await slack.file(CARLA, INCIDENT)
    dm = _dm(AGNES, f"ack {ticket.ref}")
    await slack.event(dm, event_id="Ev0ACKONCE")
    await slack.fake.wait_for("chat.update")  # the announcement redrawn: the action ran

    with _logged("ignoring repeated event slack:T0001:Ev0ACKONCE") as ignored:
        await twin.event(dm, event_id="Ev0ACKONCE", retry=1)
        await asyncio.wait_for(ignored.seen.wait(), 5)

    [answer] = _posts_to(slack, f"D{AGNES}")
    assert answer.args["text"].startswith(f"{ticket.ref} is now acknowledged.")
    async with twin.desk.store.unit() as uow:
        assert (await uow.tickets.get(ref=ticket.ref)).status is TicketStatus.ACKNOWLEDGED
        events = await uow.tickets.events(ref=ticket.ref)
    assert [e.action for e in events if e.actor == f"slack:{AGNES}"] == ["status"]


@pytest.mark.parametrize("where", ["same instance", "other instance"])
async def test_an_event_whose_handling_failed_is_handled_on_retry(
    slack: SlackWorld, twin: SlackWorld, where: str
) -> None:
    slack.fake.fail_next("chat.postMessage", status=200, body={"ok": False, "error": "fatal_error"})
    dm = _dm(CARLA, "help")

    with _logged("unexpected error handling a Slack request") as failed:
        await slack.event(dm, event_id="Ev0AGAIN")
        await asyncio.wait_for(failed.seen.wait(), 5)  # logged after the claim was given back
    retrier = slack if where == "same instance" else twin
    await retrier.event(dm, event_id="Ev0AGAIN", retry=1)

    await slack.fake.wait_for("chat.postMessage", 2)
    lost, answered = _posts_to(slack, f"D{CARLA}")
    assert not lost.result["ok"] and answered.result["ok"]
    assert "ticket" in answered.args["text"].lower()


async def test_claims_older_than_a_day_are_forgotten_as_new_events_arrive(store: Any) -> None:
    clock = FixedClock(MONDAY_9)
    inbox = EventInbox(store, clock)
    ran: list[str] = []

    async def deliver(event_id: str) -> None:
        body = {"type": "event_callback", "team_id": "T0001", "event_id": event_id}

        async def work() -> None:
            ran.append(event_id)

        await inbox.once(body, None, work)

    await deliver("Ev0OLD")
    clock.advance(hours=23)
    await deliver("Ev0NEW")
    await deliver("Ev0OLD")  # a retry within the day: still remembered
    clock.advance(hours=2)
    await deliver("Ev0LATER")  # prunes what was claimed more than a day ago

    assert ran == ["Ev0OLD", "Ev0NEW", "Ev0LATER"]
    async with store.unit() as uow:
        assert await uow.inbox.claim(key="slack:T0001:Ev0OLD", at=clock.now())
        assert not await uow.inbox.claim(key="slack:T0001:Ev0NEW", at=clock.now())


async def test_payloads_that_are_not_events_are_handled_without_a_claim() -> None:
    store = InMemoryStore()
    inbox = EventInbox(store, FixedClock(MONDAY_9))
    ran: list[int] = []

    async def work() -> None:
        ran.append(1)

    for _ in range(2):
        await inbox.once({"type": "block_actions"}, "T0001", work)
    assert ran == [1, 1] and store.state.inbox == {}
