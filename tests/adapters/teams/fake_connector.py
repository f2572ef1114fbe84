"""A local fake of the Bot Framework connector (what an activity's `serviceUrl` names).

A real aiohttp server that records what the bot sends (new posts, thread replies, updates)
and answers the conversation and member calls as the Teams connector does. It can be told to
fail the next calls of a kind (e.g. 429 with Retry-After, 503, 403) to test retries.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

__all__ = ["Call", "FakeConnector"]


@dataclass
class Call:
    """One recorded connector call: `kind` is send, reply, update, create or members."""

    kind: str
    conversation: str
    activity_id: str | None
    body: dict[str, Any]
    authorization: str | None
    result: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """All the text of the activity sent: its own, and every text in its cards."""
        return "\n".join(_texts(self.body))

    @property
    def cards(self) -> list[dict[str, Any]]:
        """The Adaptive Cards the activity carries."""
        return [a["content"] for a in self.body.get("attachments") or []]


def _texts(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["text"]] if isinstance(node.get("text"), str) else []
        return found + [t for k, v in node.items() if k != "text" for t in _texts(v)]
    if isinstance(node, list):
        return [t for item in node for t in _texts(item)]
    return []


@dataclass
class Failure:
    """A scripted failure of the next call(s) of a kind."""

    status: int
    headers: dict[str, str]
    times: int


class FakeConnector:
    """The fake server; `await start()`, put `url` in activities' serviceUrl, `await stop()`."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.members: dict[str, list[dict[str, Any]]] = {}  # conversation -> its members
        self._failures: dict[str, list[Failure]] = {}
        self._ids = itertools.count(1)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> None:
        """Listen on a free loopback port."""
        app = web.Application()
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_post("/v3/conversations/{cid}/activities", self._send)
        app.router.add_post("/v3/conversations/{cid}/activities/{aid}", self._reply)
        app.router.add_put("/v3/conversations/{cid}/activities/{aid}", self._update)
        app.router.add_get("/v3/conversations/{cid}/members", self._members)
        app.router.add_get("/v3/conversations/{cid}/members/{mid}", self._member)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/"

    async def stop(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()

    def fail(
        self, kind: str, status: int, *, retry_after: str | None = None, times: int = 1
    ) -> None:
        """Answer the next `times` calls of `kind` with `status` (and Retry-After)."""
        headers = {"Retry-After": retry_after} if retry_after is not None else {}
        self._failures.setdefault(kind, []).append(Failure(status, headers, times))

    def of(self, *kinds: str) -> list[Call]:
        """The recorded calls of these kinds (all when none is named), oldest first."""
        return [c for c in self.calls if not kinds or c.kind in kinds]

    def posts(self) -> list[Call]:
        """Every activity the bot posted (new posts and thread replies)."""
        return self.of("send", "reply")

    async def wait_for(self, *kinds: str, count: int = 1, timeout: float = 10) -> list[Call]:
        """Wait until at least `count` calls of these kinds were made; those calls."""
        async with self._changed:
            await asyncio.wait_for(
                self._changed.wait_for(lambda: len(self.of(*kinds)) >= count), timeout
            )
        return self.of(*kinds)

    async def _record(
        self, request: web.Request, kind: str, result: dict[str, Any]
    ) -> web.Response:
        raw = await request.read()
        body = json.loads(raw) if raw else {}
        failures = self._failures.get(kind) or []
        if failures:
            failure = failures[0]
            failure.times -= 1
            if failure.times <= 0:
                failures.pop(0)
            self.calls.append(
                Call(kind + "-failed", request.match_info.get("cid", ""), None, body, None)
            )
            error = {"error": {"code": "Throttled", "message": "try again"}}
            return web.json_response(error, status=failure.status, headers=failure.headers)
        call = Call(
            kind,
            request.match_info.get("cid", ""),
            request.match_info.get("aid"),
            body,
            request.headers.get("Authorization"),
            result,
        )
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()
        return web.json_response(result)

    async def _send(self, request: web.Request) -> web.Response:
        return await self._record(request, "send", {"id": f"act-{next(self._ids)}"})

    async def _reply(self, request: web.Request) -> web.Response:
        return await self._record(request, "reply", {"id": f"act-{next(self._ids)}"})

    async def _update(self, request: web.Request) -> web.Response:
        return await self._record(request, "update", {"id": request.match_info["aid"]})

    async def _create(self, request: web.Request) -> web.Response:
        body = json.loads(await request.read())
        member = body["members"][0]["id"]
        return await self._record(request, "create", {"id": f"a:personal-{member}"})

    async def _members(self, request: web.Request) -> web.Response:
        return web.json_response(self.members.get(request.match_info["cid"], []))

    async def _member(self, request: web.Request) -> web.Response:
        for member in self.members.get(request.match_info["cid"], []):
            if request.match_info["mid"] in (member.get("id"), member.get("aadObjectId")):
                return web.json_response(member)
        return web.json_response({"error": {"code": "MemberNotFound"}}, status=404)
