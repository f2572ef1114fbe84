"""The Slack app served for real on loopback, talking to a fake Slack Web API, on a real database.

Requests are signed with slack_sdk's SignatureVerifier exactly as Slack signs them. The
database is the shared `store` fixture (tests/conftest.py); the answers and the Monday morning
are the brain tests' own (tests/app/conftest.py).
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from slack_sdk.signature import SignatureVerifier

from adapters.slack.app import SlackRuntime
from adapters.slack.settings import PLATFORM, SlackSettings
from adapters.web.server import Server
from bot.app.desk import Desk
from bot.cli.compose import Platforms, assemble
from bot.domain.models import ChatBinding, Customer, Identity, Role, Ticket
from bot.domain.policy import default_policy
from tests.adapters.slack.fake_slack import FakeSlack
from tests.app.conftest import CONSULTANCY as CONSULTANCY
from tests.app.conftest import INCIDENT as INCIDENT
from tests.app.conftest import MONDAY_9
from tests.fakes import FixedClock

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TEAM = "T0001"
ACME_CHANNEL = "C0ACME"
CARLA, ANDERS, AGNES, ERIK = "U0CARLA", "U0ANDERS", "U0AGNES", "U0ERIK"  # ERIK: end user


def slack_runtime(server: Server) -> SlackRuntime:
    """The Slack runtime a server runs (its background tasks, for tests to wait on)."""
    runtime = server.runtime(PLATFORM)
    assert isinstance(runtime, SlackRuntime)
    return runtime


def sign(body: str, *, secret: str = SECRET, timestamp: int | None = None) -> dict[str, str]:
    """The headers Slack sends with a request body."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    assert signature is not None
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature}


@dataclass
class SlackWorld:
    """The served app, the fake Slack and the desk behind them."""

    desk: Desk
    clock: FixedClock
    fake: FakeSlack
    server: Server
    http: aiohttp.ClientSession
    url: str
    acme: Customer
    sleeps: list[float] = field(default_factory=list)
    _triggers: int = 0

    async def post(
        self, body: str, content_type: str, *, headers: dict[str, str] | None = None, **sig: Any
    ) -> aiohttp.ClientResponse:
        """POST a body to /slack/events, signed unless `headers` say otherwise."""
        all_headers = {"Content-Type": content_type, **sign(body, **sig), **(headers or {})}
        async with self.http.post(
            self.url + "slack/events", data=body.encode(), headers=all_headers
        ) as response:
            await response.read()
            return response

    async def command(
        self, user: str, text: str = "", *, channel: str = ACME_CHANNEL, team: str = TEAM
    ) -> aiohttp.ClientResponse:
        """Type `/ticket text` in a channel."""
        self._triggers += 1
        form = {
            "token": "legacy",
            "team_id": team,
            "team_domain": "acme",
            "channel_id": channel,
            "channel_name": "support",
            "user_id": user,
            "user_name": user.lower(),
            "command": "/ticket",
            "text": text,
            "api_app_id": "A0001",
            "response_url": self.fake.response_url(f"cmd{self._triggers}"),
            "trigger_id": f"trigger-{self._triggers}",
        }
        return await self.post(urlencode(form), "application/x-www-form-urlencoded")

    async def interact(self, payload: dict[str, Any], **kwargs: Any) -> aiohttp.ClientResponse:
        """An interactivity payload (button click, modal submission)."""
        body = urlencode({"payload": json.dumps(payload)})
        return await self.post(body, "application/x-www-form-urlencoded", **kwargs)

    async def interact_json(self, payload: dict[str, Any]) -> dict[str, Any]:
        """An interactivity payload whose answer is JSON (e.g. response_action)."""
        body = urlencode({"payload": json.dumps(payload)})
        headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(body)}
        async with self.http.post(self.url + "slack/events", data=body, headers=headers) as resp:
            assert resp.status == 200, await resp.text()
            text = await resp.text()
            return json.loads(text) if text else {}

    async def event(
        self, event: dict[str, Any], *, event_id: str, retry: int | None = None
    ) -> aiohttp.ClientResponse:
        """An Events API callback (retries carry X-Slack-Retry-Num)."""
        body = json.dumps(
            {
                "token": "legacy",
                "team_id": TEAM,
                "api_app_id": "A0001",
                "event": event,
                "type": "event_callback",
                "event_id": event_id,
                "event_time": 1764489600,
                "authorizations": [
                    {"team_id": TEAM, "user_id": "UBOT", "is_bot": True, "enterprise_id": None}
                ],
            }
        )
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        return await self.post(body, "application/json", headers=headers if retry else None)

    async def open_modal(self, user: str, text: str = "") -> dict[str, Any]:
        """/ticket, then the view Slack was asked to open (with the id Slack gave it)."""
        before = len(self.fake.of("views.open"))
        response = await self.command(user, text)
        assert response.status == 200
        call = (await self.fake.wait_for("views.open", before + 1))[before]
        assert call.result["ok"], call.result
        return dict(call.result["view"])

    async def fill(
        self, view: dict[str, Any], answers: dict[str, str], user: str, team: str = TEAM
    ) -> dict[str, Any]:
        """Choose the answers that decide later questions, as a user would: the choice is
        dispatched to the app, which updates the modal; returns the modal as it ends up."""
        shown = {b["block_id"] for b in view["blocks"]}
        if all(key in shown for key in answers):
            return view  # every answer has its field already
        updates = len(self.fake.of("views.update"))
        block = next(b for b in view["blocks"] if b.get("dispatch_action"))
        payload = submission(view, answers, user, team)
        payload["type"] = "block_actions"
        payload["container"] = {"type": "view", "view_id": view["id"]}
        payload["actions"] = [
            {
                "type": "static_select",
                "action_id": "value",
                "block_id": block["block_id"],
                "selected_option": {"value": answers[block["block_id"]]},
                "action_ts": "1764489600.000100",
            }
        ]
        response = await self.interact(payload)
        assert response.status == 200
        call = (await self.fake.wait_for("views.update", updates + 1))[-1]
        assert call.args["view_id"] == view["id"] and call.result["ok"], call.result
        return dict(call.result["view"])

    async def submit(
        self, view: dict[str, Any], answers: dict[str, str], user: str, team: str = TEAM
    ) -> dict[str, Any]:
        """Fill in the modal with `answers` and submit it, as Slack posts it."""
        view = await self.fill(view, answers, user, team)
        return await self.interact_json(submission(view, answers, user, team))

    async def tickets(self) -> list[Ticket]:
        """Every stored ticket, newest first."""
        async with self.desk.store.unit() as uow:
            return await uow.tickets.query()

    async def file(self, user: str, answers: dict[str, str]) -> Ticket:
        """File a ticket through the modal and wait until its announcement is posted."""
        posted = len(self.fake.of("chat.postMessage"))
        view = await self.open_modal(user)
        ack = await self.submit(view, answers, user)
        assert ack["response_action"] == "update", ack
        await self.fake.wait_for("chat.postMessage", posted + 1)
        await self.server.pump.next_round()
        async with self.desk.store.unit() as uow:
            ticket = (await uow.tickets.query(limit=1))[0]
        assert ticket.thread is not None
        return ticket

    def click(self, user: str, action: str, ref: str, ticket: Ticket) -> dict[str, Any]:
        """A block_actions payload: `user` clicks a button on the ticket's announcement."""
        assert ticket.thread is not None
        return {
            "type": "block_actions",
            "team": {"id": TEAM, "domain": "acme"},
            "user": {"id": user, "team_id": TEAM},
            "api_app_id": "A0001",
            "container": {
                "type": "message",
                "message_ts": ticket.thread.thread,
                "channel_id": ticket.thread.conversation,
            },
            "channel": {"id": ticket.thread.conversation, "name": "support"},
            "message": {"ts": ticket.thread.thread, "type": "message", "text": ""},
            "trigger_id": "trigger-click",
            "response_url": self.fake.response_url("click"),
            "actions": [
                {
                    "type": "button",
                    "action_id": action,
                    "block_id": "b1",
                    "value": ref,
                    "action_ts": "1764489600.000100",
                }
            ],
        }


def submission(
    view: dict[str, Any], answers: dict[str, str], user: str, team: str = TEAM
) -> dict[str, Any]:
    """A view_submission payload for `view` with `answers` in its inputs."""
    values: dict[str, Any] = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        element = block["element"]
        answer = answers.get(block["block_id"])
        if element["type"] == "static_select":
            chosen = next((o for o in element["options"] if o["value"] == answer), None)
            values[block["block_id"]] = {
                "value": {"type": "static_select", "selected_option": chosen}
            }
        else:
            values[block["block_id"]] = {"value": {"type": "plain_text_input", "value": answer}}
    return {
        "type": "view_submission",
        "team": {"id": team, "domain": "acme"},
        "user": {"id": user, "team_id": team},
        "api_app_id": "A0001",
        "trigger_id": "t-sub",
        "view": {
            **view,
            "type": "modal",
            "team_id": team,
            "state": {"values": values},
            "hash": "h1",
            "app_id": "A0001",
            "bot_id": "BBOT",
        },
    }


async def _seed(desk: Desk) -> Customer:
    """Customer Acme with its contacts, and the service provider with its agent Agnes."""
    async with desk.store.unit() as uow:
        acme = await uow.customers.add(
            name="Acme A/S", bindings=[ChatBinding(PLATFORM, TEAM, ACME_CHANNEL)]
        )
        provider = await uow.customers.add(name="Vendor ApS", is_provider=True)
        for owner, user, role, name in (
            (acme, CARLA, Role.CUSTOMER, "Carla Jensen"),
            (acme, ANDERS, Role.APPROVER, "Anders Holm"),
            (provider, AGNES, Role.AGENT, "Agnes Berg"),
        ):
            await uow.contacts.add(
                customer_id=owner.id,
                identity=Identity(PLATFORM, user),
                role=role,
                display_name=name,
            )
    return acme


ServeFactory = Callable[..., Awaitable[SlackWorld]]


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    """A running fake Slack Web API."""
    fake = FakeSlack()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def slack(store: Any, fake_slack: FakeSlack) -> AsyncIterator[SlackWorld]:
    """The app served on loopback, one workspace (bot token), HTTP mode."""
    clock = FixedClock(MONDAY_9)
    desk = Desk.create(store=store, clock=clock, policy=default_policy())
    acme = await _seed(desk)
    sleeps: list[float] = []

    async def no_sleep(seconds: float) -> None:
        sleeps.append(seconds)  # the retry handlers' waits, recorded instead of slept

    settings = SlackSettings(
        signing_secret=SECRET, bot_token="xoxb-test", api_url=fake_slack.api_url
    )
    server = await assemble(desk, Platforms(slack=settings), tick=3600, sleep=no_sleep)
    test_server = TestServer(server.web_app, host="127.0.0.1")
    await test_server.start_server()
    # Start-up checked the bot token with Slack (tests/adapters/slack/test_reliability.py);
    # the tests count the calls that their own requests cause.
    fake_slack.calls.clear()
    async with aiohttp.ClientSession() as http:
        yield SlackWorld(
            desk, clock, fake_slack, server, http, str(test_server.make_url("/")), acme, sleeps
        )
    await slack_runtime(server).background.idle()
    await test_server.close()
