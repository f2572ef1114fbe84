"""manifest.json declares everything the code handles and every scope its Web API calls need."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from adapters.slack.inbox import EventInbox
from adapters.slack.listeners import register
from adapters.slack.surface import (
    ACTION_PREFIX,
    BOT_SCOPES,
    COMMAND,
    EVENT_SCOPES,
    INTAKE_CALLBACK,
    METHOD_SCOPES,
)
from bot.domain.lifecycle import Action
from tests.adapters.slack.fake_slack import SLACK_METHOD_SCOPES
from tests.app.conftest import MONDAY_9
from tests.fakes import FixedClock, InMemoryStore

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((ROOT / "manifest.json").read_text())
    return data


def test_the_manifest_has_the_fields_slack_requires(manifest: dict[str, Any]) -> None:
    assert manifest["_metadata"]["major_version"] == 1
    info = manifest["display_information"]
    assert 1 <= len(info["name"]) <= 35
    assert len(info.get("description", "")) <= 140
    assert 175 <= len(info["long_description"]) <= 4000
    assert re.fullmatch(r"#[0-9a-fA-F]{6}", info["background_color"])
    assert manifest["features"]["bot_user"]["display_name"]
    settings = manifest["settings"]
    assert settings["interactivity"]["is_enabled"] is True
    assert isinstance(settings["socket_mode_enabled"], bool)
    urls = [
        settings["interactivity"]["request_url"],
        settings["event_subscriptions"]["request_url"],
        *(c["url"] for c in manifest["features"]["slash_commands"]),
    ]
    # Commands, events and interactivity all arrive on the one /slack/events route.
    assert all(url.startswith("https://") and url.endswith("/slack/events") for url in urls)
    assert all(
        u.endswith("/slack/oauth_redirect") for u in manifest["oauth_config"]["redirect_urls"]
    )


async def test_every_command_the_code_handles_is_declared(manifest: dict[str, Any]) -> None:
    declared = {c["command"] for c in manifest["features"]["slash_commands"]}
    app = _app()
    for command in declared:
        assert (await _dispatch(app, _command(command))).status == 200, command
    assert (await _dispatch(app, _command("/undeclared"))).status == 404
    assert declared == {COMMAND}
    for command in manifest["features"]["slash_commands"]:
        assert len(command["description"]) <= 100


async def test_every_event_subscribed_reaches_a_listener(manifest: dict[str, Any]) -> None:
    app = _app()
    for name in manifest["settings"]["event_subscriptions"]["bot_events"]:
        kind, _, channel_type = name.partition(".")
        event = {"type": kind, "user": "U1", "text": "hi", "ts": "1.1", "channel": "C1"}
        if channel_type:
            event["channel_type"] = {"channels": "channel", "groups": "group"}.get(
                channel_type, channel_type
            )
        assert (await _dispatch(app, _event(event))).status == 200, name
    unsubscribed = {"type": "reaction_added", "user": "U1", "reaction": "x", "event_ts": "1.1"}
    assert (await _dispatch(app, _event(unsubscribed))).status == 404


def test_every_event_the_code_handles_is_subscribed_with_its_scope(
    manifest: dict[str, Any],
) -> None:
    events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert events == set(EVENT_SCOPES)
    assert {"app_mention", "message.im", "message.channels"} <= events
    assert all(EVENT_SCOPES[event] in scopes for event in events)


def test_scopes_cover_every_web_api_method_called(manifest: dict[str, Any]) -> None:
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert scopes == set(BOT_SCOPES)
    assert "commands" in scopes
    for method, needed in METHOD_SCOPES.items():
        # Cross-checked with the fake Slack's table, which mirrors Slack's documentation.
        assert set(SLACK_METHOD_SCOPES[method]) == set(needed), method
        assert set(needed) <= scopes, method


def test_every_button_the_brain_offers_is_routed_to_the_app() -> None:
    for action in Action:
        assert action.value.startswith(ACTION_PREFIX)
    assert INTAKE_CALLBACK.startswith("ticket.")


class _Handlers:
    """Stands in for SlackHandlers: the test is about routing, not behaviour."""

    async def ticket_command(self, command: dict[str, Any]) -> None:
        return None

    async def mention(self, *args: Any) -> None:
        return None

    async def message(self, *args: Any, **kwargs: Any) -> None:
        return None


class _Background:
    def spawn(self, work: Any, *, name: str = "") -> None:
        work.close()


async def _authorize(**kwargs: Any) -> AuthorizeResult:
    return AuthorizeResult(
        enterprise_id=None, team_id="T1", bot_token="xoxb-test", bot_user_id="UBOT", bot_id="B1"
    )


def _app() -> AsyncApp:
    app = AsyncApp(signing_secret="s", authorize=_authorize, request_verification_enabled=False)
    inbox = EventInbox(InMemoryStore(), FixedClock(MONDAY_9))
    register(app, _Handlers(), _Background(), inbox)  # type: ignore[arg-type]
    return app


def _command(name: str) -> str:
    return urlencode(
        {"command": name, "team_id": "T1", "user_id": "U1", "channel_id": "C1", "text": ""}
    )


def _event(event: dict[str, Any]) -> str:
    return json.dumps(
        {"type": "event_callback", "team_id": "T1", "event_id": f"Ev{id(event)}", "event": event}
    )


async def _dispatch(app: AsyncApp, body: str) -> BoltResponse:
    content_type = (
        "application/json" if body.startswith("{") else "application/x-www-form-urlencoded"
    )
    request = AsyncBoltRequest(body=body, headers={"content-type": content_type})
    return await app.async_dispatch(request)
