"""Two `supportbot serve` processes on one PostgreSQL database post each announcement once.

Slack answers chat.postMessage slowly (300 ms), so while one instance is posting an
announcement the other drains the outbox too: it must not take the message the first is
sending. Tickets are filed alternately through both instances, as Slack would spread them.
Every wait is for a condition, polled with a deadline.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import sys
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import pytest

from bot.app.desk import Desk
from bot.domain.policy import default_policy
from storage import SqlStore, open_store
from tests.adapters.slack.conftest import ACME_CHANNEL, CARLA, SECRET, TEAM, _seed, sign, submission
from tests.adapters.slack.fake_slack import FakeSlack
from tests.app.conftest import MONDAY_9
from tests.conftest import Database, fresh_database
from tests.fakes import FixedClock

pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"), reason="several instances need PostgreSQL"
)

SUPPORTBOT = str(Path(sys.executable).parent / "supportbot")
TICKETS = 20
DEADLINE = 90.0  # seconds, generous for a loaded 2-CPU machine; a hang fails the test
POLL = 0.05  # seconds between looks at the database
INQUIRY = {
    "summary": "How do we add a location?",
    "description": "We opened a new store and want it in the sync.",
    "affected": "inquiry",
    "category": "configuration",
}


@pytest.fixture
async def shared_database(tmp_path: Path) -> AsyncIterator[Database]:
    """A fresh PostgreSQL schema with Acme and its Slack contacts."""
    async with fresh_database("postgresql", tmp_path) as database:
        store = await open_store(database.url, search_path=database.search_path)
        try:
            clock = FixedClock(MONDAY_9)
            await _seed(Desk.create(store=store, clock=clock, policy=default_policy()))
        finally:
            await store.close()
        yield database


async def _start(database: Database, fake: FakeSlack) -> tuple[asyncio.subprocess.Process, str]:
    """A `supportbot serve` process; returns it and its base URL once it serves."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env.update(
        DATABASE_URL=database.env_url,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_API_URL=fake.api_url,
        SUPPORTBOT_NOW=MONDAY_9.isoformat(),
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
    line = (await process.stdout.readline()).decode()
    found = re.search(r"serving on (http://127\.0\.0\.1:\d+)", line)
    assert found, line or (await process.stderr.read()).decode()  # type: ignore[union-attr]
    return process, found.group(1) + "/"


async def _post_form(http: aiohttp.ClientSession, url: str, form: dict[str, str]) -> str:
    body = urlencode(form)
    headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(body)}
    async with http.post(url + "slack/events", data=body, headers=headers) as response:
        assert response.status == 200, await response.text()
        return await response.text()


async def _file(http: aiohttp.ClientSession, url: str, fake: FakeSlack, number: int) -> None:
    """/ticket in Acme's channel, then submit the modal Slack was asked to open."""
    await _post_form(
        http,
        url,
        {
            "command": "/ticket",
            "text": "",
            "user_id": CARLA,
            "team_id": TEAM,
            "channel_id": ACME_CHANNEL,
            "trigger_id": f"trigger-two-{number}",
            "response_url": fake.response_url(f"two{number}"),
        },
    )
    opened = (await fake.wait_for("views.open", number + 1, timeout=DEADLINE))[number]
    assert opened.args["trigger_id"] == f"trigger-two-{number}" and opened.result["ok"]
    payload = submission(dict(opened.result["view"]), INQUIRY, CARLA)
    answer = json.loads(await _post_form(http, url, {"payload": json.dumps(payload)}))
    assert answer["response_action"] == "update", answer


def _announcements(fake: FakeSlack) -> Counter[str]:
    """Posts in Acme's channel outside any thread, by the ticket reference they name."""
    refs: Counter[str] = Counter()
    for call in fake.of("chat.postMessage"):
        if call.args.get("channel") == ACME_CHANNEL and not call.args.get("thread_ts"):
            found = re.search(r"SUP-\d+", json.dumps(call.args))
            refs[found.group(0) if found else "?"] += 1
    return refs


async def _settled(store: SqlStore) -> bool:
    """Every ticket filed and announced, and nothing left to send: no instance is sending
    (a message being sent is leased, so it is due at any instant after its lease)."""
    far = MONDAY_9 + timedelta(days=365)
    async with store.unit() as uow:
        tickets = await uow.tickets.query(limit=TICKETS + 1)
        unsent = await uow.outbox.due(now=far)
    return len(tickets) == TICKETS and all(t.thread for t in tickets) and not unsent


async def test_two_instances_post_each_announcement_once(
    shared_database: Database, fake_slack: FakeSlack
) -> None:
    fake_slack.delays["chat.postMessage"] = 0.3
    servers = [await _start(shared_database, fake_slack) for _ in range(2)]
    store = await open_store(
        shared_database.url, search_path=shared_database.search_path, upgrade=False
    )
    try:
        async with asyncio.timeout(DEADLINE), aiohttp.ClientSession() as http:
            for number in range(TICKETS):
                _, url = servers[number % 2]
                await _file(http, url, fake_slack, number)
            while not await _settled(store):
                await asyncio.sleep(POLL)
        async with store.unit() as uow:
            tickets = await uow.tickets.query(limit=TICKETS)
    finally:
        await store.close()
        for process, _ in servers:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
        for process, _ in servers:
            await asyncio.wait_for(process.wait(), DEADLINE)

    posted = _announcements(fake_slack)
    assert sorted(posted) == [f"SUP-{1001 + n}" for n in range(TICKETS)]
    assert set(posted.values()) == {1}, posted
    # Both honoured SUPPORTBOT_NOW: their clocks start there and run on in whole minutes.
    assert all(MONDAY_9 <= t.opened_at <= MONDAY_9 + timedelta(seconds=DEADLINE) for t in tickets)
