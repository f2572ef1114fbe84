"""Many workspaces: install through OAuth, then each workspace is served with its own token."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import unquote

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from adapters.slack.settings import PLATFORM as SLACK
from adapters.slack.settings import SlackSettings
from bot.app.desk import Desk
from bot.cli.compose import Platforms, assemble
from bot.domain.models import ChatBinding, Identity, Role
from bot.domain.policy import default_policy
from tests.adapters.slack.conftest import (
    CONSULTANCY,
    INCIDENT,
    MONDAY_9,
    SECRET,
    SlackWorld,
    slack_runtime,
)
from tests.adapters.slack.fake_slack import FakeSlack
from tests.fakes import FixedClock

# slack_sdk sends the client credentials of oauth.v2.access with aiohttp.BasicAuth, which
# aiohttp 3.14 deprecates; that is slack_sdk's to change, not ours.
pytestmark = pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")

BETA_TEAM, BETA_CHANNEL, BETA_USER = "T0002", "C0BETA", "U0BETTY"
BETA_APPROVER = "U0BOSS"


@pytest.fixture
async def multi(store: Any, fake_slack: FakeSlack) -> AsyncIterator[SlackWorld]:
    """The app configured for OAuth installs (no bot token), with customer Beta registered."""
    fake_slack.tokens = {"xoxb-installed"}
    clock = FixedClock(MONDAY_9)
    desk = Desk.create(store=store, clock=clock, policy=default_policy())
    async with store.unit() as uow:
        beta = await uow.customers.add(
            name="Beta", bindings=[ChatBinding(SLACK, BETA_TEAM, BETA_CHANNEL)]
        )
        await uow.contacts.add(
            customer_id=beta.id, identity=Identity(SLACK, BETA_USER), role=Role.CUSTOMER
        )
        await uow.contacts.add(
            customer_id=beta.id, identity=Identity(SLACK, BETA_APPROVER), role=Role.APPROVER
        )
    settings = SlackSettings(
        signing_secret=SECRET,
        client_id="1111.2222",
        client_secret="oauth-secret",
        api_url=fake_slack.api_url,
    )
    server = await assemble(desk, Platforms(slack=settings), engine=store.engine, tick=3600)
    test_server = TestServer(server.web_app, host="127.0.0.1")
    await test_server.start_server()
    async with aiohttp.ClientSession() as http:
        yield SlackWorld(
            desk, clock, fake_slack, server, http, str(test_server.make_url("/")), beta
        )
    await slack_runtime(server).background.idle()
    await test_server.close()


async def _install(world: SlackWorld, code: str = "good-code") -> aiohttp.ClientResponse:
    async with world.http.get(world.url + "slack/install", allow_redirects=False) as page:
        assert page.status == 200
        html = await page.text()
        cookie = page.headers["Set-Cookie"].split(";", 1)[0]
    link = re.search(r'href="(https://slack\.com/oauth/v2/authorize\?[^"]+)"', html)
    assert link is not None
    url = unquote(link.group(1).replace("&amp;", "&"))
    assert "client_id=1111.2222" in url and "commands" in url and "chat:write" in url
    state = re.search(r"state=([^&]+)", url)
    assert state is not None
    async with world.http.get(
        world.url + f"slack/oauth_redirect?code={code}&state={state.group(1)}",
        headers={"Cookie": cookie},
        allow_redirects=False,
    ) as done:
        await done.read()
        return done


async def test_a_workspace_installs_and_is_served_with_its_own_token(multi: SlackWorld) -> None:
    done = await _install(multi)

    assert done.status == 200
    exchange = multi.fake.of("oauth.v2.access")[0]
    assert exchange.args["code"] == "good-code"

    response = await multi.command(BETA_USER, "Export fails", channel=BETA_CHANNEL, team=BETA_TEAM)
    assert response.status == 200
    [opened] = await multi.fake.wait_for("views.open")
    assert opened.token == "xoxb-installed" and opened.result["ok"]

    view = dict(opened.result["view"])
    ack = await multi.submit(view, INCIDENT, BETA_USER, BETA_TEAM)
    assert ack["response_action"] == "update"
    [post] = await multi.fake.wait_for("chat.postMessage")
    assert post.token == "xoxb-installed"
    assert post.args["channel"] == BETA_CHANNEL


async def test_a_failed_install_stores_nothing(multi: SlackWorld) -> None:
    done = await _install(multi, code="bad-code")

    assert done.status >= 400
    response = await multi.command(BETA_USER, channel=BETA_CHANNEL, team=BETA_TEAM)
    assert response.status == 200
    await slack_runtime(multi.server).background.idle()
    assert multi.fake.of("views.open") == []  # no token for that workspace: nothing opened


async def test_a_direct_message_in_an_installed_workspace_is_answered_with_its_token(
    multi: SlackWorld,
) -> None:
    await _install(multi)
    body = json.dumps(
        {
            "type": "event_callback",
            "team_id": BETA_TEAM,
            "api_app_id": "A0001",
            "event_id": "Ev0BETADM",
            "event": {
                "type": "message",
                "channel": "D0BETTY",
                "channel_type": "im",
                "user": BETA_USER,
                "text": "my open tickets",
                "ts": "1764489800.000100",
            },
            "authorizations": [{"team_id": BETA_TEAM, "user_id": "UBOT", "is_bot": True}],
        }
    )

    response = await multi.post(body, "application/json")

    assert response.status == 200
    [answer] = await multi.fake.wait_for("chat.postMessage")
    assert answer.token == "xoxb-installed"
    assert answer.args["channel"] == "D0BETTY"
    assert "no open tickets" in answer.args["text"]


async def test_an_approval_request_reaches_the_approver_with_the_workspaces_token(
    multi: SlackWorld,
) -> None:
    # A direct message from the outbox names only the user: its workspace, and so its token,
    # comes from the customer the approver belongs to.
    await _install(multi)
    await multi.command(BETA_USER, channel=BETA_CHANNEL, team=BETA_TEAM)
    [opened] = await multi.fake.wait_for("views.open")
    ack = await multi.submit(dict(opened.result["view"]), CONSULTANCY, BETA_USER, BETA_TEAM)
    assert ack["response_action"] == "update"

    await multi.server.pump.next_round()

    [dm_opened] = multi.fake.of("conversations.open")
    assert dm_opened.args["users"] == BETA_APPROVER and dm_opened.token == "xoxb-installed"
    [request] = [
        c for c in multi.fake.of("chat.postMessage") if c.args["channel"] == f"D{BETA_APPROVER}"
    ]
    assert request.token == "xoxb-installed" and request.result["ok"]
    assert "ticket.approve" in str(request.args["blocks"])


async def test_install_pages_exist_only_with_oauth(slack: SlackWorld) -> None:
    async with slack.http.get(slack.url + "slack/install") as page:
        assert page.status == 404
