"""Exactly once with real `supportbot serve` processes against the fake Slack Web API.

- Killed mid-send: Slack takes the announcement but the process is killed (SIGKILL) before
  it hears back, so the outbox never learns that it was posted. Restarted past the lease, the
  bot finds the post by the dedupe key in its metadata, records its thread, and posts nothing
  twice; the thread post queued meanwhile lands in that thread.
- Two processes draining one PostgreSQL database full of queued posts: each key posted once.
- Two SLA ticks run at once in two processes on one PostgreSQL database, then drained: each
  ticket's countdown posted once.

Every wait is for a condition with a deadline: the fake Slack's record of calls, or the
database polled until it says the work is done.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import sys
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from adapters.slack.settings import PLATFORM
from bot.app.actions import act
from bot.app.desk import Desk
from bot.app.filing import file_ticket
from bot.app.outbox import post_to_user
from bot.app.replies import Reply
from bot.domain.lifecycle import Action
from bot.domain.models import Identity, OutboxMessage
from bot.domain.policy import default_policy
from storage import SqlStore, open_store
from tests.adapters.slack.conftest import ACME_CHANNEL, AGNES, CARLA, SECRET, _seed
from tests.adapters.slack.fake_slack import FakeSlack
from tests.app.conftest import INCIDENT, MONDAY_9, valid
from tests.conftest import BACKENDS, Database, fresh_database
from tests.fakes import FixedClock

SUPPORTBOT = str(Path(sys.executable).parent / "supportbot")
DEADLINE = 90.0  # seconds, generous for a loaded 2-CPU machine; a hang fails the test
POLL = 0.05  # seconds between looks at the database
ANNOUNCEMENT = "announce:SUP-1001:slack"
# Past the announcement's lease: Slack's longest send (21 min 1.8 s) plus the margin (1 min).
AFTER_THE_LEASE = MONDAY_9 + timedelta(minutes=25)
QUEUED = 200  # posts queued for the two instances
TICKETS = 30  # tickets whose countdowns two SLA ticks race for
# One SLA tick in a process of its own, as of SUPPORTBOT_NOW; prints how many posts it queued.
# (`supportbot jobs run sla` once the scheduler's command exists.)
SLA_TICK = """
import asyncio
from bot.cli.compose import open_desk
from bot.jobs import sla

async def tick():
    async with open_desk() as wired:
        print(await sla.run(wired.desk), flush=True)

asyncio.run(tick())
"""


@pytest.fixture(params=BACKENDS)
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A fresh database (SQLite file, or PostgreSQL schema) with Acme and its contacts."""
    async with fresh_database(request.param, tmp_path) as database:
        yield database


@pytest.fixture
async def store(database: Database) -> AsyncIterator[SqlStore]:
    """The test's own connection to the database the processes use, migrated and seeded."""
    opened = await open_store(database.url, search_path=database.search_path)
    await _seed(_desk(opened))
    yield opened
    await opened.close()


def _desk(store: SqlStore) -> Desk:
    return Desk.create(store=store, clock=FixedClock(MONDAY_9), policy=default_policy())


async def _serve(
    database: Database, fake: FakeSlack, *, now: str, token: str = "xoxb-test"
) -> asyncio.subprocess.Process:
    """A `supportbot serve` process with its clock at `now`, once it serves."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env.update(
        DATABASE_URL=database.env_url,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_BOT_TOKEN=token,
        SLACK_API_URL=fake.api_url,
        SUPPORTBOT_NOW=now,
    )
    with socket.socket() as probe:  # a free loopback port
        probe.bind(("127.0.0.1", 0))
        port = str(probe.getsockname()[1])
    process = await asyncio.create_subprocess_exec(
        SUPPORTBOT,
        *("serve", "--host", "127.0.0.1", "--port", port),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    line = (await asyncio.wait_for(process.stdout.readline(), DEADLINE)).decode()
    found = re.search(r"serving on http://127\.0\.0\.1:\d+", line)
    assert found, line or (await process.stderr.read()).decode()  # type: ignore[union-attr]
    return process


async def _stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
    await asyncio.wait_for(process.wait(), DEADLINE)


async def _message(store: SqlStore, key: str) -> OutboxMessage:
    async with store.unit() as uow:
        found = await uow.outbox.get(dedupe_key=key)
    assert found is not None
    return found


async def _all_sent(store: SqlStore) -> bool:
    """Nothing left to send, now or at any later instant (a leased message is due then)."""
    async with store.unit() as uow:
        return not await uow.outbox.due(now=MONDAY_9 + timedelta(days=365), limit=1)


def _posted_keys(fake: FakeSlack) -> Counter[str]:
    """How many posts Slack holds per outbox key (from their message metadata)."""
    return Counter(
        str(m["metadata"]["event_payload"]["key"])
        for messages in fake.messages.values()
        for m in messages
        if m.get("metadata")
    )


async def test_killed_between_send_and_mark_then_restarted_posts_once(
    database: Database, store: SqlStore, fake_slack: FakeSlack
) -> None:
    desk = _desk(store)
    await file_ticket(desk, reporter=Identity(PLATFORM, CARLA), answers=valid(INCIDENT))
    # Slack takes the post, and its answer never comes before the kill.
    fake_slack.holds["chat.postMessage"] = asyncio.Event()
    first = await _serve(database, fake_slack, now=MONDAY_9.isoformat())
    try:
        [sent] = await fake_slack.wait_for("chat.postMessage", 1, timeout=DEADLINE)
        first.send_signal(signal.SIGKILL)
        await asyncio.wait_for(first.wait(), DEADLINE)
    finally:
        await _stop(first)
    assert first.returncode == -signal.SIGKILL
    fake_slack.holds.pop("chat.postMessage").set()
    [posted] = fake_slack.posts(ANNOUNCEMENT)
    in_doubt = await _message(store, ANNOUNCEMENT)
    assert in_doubt.sent_at is None and in_doubt.lease_owner is not None  # killed mid-send
    # Meanwhile an agent acknowledges: a post in the ticket's thread and a redraw wait for it.
    await act(desk, actor=Identity(PLATFORM, AGNES), ref="SUP-1001", action=Action.ACKNOWLEDGE)

    second = await _serve(database, fake_slack, now=AFTER_THE_LEASE.isoformat())
    try:
        await fake_slack.wait_for("conversations.history", 1, timeout=DEADLINE)
        await fake_slack.wait_for("chat.update", 1, timeout=DEADLINE)
        async with asyncio.timeout(DEADLINE):
            while not await _all_sent(store):
                await asyncio.sleep(POLL)
    finally:
        await _stop(second)

    keys = _posted_keys(fake_slack)
    assert keys[ANNOUNCEMENT] == 1 and set(keys.values()) == {1}, keys
    assert len(keys) == 2  # the announcement and the acknowledgement in its thread
    announcement = await _message(store, ANNOUNCEMENT)
    assert announcement.sent_at == AFTER_THE_LEASE and announcement.result["found"] is True
    assert announcement.result["thread"] == posted["ts"] == sent.result["ts"]
    async with store.unit() as uow:
        ticket = await uow.tickets.get(ref="SUP-1001")
    assert ticket is not None and ticket.thread is not None
    assert (ticket.thread.conversation, ticket.thread.thread) == (ACME_CHANNEL, posted["ts"])
    [reply] = [c for c in fake_slack.of("chat.postMessage") if c.args.get("thread_ts")]
    assert reply.args["thread_ts"] == posted["ts"] and reply.args["channel"] == ACME_CHANNEL
    [redraw] = fake_slack.of("chat.update")
    assert redraw.args["ts"] == posted["ts"]


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="two instances need PostgreSQL")
@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
async def test_two_instances_draining_one_database_post_each_key_once(
    database: Database, store: SqlStore, fake_slack: FakeSlack
) -> None:
    fake_slack.tokens.add("xoxb-second")  # tells the instances' calls apart
    fake_slack.delays["chat.postMessage"] = 0.01  # a little slow: the instances overlap
    async with store.unit() as uow:
        for n in range(QUEUED):
            await post_to_user(
                uow,
                to=Identity(PLATFORM, CARLA),
                reply=Reply(text=f"Notice {n}"),
                dedupe_key=f"notice:{n}",
                at=MONDAY_9,
            )

    servers = await asyncio.gather(
        _serve(database, fake_slack, now=MONDAY_9.isoformat()),
        _serve(database, fake_slack, now=MONDAY_9.isoformat(), token="xoxb-second"),
    )
    try:
        await fake_slack.wait_for("chat.postMessage", QUEUED, timeout=DEADLINE)
        async with asyncio.timeout(DEADLINE):
            while not await _all_sent(store):
                await asyncio.sleep(POLL)
    finally:
        for process in servers:
            await _stop(process)

    keys = _posted_keys(fake_slack)
    assert sorted(keys) == sorted(f"notice:{n}" for n in range(QUEUED))
    assert set(keys.values()) == {1}, {k: v for k, v in keys.items() if v > 1}
    assert len(fake_slack.of("chat.postMessage")) == QUEUED
    senders = Counter(c.token for c in fake_slack.of("chat.postMessage"))
    assert set(senders) == {"xoxb-test", "xoxb-second"}, senders  # both did send


async def _sla_tick(database: Database, now: str) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env.update(DATABASE_URL=database.env_url, SUPPORTBOT_NOW=now)
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        SLA_TICK,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def _drain_with_serve(
    database: Database, store: SqlStore, fake: FakeSlack, *, now: str, posts: int
) -> None:
    """Serve until Slack saw `posts` posts in all and nothing is left to send."""
    process = await _serve(database, fake, now=now)
    try:
        await fake.wait_for("chat.postMessage", posts, timeout=DEADLINE)
        async with asyncio.timeout(DEADLINE):
            while not await _all_sent(store):
                await asyncio.sleep(POLL)
    finally:
        await _stop(process)


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="two tickers need PostgreSQL")
@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
async def test_two_sla_ticks_at_once_post_each_countdown_once(
    database: Database, store: SqlStore, fake_slack: FakeSlack
) -> None:
    desk = _desk(store)
    for _ in range(TICKETS):
        await file_ticket(desk, reporter=Identity(PLATFORM, CARLA), answers=valid(INCIDENT))
    await _drain_with_serve(
        database, store, fake_slack, now=MONDAY_9.isoformat(), posts=TICKETS
    )  # the announcements: the countdowns' threads

    later = (MONDAY_9 + timedelta(hours=5)).isoformat()  # past half of 8 h
    ticks = await asyncio.gather(*(_sla_tick(database, later) for _ in range(2)))
    outputs = [await asyncio.wait_for(t.communicate(), DEADLINE) for t in ticks]
    assert [t.returncode for t in ticks] == [0, 0], [err.decode() for _, err in outputs]
    queued = sum(int(out.decode().split()[-1]) for out, _ in outputs)
    assert queued == TICKETS  # each ticket's milestone queued by one tick or the other
    await _drain_with_serve(database, store, fake_slack, now=later, posts=2 * TICKETS)

    keys = _posted_keys(fake_slack)
    countdowns = {k: n for k, n in keys.items() if k.startswith("countdown:")}
    assert len(countdowns) == TICKETS and set(countdowns.values()) == {1}, countdowns
    assert set(keys.values()) == {1}
    threads = Counter(c.args.get("thread_ts") for c in fake_slack.of("chat.postMessage"))
    assert threads[None] == TICKETS and len(threads) == TICKETS + 1  # one post in each thread
