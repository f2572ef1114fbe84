"""POST /slack/events against what an attacker or a broken client sends: odd timestamps,
signed but malformed payloads, bodies too large or never-ending. Each gets a 4xx, nothing is
touched, nothing is logged as a traceback."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

import pytest

from adapters.slack.http import MAX_BODY
from tests.adapters.slack.conftest import CARLA, SECRET, TEAM, SlackWorld, sign


def _signed_with(timestamp: str, body: str) -> dict[str, str]:
    base = f"v0:{timestamp}:{body}".encode()
    digest = hmac.new(SECRET.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": f"v0={digest}"}


def _clean(caplog: pytest.LogCaptureFixture) -> bool:
    return "Traceback" not in caplog.text and not any(r.exc_info for r in caplog.records)


# -- timestamps ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "timestamp",
    [
        "".join(chr(0x0660 + int(d)) for d in str(int(time.time()))),  # Arabic-Indic digits
        "".join(chr(0xFF10 + int(d)) for d in str(int(time.time()))),  # full-width digits
        "1" * 5000,  # more digits than int() takes
        "9" * 13,
        f" {int(time.time())}",
        f"+{int(time.time())}",
        f"{int(time.time())}.5",
        "",
    ],
    ids=["arabic-indic", "full-width", "5000-digits", "13-digits", "space", "plus", "fraction", ""],
)
async def test_a_malformed_timestamp_is_401(
    slack: SlackWorld, timestamp: str, caplog: pytest.LogCaptureFixture
) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "x"})
    headers = {"Content-Type": "application/json", **_signed_with(timestamp, body)}
    async with slack.http.post(slack.url + "slack/events", data=body, headers=headers) as resp:
        assert resp.status == 401
    assert _clean(caplog)


async def test_a_future_timestamp_is_401(slack: SlackWorld) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "x"})
    response = await slack.post(body, "application/json", timestamp=int(time.time()) + 301)
    assert response.status == 401


# -- signed but malformed -----------------------------------------------------------------------


def _button(**changes: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "type": "block_actions",
        "team": {"id": TEAM},
        "user": {"id": CARLA},
        "response_url": "https://hooks.slack.test/x",
        "actions": [{"type": "button", "action_id": "ticket:ack", "value": "SUP-1001"}],
    }
    payload.update(changes)
    return {k: v for k, v in payload.items() if v is not ...}


def _submission(**changes: Any) -> dict[str, Any]:
    view = {"id": "V1", "type": "modal", "callback_id": "intake", "blocks": [], "state": {}}
    payload: dict[str, Any] = {
        "type": "view_submission",
        "team": {"id": TEAM},
        "user": {"id": CARLA},
        "view": view,
    }
    payload.update(changes)
    return {k: v for k, v in payload.items() if v is not ...}


def _mention(**changes: Any) -> dict[str, Any]:
    event = {"type": "app_mention", "user": CARLA, "channel": "C1", "text": "hi", "ts": "1.1"}
    event.update(changes)
    return {
        "type": "event_callback",
        "team_id": TEAM,
        "event_id": "Ev1",
        "event": {k: v for k, v in event.items() if v is not ...},
    }


MALFORMED = {
    "no-actions": _button(actions=...),
    "empty-actions": _button(actions=[]),
    "actions-object": _button(actions={"action_id": "ticket:ack"}),
    "action-without-id": _button(actions=[{"value": "SUP-1001"}]),
    "action-value-number": _button(actions=[{"action_id": "ticket:ack", "value": 1001}]),
    "no-user": _button(user=...),
    "user-string": _button(user=CARLA),
    "user-id-number": _button(user={"id": 7}),
    "team-list": _button(team=[TEAM]),
    "submission-without-user": _submission(user=...),
    "submission-without-view": _submission(view=...),
    "view-id-missing": _submission(view={"type": "modal", "blocks": []}),
    "view-blocks-string": _submission(view={"id": "V1", "blocks": "x"}),
    "view-state-values-list": _submission(view={"id": "V1", "blocks": [], "state": {"values": []}}),
    "selected-option-string": _submission(
        view={
            "id": "V1",
            "blocks": [],
            "state": {"values": {"b": {"value": {"selected_option": "all"}}}},
        }
    ),
    "mention-without-user": _mention(user=...),
    "mention-text-object": _mention(text={"t": 1}),
    "event-string": {"type": "event_callback", "team_id": TEAM, "event": "app_mention"},
    "event-without-type": {"type": "event_callback", "team_id": TEAM, "event": {"user": "U1"}},
}


@pytest.mark.parametrize("payload", MALFORMED.values(), ids=MALFORMED.keys())
async def test_a_signed_payload_our_listeners_cannot_read_is_400(
    slack: SlackWorld, payload: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    if payload["type"] == "event_callback":
        response = await slack.post(json.dumps(payload), "application/json")
    else:
        response = await slack.interact(payload)

    assert response.status == 400
    assert _clean(caplog)
    assert slack.fake.calls == []
    assert await slack.tickets() == []


@pytest.mark.parametrize("missing", ["user_id", "team_id", "trigger_id"])
async def test_a_signed_command_without_its_fields_is_400(
    slack: SlackWorld, missing: str, caplog: pytest.LogCaptureFixture
) -> None:
    form = {"command": "/ticket", "user_id": CARLA, "team_id": TEAM, "trigger_id": "t1"}
    del form[missing]
    response = await slack.post(urlencode(form), "application/x-www-form-urlencoded")

    assert response.status == 400
    assert missing in await _text(slack, urlencode(form))
    assert _clean(caplog) and slack.fake.calls == []


async def _text(slack: SlackWorld, form: str) -> str:
    headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(form)}
    async with slack.http.post(slack.url + "slack/events", data=form, headers=headers) as resp:
        return await resp.text()


@pytest.mark.parametrize("depth", [100_000, 2_000])
async def test_deeply_nested_json_is_400(
    slack: SlackWorld, depth: int, caplog: pytest.LogCaptureFixture
) -> None:
    nested = "[" * depth + "]" * depth
    body = f'{{"type": "event_callback", "team_id": "{TEAM}", "event": {nested}}}'
    response = await slack.post(body, "application/json")

    assert response.status == 400
    assert _clean(caplog) and slack.fake.calls == []


async def test_deeply_nested_json_in_a_form_payload_is_400(
    slack: SlackWorld, caplog: pytest.LogCaptureFixture
) -> None:
    body = urlencode({"payload": '{"type": "block_actions", "x": ' + "{" * 50_000})
    response = await slack.post(body, "application/x-www-form-urlencoded")

    assert response.status == 400
    assert _clean(caplog)


# -- body size --------------------------------------------------------------------------------


async def _raw_request(slack: SlackWorld, head: str, body: bytes = b"") -> bytes:
    """Send a hand-written request; the status line of the answer (the body may stay unsent)."""
    host, port = slack.url.removeprefix("http://").rstrip("/").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(head.encode() + body)
        await writer.drain()
        return await asyncio.wait_for(reader.readline(), 10)
    finally:
        writer.close()


async def test_a_declared_oversized_body_is_refused_before_it_is_sent(slack: SlackWorld) -> None:
    # Only the headers are sent: a server that waited for the body would never answer.
    timestamp = str(int(time.time()))
    head = (
        "POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"X-Slack-Request-Timestamp: {timestamp}\r\nX-Slack-Signature: v0={'0' * 64}\r\n"
        f"Content-Length: {MAX_BODY + 1}\r\n\r\n"
    )
    assert (await _raw_request(slack, head)).startswith(b"HTTP/1.1 413")


async def test_an_unsigned_request_is_refused_before_its_body_is_sent(slack: SlackWorld) -> None:
    head = (
        "POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Content-Length: 1000\r\n\r\n"
    )
    assert (await _raw_request(slack, head)).startswith(b"HTTP/1.1 401")


async def test_a_chunked_body_is_cut_off_at_the_limit(slack: SlackWorld) -> None:
    # No Content-Length: the body is streamed, and refused once it passes the limit.
    sent = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal sent
        chunk = b" " * 65536
        while sent < 20 * MAX_BODY:
            sent += len(chunk)
            yield chunk

    headers = {"Content-Type": "application/json", **sign("")}
    async with slack.http.post(slack.url + "slack/events", data=endless(), headers=headers) as r:
        assert r.status == 413
    assert sent < 20 * MAX_BODY  # refused long before the client stopped


async def test_a_body_at_the_limit_is_read_and_verified(slack: SlackWorld) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "ok"})
    body += " " * (MAX_BODY - len(body))
    response = await slack.post(body, "application/json")
    assert response.status == 200
