"""The Teams endpoint served for real on loopback, talking to a fake Bot Connector.

Activities are real Bot Framework JSON posted to /api/messages; their serviceUrl names the
fake connector, which records what the bot sends. The database is the shared `store` fixture.
Tests of what the bot says (cards, intake, buttons) reuse `teams`, `message` and the fake.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from adapters.teams import PLATFORM
from adapters.teams.settings import TeamsSettings
from adapters.web.server import Server
from bot.app.desk import Desk
from bot.cli.compose import Platforms, assemble
from bot.domain.models import ChatBinding, Customer, Identity, Role, Ticket
from bot.domain.policy import default_policy
from tests.adapters.teams.fake_connector import FakeConnector
from tests.app.conftest import MONDAY_9
from tests.fakes import FixedClock

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"  # Acme's Entra tenant
VENDOR_TENANT = "0b1c2d3e-4f50-4617-8283-94a5b6c7d8e9"  # the service provider's
TEAM = "19:acme-team@thread.tacv2"
CHANNEL = "19:acme-support@thread.tacv2"
BOT = "28:00000000-0000-0000-0000-00000000b07"
CARLA = "aaaaaaaa-0000-4000-8000-00000000ca21"  # customer contact
ANDERS = "aaaaaaaa-0000-4000-8000-0000000a4de5"  # approver
AGNES = "aaaaaaaa-0000-4000-8000-0000000a9e50"  # agent (the provider's)
ERIK = "aaaaaaaa-0000-4000-8000-000000000e41"  # end user
NAMES = {CARLA: "Carla Jensen", ANDERS: "Anders Holm", AGNES: "Agnes Berg", ERIK: "Erik Lund"}

_ids = itertools.count(1)


def personal_chat(user: str) -> str:
    """The conversation id of a person's personal chat with the bot."""
    return f"a:personal-{user}"


def message(
    text: str | None,
    *,
    service_url: str,
    user: str = CARLA,
    personal: bool = False,
    tenant: str = TENANT,
    channel: str = CHANNEL,
    value: dict[str, Any] | None = None,
    activity_id: str | None = None,
    thread: str | None = None,
) -> dict[str, Any]:
    """A Teams message activity as the Bot Framework posts it: in a channel (the bot
    @mentioned, `thread` the root post it replies in) or in the user's personal chat."""
    number = next(_ids)
    mention = "<at>Supportbot</at>"
    activity: dict[str, Any] = {
        "type": "message",
        "id": activity_id or f"1764{number:09d}",
        "timestamp": "2026-11-30T08:00:00.000Z",
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": {"id": f"29:{user}", "name": NAMES.get(user, user), "aadObjectId": user},
        "recipient": {"id": BOT, "name": "Supportbot"},
        "locale": "en-US",
        "textFormat": "plain",
        "channelData": {"tenant": {"id": tenant}},
    }
    if personal:
        activity["conversation"] = {
            "conversationType": "personal",
            "tenantId": tenant,
            "id": personal_chat(user),
        }
    else:
        root = thread or activity["id"]
        activity["conversation"] = {
            "isGroup": True,
            "conversationType": "channel",
            "tenantId": tenant,
            "id": f"{channel};messageid={root}",
        }
        activity["channelData"].update(
            teamsChannelId=channel,
            teamsTeamId=TEAM,
            channel={"id": channel},
            team={"id": TEAM},
        )
        if text is not None:
            activity["entities"] = [
                {"type": "mention", "mentioned": {"id": BOT, "name": "Supportbot"}, "text": mention}
            ]
            text = f"{mention} {text}"
    if text is not None:
        activity["text"] = text
    if value is not None:
        activity["value"] = value
    return activity


def bot_added(*, service_url: str, tenant: str = TENANT, channel: str = CHANNEL) -> dict[str, Any]:
    """The conversationUpdate Teams sends when the bot is added to a team (its General
    channel, `channel`)."""
    return {
        "type": "conversationUpdate",
        "id": f"f:{next(_ids)}",
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": {"id": f"29:{CARLA}", "aadObjectId": CARLA},
        "recipient": {"id": BOT, "name": "Supportbot"},
        "conversation": {
            "isGroup": True,
            "conversationType": "channel",
            "tenantId": tenant,
            "id": channel,
        },
        "membersAdded": [{"id": BOT}],
        "channelData": {
            "tenant": {"id": tenant},
            "team": {"id": TEAM},
            "channel": {"id": channel},
            "eventType": "teamMemberAdded",
        },
    }


@dataclass
class TeamsWorld:
    """The served app, the fake connector and the desk behind them."""

    desk: Desk
    clock: FixedClock
    fake: FakeConnector
    server: Server
    http: aiohttp.ClientSession
    url: str
    acme: Customer
    sleeps: list[float] = field(default_factory=list)

    def message(self, text: str | None, **kwargs: Any) -> dict[str, Any]:
        """A message activity whose serviceUrl is the fake connector (see `message`)."""
        return message(text, service_url=self.fake.url, **kwargs)

    async def post(
        self, activity: dict[str, Any] | str, *, headers: dict[str, str] | None = None
    ) -> int:
        """POST an activity (or a raw body) to /api/messages; the HTTP status."""
        data = activity if isinstance(activity, str) else None
        body = None if isinstance(activity, str) else activity
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        async with self.http.post(
            self.url + "api/messages", json=body, data=data, headers=all_headers
        ) as response:
            await response.read()
            return response.status

    async def say(self, text: str, **kwargs: Any) -> str:
        """Post a message and return the text of the bot's answer to it."""
        before = len(self.fake.posts())
        assert await self.post(self.message(text, **kwargs)) == 200
        return (await self.fake.wait_for("send", "reply", count=before + 1))[before].text

    async def customer(self, name: str = "Acme A/S") -> Customer:
        """A customer as stored now."""
        async with self.desk.store.unit() as uow:
            found = await uow.customers.by_name(name=name)
        assert found is not None
        return found

    async def tickets(self) -> list[Ticket]:
        """Every stored ticket, newest first."""
        async with self.desk.store.unit() as uow:
            return await uow.tickets.query()


async def seed(desk: Desk) -> Customer:
    """Acme (bound to its tenant, no channel yet) with Carla and Anders, and the provider
    (bound to its own tenant) with its agent Agnes."""
    async with desk.store.unit() as uow:
        acme = await uow.customers.add(name="Acme A/S", bindings=[ChatBinding(PLATFORM, TENANT)])
        provider = await uow.customers.add(
            name="Vendor ApS", bindings=[ChatBinding(PLATFORM, VENDOR_TENANT)], is_provider=True
        )
        for owner, user, role in (
            (acme, CARLA, Role.CUSTOMER),
            (acme, ANDERS, Role.APPROVER),
            (provider, AGNES, Role.AGENT),
        ):
            await uow.contacts.add(
                customer_id=owner.id,
                identity=Identity(PLATFORM, user),
                role=role,
                display_name=NAMES[user],
            )
    return acme


ServeTeams = Callable[..., Awaitable[TeamsWorld]]


@pytest.fixture
async def fake_connector() -> AsyncIterator[FakeConnector]:
    """A running fake Bot Connector."""
    fake = FakeConnector()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def serve_teams(store: Any, fake_connector: FakeConnector) -> AsyncIterator[ServeTeams]:
    """Start `serve`'s application with Teams (settings as given; anonymous by default) on
    the test's database; call again for a restart (same database, new process state)."""
    clock = FixedClock(MONDAY_9)
    desk = Desk.create(store=store, clock=clock, policy=default_policy())
    acme = await seed(desk)
    started: list[TestServer] = []

    async with aiohttp.ClientSession() as http:

        async def start(settings: TeamsSettings | None = None, **platforms: Any) -> TeamsWorld:
            sleeps: list[float] = []

            async def no_sleep(seconds: float) -> None:
                sleeps.append(seconds)  # retry waits, recorded instead of slept

            chosen = Platforms(teams=settings or TeamsSettings(), **platforms)
            server = await assemble(desk, chosen, tick=3600, sleep=no_sleep)
            test_server = TestServer(server.web_app, host="127.0.0.1")
            await test_server.start_server()
            started.append(test_server)
            url = str(test_server.make_url("/"))
            return TeamsWorld(desk, clock, fake_connector, server, http, url, acme, sleeps)

        yield start
        for test_server in reversed(started):
            await test_server.close()


@pytest.fixture
async def teams(serve_teams: ServeTeams) -> TeamsWorld:
    """The app served on loopback with Teams alone, anonymous (no app id)."""
    return await serve_teams()
