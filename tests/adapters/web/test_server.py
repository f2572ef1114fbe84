"""The web server mounts the chat runtimes it is given and runs one lifecycle for everything.

A recording runtime stands in for a platform: the server must serve its routes, report it on
/healthz, and start it, the outbox pump and the hooks in order, stopping them in reverse.
"""

from __future__ import annotations

from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer

from adapters.web.pump import OutboxPump
from adapters.web.server import build_server
from tests.fakes import RecordingNotifier


class Recording:
    """A hook that writes down when it starts and stops."""

    def __init__(self, name: str, events: list[str]) -> None:
        self.name = name
        self.events = events

    async def start(self) -> None:
        """Note the start."""
        self.events.append(f"start {self.name}")

    async def stop(self) -> None:
        """Note the stop."""
        self.events.append(f"stop {self.name}")


class EchoRuntime(Recording):
    """A chat runtime with one route, for a platform the server has never heard of."""

    platform = "echo"

    def __init__(self, events: list[str]) -> None:
        super().__init__("echo", events)
        self.notifier = RecordingNotifier()

    def describe(self) -> str:
        """The start-up line's part."""
        return "Echo: HTTP /echo"

    def health(self) -> dict[str, Any]:
        """What /healthz shows."""
        return {"mode": "loopback"}

    def add_routes(self, router: web.UrlDispatcher) -> None:
        """GET /echo."""

        async def echo(request: web.Request) -> web.Response:
            return web.Response(text="echo")

        router.add_get("/echo", echo)


async def _nothing_to_drain() -> int:
    return 0


async def _two_parked() -> int:
    return 2


async def test_runtimes_routes_health_and_hooks_share_the_server_lifecycle() -> None:
    events: list[str] = []
    pump = OutboxPump(_nothing_to_drain, interval=3600)
    session = aiohttp.ClientSession()
    server = build_server(
        [EchoRuntime(events)],
        pump=pump,
        session=session,
        parked=_two_parked,
        hooks=[Recording("scheduler", events)],
    )
    test_server = TestServer(server.web_app, host="127.0.0.1")
    await test_server.start_server()
    try:
        assert events == ["start echo", "start scheduler"]
        await pump.next_round()  # the pump runs between the runtime and the hooks
        async with aiohttp.ClientSession() as http:
            async with http.get(test_server.make_url("/echo")) as response:
                assert await response.text() == "echo"
            async with http.get(test_server.make_url("/healthz")) as response:
                health = await response.json()
        assert health == {
            "status": "ok",
            "runtimes": {"echo": {"mode": "loopback"}},
            "outbox": {"rounds": pump.rounds, "parked": 2},
        }
        assert pump.rounds >= 1
        assert server.describe() == "Echo: HTTP /echo"
    finally:
        await test_server.close()
    assert events == ["start echo", "start scheduler", "stop scheduler", "stop echo"]
    assert session.closed


async def test_a_hook_that_cannot_start_stops_what_had_started() -> None:
    events: list[str] = []

    class Broken(Recording):
        async def start(self) -> None:
            raise RuntimeError("scheduler cannot start")

    server = build_server(
        [EchoRuntime(events)],
        pump=OutboxPump(_nothing_to_drain, interval=3600),
        session=aiohttp.ClientSession(),
        parked=_two_parked,
        hooks=[Recording("first", events), Broken("broken", events)],
    )
    runner = web.AppRunner(server.web_app)
    try:
        await runner.setup()
    except RuntimeError as exc:
        assert str(exc) == "scheduler cannot start"
    else:
        raise AssertionError("start-up should have failed")
    finally:
        await runner.cleanup()
    assert events == ["start echo", "start first", "stop first", "stop echo"]
    assert server.session.closed
