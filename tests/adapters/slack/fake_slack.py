"""A local fake of the Slack Web API: a real aiohttp server that records calls.

Like bolt-python's tests/mock_web_api_server: tests point AsyncWebClient(base_url=...) at it.
It answers as Slack does for the methods the app uses, enforces the scopes granted in
manifest.json (missing_scope), validates views and blocks with slack_sdk.models
(invalid_arguments / invalid_blocks), accepts each trigger_id once, and can be told to fail
the next calls of a method (e.g. 429 with Retry-After, or 503), to answer a method slowly, or
to hold its answers (the call has taken effect, its answer never comes: a crash mid-send).
Posted messages are kept per channel with their metadata, for conversations.history and
conversations.replies.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

MANIFEST = Path(__file__).resolve().parents[3] / "manifest.json"

# What Slack itself requires per method (https://docs.slack.dev/reference/methods/).
SLACK_METHOD_SCOPES: dict[str, tuple[str, ...]] = {
    "auth.test": (),
    "views.open": (),
    "views.update": (),
    "views.push": (),
    "chat.postMessage": ("chat:write",),
    "chat.postEphemeral": ("chat:write",),
    "chat.update": ("chat:write",),
    "conversations.open": ("im:write",),
    # Per kind of conversation: channels:history, groups:history, im:history (see _history_scope).
    "conversations.history": (),
    "conversations.replies": (),
    "oauth.v2.access": (),
    "apps.connections.open": (),
}
NO_TOKEN_METHODS = {"oauth.v2.access"}


@dataclass
class Call:
    """One recorded Web API call."""

    method: str
    args: dict[str, Any]
    token: str | None
    result: dict[str, Any] = field(default_factory=dict)


@dataclass
class Failure:
    """A scripted failure for the next call(s) of a method."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    times: int = 1


def granted_scopes() -> set[str]:
    """The bot scopes manifest.json asks for."""
    manifest = json.loads(MANIFEST.read_text())
    return set(manifest["oauth_config"]["scopes"]["bot"])


class FakeSlack:
    """The fake server; `await start()`, point clients at `api_url`, `await stop()`."""

    def __init__(self, *, tokens: set[str] | None = None, team_id: str = "T0001") -> None:
        self.tokens = tokens if tokens is not None else {"xoxb-test"}
        self.team_id = team_id
        self.scopes = granted_scopes()
        self.calls: list[Call] = []
        self.responses: list[dict[str, Any]] = []  # bodies POSTed to response_url
        self.failures: dict[str, list[Failure]] = {}
        self.delays: dict[str, float] = {}  # method -> seconds Slack takes to answer it
        # Methods whose calls take effect but are answered only when the event is set.
        self.holds: dict[str, asyncio.Event] = {}
        self.messages: dict[str, list[dict[str, Any]]] = {}  # channel -> messages, oldest first
        self.valid_triggers: set[str] | None = None  # None: any trigger id is fresh once
        self._used_triggers: set[str] = set()
        self._ts = itertools.count(1)
        self._views = itertools.count(1)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.sockets: list[web.WebSocketResponse] = []
        self.acks: list[dict[str, Any]] = []  # what Socket Mode clients answered
        self.port = 0

    @property
    def url(self) -> str:
        """The server's root URL."""
        return f"http://127.0.0.1:{self.port}/"

    @property
    def api_url(self) -> str:
        """Base URL of the fake Web API (for SLACK_API_URL / AsyncWebClient(base_url=...))."""
        return f"{self.url}api/"

    def response_url(self, name: str = "r1") -> str:
        """A response_url the fake records posts to."""
        return f"{self.url}response/{name}"

    async def start(self, port: int = 0) -> None:
        """Listen on a loopback port (0: any free one)."""
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)
        app.router.add_post("/response/{name}", self._response)
        app.router.add_get("/stats", self._stats)
        app.router.add_get("/link", self._link)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port, backlog=1024)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]

    async def stop(self) -> None:
        """Shut the server down (answering every held call first)."""
        for hold in self.holds.values():
            hold.set()
        if self._runner is not None:
            await self._runner.cleanup()

    def fail_next(
        self,
        method: str,
        *,
        status: int,
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        times: int = 1,
    ) -> None:
        """Make the next `times` calls of `method` answer `status`."""
        self.failures.setdefault(method, []).append(
            Failure(status, body or {"ok": False, "error": "fatal_error"}, headers or {}, times)
        )

    def of(self, method: str) -> list[Call]:
        """Recorded calls of one method."""
        return [c for c in self.calls if c.method == method]

    async def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Wait until `method` was called `count` times (raises TimeoutError otherwise)."""
        async with asyncio.timeout(timeout):
            async with self._changed:
                await self._changed.wait_for(lambda: len(self.of(method)) >= count)
        return self.of(method)

    async def wait_responses(self, count: int = 1, timeout: float = 5.0) -> list[dict[str, Any]]:
        """Wait until `count` answers were posted to response URLs; return them all."""
        async with asyncio.timeout(timeout):
            async with self._changed:
                await self._changed.wait_for(lambda: len(self.responses) >= count)
        return list(self.responses)

    async def _record(
        self, call: Call | None = None, response: dict[str, Any] | None = None
    ) -> None:
        async with self._changed:
            if call is not None:
                self.calls.append(call)
            if response is not None:
                self.responses.append(response)
            self._changed.notify_all()

    async def _stats(self, request: web.Request) -> web.Response:
        """Successful views.open calls whose trigger_id starts with ?prefix= (for benchmarks)."""
        prefix = request.query.get("prefix", "")
        opened = [
            c
            for c in self.of("views.open")
            if c.result.get("ok") and str(c.args.get("trigger_id", "")).startswith(prefix)
        ]
        return web.json_response({"views.open": len(opened), "calls": len(self.calls)})

    async def _link(self, request: web.Request) -> web.WebSocketResponse:
        """Socket Mode: the websocket apps.connections.open points at."""
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"type": "hello", "num_connections": 1, "debug_info": {}})
        async with self._changed:
            self.sockets.append(ws)
            self._changed.notify_all()
        async for message in ws:
            if message.type == web.WSMsgType.TEXT:
                async with self._changed:
                    self.acks.append(json.loads(message.data))
                    self._changed.notify_all()
        return ws

    async def push(self, envelope: dict[str, Any], timeout: float = 5.0) -> dict[str, Any]:
        """Send an envelope to the connected Socket Mode client; return its ack."""
        async with asyncio.timeout(timeout):
            async with self._changed:
                await self._changed.wait_for(lambda: bool(self.sockets))
            await self.sockets[-1].send_json(envelope)
            wanted = envelope["envelope_id"]
            async with self._changed:
                await self._changed.wait_for(
                    lambda: any(a.get("envelope_id") == wanted for a in self.acks)
                )
        return next(a for a in self.acks if a.get("envelope_id") == wanted)

    async def _response(self, request: web.Request) -> web.Response:
        await self._record(response=await request.json())
        return web.Response(text="ok")

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        raw = await request.text()
        if request.content_type == "application/json":
            args: dict[str, Any] = json.loads(raw or "{}")
        else:
            args = dict(parse_qsl(raw))
            for key in ("view", "blocks"):
                if isinstance(args.get(key), str):
                    args[key] = json.loads(args[key])
        args = {**dict(request.query), **args}  # some methods send their arguments as params
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else args.get("token")
        if self.delays.get(method):
            await asyncio.sleep(self.delays[method])  # a slow Slack, as seen from the app
        pending = self.failures.get(method)
        if pending:
            failure = pending[0]
            failure.times -= 1
            if failure.times <= 0:
                pending.pop(0)
            await self._record(Call(method, args, token, failure.body))
            return web.json_response(failure.body, status=failure.status, headers=failure.headers)
        result = self._answer(method, args, token)
        await self._record(Call(method, args, token, result))
        if method in self.holds:
            await self.holds[method].wait()  # done, but the caller hears nothing yet
        return web.json_response(result)

    def posts(self, key: str) -> list[dict[str, Any]]:
        """Every message (in any channel) whose metadata carries the outbox key `key`."""
        return [
            m
            for messages in self.messages.values()
            for m in messages
            if (m.get("metadata") or {}).get("event_payload", {}).get("key") == key
        ]

    def _answer(self, method: str, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        if method not in SLACK_METHOD_SCOPES:
            return {"ok": False, "error": "unknown_method"}
        if method not in NO_TOKEN_METHODS and token not in self.tokens:
            return {"ok": False, "error": "not_authed" if not token else "invalid_auth"}
        wanted = SLACK_METHOD_SCOPES[method]
        if method in ("conversations.history", "conversations.replies"):
            wanted = (_history_scope(str(args.get("channel", ""))),)
        needed = [s for s in wanted if s not in self.scopes]
        if needed:
            return {"ok": False, "error": "missing_scope", "needed": ",".join(needed)}
        handler = getattr(self, "_" + method.replace(".", "_"))
        result: dict[str, Any] = handler(args)
        return result

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://acme.slack.com/",
            "team": "Acme",
            "user": "supportbot",
            "team_id": self.team_id,
            "user_id": "UBOT",
            "bot_id": "BBOT",
            "is_enterprise_install": False,
        }

    def _check_view(self, view: Any) -> str | None:
        try:
            View(**view).validate_json()
        except Exception as exc:  # noqa: BLE001 - Slack answers any invalid view the same way
            return f"invalid view: {exc}"
        return None

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        trigger = args.get("trigger_id", "")
        fresh = trigger and (self.valid_triggers is None or trigger in self.valid_triggers)
        if not fresh or trigger in self._used_triggers:
            return {"ok": False, "error": "expired_trigger_id"}
        problem = self._check_view(args.get("view"))
        if problem:
            return {
                "ok": False,
                "error": "invalid_arguments",
                "response_metadata": {"messages": [problem]},
            }
        self._used_triggers.add(trigger)
        return {
            "ok": True,
            "view": {**args["view"], "id": f"V{next(self._views):05d}", "team_id": self.team_id},
        }

    def _views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        problem = self._check_view(args.get("view"))
        if problem:
            return {
                "ok": False,
                "error": "invalid_arguments",
                "response_metadata": {"messages": [problem]},
            }
        return {"ok": True, "view": {**args["view"], "id": args.get("view_id", "V0")}}

    _views_push = _views_open

    def _check_message(self, args: dict[str, Any]) -> dict[str, Any] | None:
        if not args.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        if not args.get("text") and not args.get("blocks"):
            return {"ok": False, "error": "no_text"}
        blocks = args.get("blocks") or []
        try:
            if len(blocks) > 50:
                raise ValueError("too many blocks")
            for block in blocks:
                parsed = Block.parse(block)
                if parsed is None:
                    raise ValueError(f"unknown block {block}")
                parsed.validate_json()
        except Exception as exc:  # noqa: BLE001
            return {
                "ok": False,
                "error": "invalid_blocks",
                "response_metadata": {"messages": [str(exc)]},
            }
        return None

    def _next_ts(self) -> str:
        return f"1700000000.{next(self._ts):06d}"

    def _chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        problem = self._check_message(args)
        if problem:
            return problem
        message: dict[str, Any] = {
            "type": "message",
            "ts": self._next_ts(),
            "text": args.get("text", ""),
            "user": "UBOT",
            "bot_id": "BBOT",
        }
        if args.get("thread_ts"):
            message["thread_ts"] = args["thread_ts"]
        metadata = args.get("metadata")
        if isinstance(metadata, str):
            metadata = json.loads(metadata)
        if metadata:
            message["metadata"] = metadata
        self.messages.setdefault(args["channel"], []).append(message)
        return {"ok": True, "channel": args["channel"], "ts": message["ts"], "message": message}

    def _conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        """Top-level messages of a channel, newest first, paged by `limit` and `cursor`."""
        channel = str(args.get("channel", ""))
        top = [m for m in self.messages.get(channel, []) if m.get("thread_ts", m["ts"]) == m["ts"]]
        return _page(list(reversed(top)), args)

    def _conversations_replies(self, args: dict[str, Any]) -> dict[str, Any]:
        """A thread: its parent, then its replies, oldest first, paged like history."""
        channel, ts = str(args.get("channel", "")), str(args.get("ts", ""))
        messages = self.messages.get(channel, [])
        if not any(m["ts"] == ts for m in messages):
            return {"ok": False, "error": "thread_not_found"}
        thread = [m for m in messages if m["ts"] == ts or m.get("thread_ts") == ts]
        return _page(thread, args)

    def _chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        return self._check_message(args) or {"ok": True, "message_ts": self._next_ts()}

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        for message in self.messages.get(str(args.get("channel", "")), []):
            if message["ts"] == args.get("ts") and not self._check_message(args):
                message["text"] = args.get("text", "")  # its metadata stays as it was
        return self._check_message(args) or {
            "ok": True,
            "channel": args["channel"],
            "ts": args.get("ts"),
            "text": args.get("text", ""),
        }

    def _conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "channel": {"id": "D" + str(args.get("users", "")).split(",")[0]}}

    def _oauth_v2_access(self, args: dict[str, Any]) -> dict[str, Any]:
        if args.get("code") != "good-code":
            return {"ok": False, "error": "invalid_code"}
        return {
            "ok": True,
            "app_id": "A0001",
            "authed_user": {"id": "U0INSTALL"},
            "scope": ",".join(sorted(self.scopes)),
            "token_type": "bot",
            "access_token": "xoxb-installed",
            "bot_user_id": "UBOT",
            "team": {"id": "T0002", "name": "Beta"},
            "enterprise": None,
            "is_enterprise_install": False,
        }

    def _apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/link"}


def _history_scope(channel: str) -> str:
    """The scope reading a conversation's history needs: by the kind its id names."""
    if channel.startswith("D"):
        return "im:history"
    return "groups:history" if channel.startswith("G") else "channels:history"


def _page(messages: list[dict[str, Any]], args: dict[str, Any]) -> dict[str, Any]:
    """One page of `messages` as Slack answers it; metadata only if include_all_metadata."""
    start = int(args.get("cursor") or 0)
    limit = int(args.get("limit") or 100)
    chunk = messages[start : start + limit]
    if str(args.get("include_all_metadata", "")).lower() not in ("1", "true"):
        chunk = [{k: v for k, v in m.items() if k != "metadata"} for m in chunk]
    more = start + limit < len(messages)
    return {
        "ok": True,
        "messages": chunk,
        "has_more": more,
        "response_metadata": {"next_cursor": str(start + limit) if more else ""},
    }


async def _serve_forever(port: int) -> None:
    fake = FakeSlack()
    await fake.start(port)
    print(f"fake Slack Web API on {fake.api_url}", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":  # python -m tests.adapters.slack.fake_slack PORT (benchmarks)
    import sys

    asyncio.run(_serve_forever(int(sys.argv[1])))
