"""Socket Mode: the same app over a websocket, when SLACK_APP_TOKEN is set."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestServer

from adapters.slack.settings import SlackSettings
from bot.app.desk import Desk
from bot.cli.compose import Platforms, assemble
from bot.domain.policy import default_policy
from tests.adapters.slack.conftest import ACME_CHANNEL, CARLA, MONDAY_9, TEAM, _seed, slack_runtime
from tests.adapters.slack.fake_slack import FakeSlack
from tests.fakes import FixedClock


async def test_ticket_over_socket_mode_opens_the_modal(store: Any, fake_slack: FakeSlack) -> None:
    fake_slack.tokens = {"xoxb-test", "xapp-test"}
    desk = Desk.create(store=store, clock=FixedClock(MONDAY_9), policy=default_policy())
    await _seed(desk)
    settings = SlackSettings(
        bot_token="xoxb-test", app_token="xapp-test", api_url=fake_slack.api_url
    )
    server = await assemble(desk, Platforms(slack=settings), tick=3600)
    test_server = TestServer(server.web_app, host="127.0.0.1")
    await test_server.start_server()
    try:
        assert "/slack/events" not in {r.canonical for r in server.web_app.router.resources()}
        ack = await fake_slack.push(
            {
                "envelope_id": "env-1",
                "type": "slash_commands",
                "accepts_response_payload": True,
                "payload": {
                    "command": "/ticket",
                    "text": "Sync stopped",
                    "user_id": CARLA,
                    "team_id": TEAM,
                    "channel_id": ACME_CHANNEL,
                    "trigger_id": "trigger-sm",
                    "response_url": fake_slack.response_url("sm"),
                    "api_app_id": "A0001",
                },
            }
        )
        assert ack["envelope_id"] == "env-1"
        [opened] = await fake_slack.wait_for("views.open")
        assert opened.result["ok"] and opened.args["trigger_id"] == "trigger-sm"
        assert fake_slack.of("apps.connections.open")[0].token == "xapp-test"
    finally:
        await slack_runtime(server).background.idle()
        await test_server.close()
