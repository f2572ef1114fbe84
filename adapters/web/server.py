"""The one aiohttp application: each chat runtime's routes, /healthz, and the lifecycle.

The server knows no platform: it mounts the runtimes it is given, starts them and then the
hooks (the outbox pump first), and stops everything in reverse order.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from adapters.web.pump import OutboxPump
from adapters.web.runtime import ChatRuntime, Hook

__all__ = ["ParkedCount", "Server", "build_server", "run_server"]

# How many outbox messages are parked as undeliverable, waiting for an operator.
ParkedCount = Callable[[], Awaitable[int]]

# The kernel's receive buffer of each connection, and so about what one read takes in before a
# handler has seen the headers: 200 concurrent 1 MB bodies then cost ~15 MB, not ~50 MB.
RECEIVE_BUFFER = 32 * 1024


@dataclass(eq=False)
class Server:
    """A built server: its aiohttp app plus the parts tests and the CLI reach into."""

    web_app: web.Application
    runtimes: list[ChatRuntime]
    pump: OutboxPump
    session: aiohttp.ClientSession
    parked: ParkedCount
    hooks: list[Hook] = field(default_factory=list)

    def runtime(self, platform: str) -> ChatRuntime:
        """The runtime serving `platform` (KeyError if it is not served)."""
        for runtime in self.runtimes:
            if runtime.platform == platform:
                return runtime
        raise KeyError(platform)

    def describe(self) -> str:
        """What is served, for the start-up line: "Slack: HTTP /slack/events; Teams: ..."."""
        return "; ".join(runtime.describe() for runtime in self.runtimes)


SERVER: web.AppKey[Server] = web.AppKey("server", Server)


async def _health(request: web.Request) -> web.Response:
    server = request.app[SERVER]
    return web.json_response(
        {
            "status": "ok",
            "runtimes": {r.platform: r.health() for r in server.runtimes},
            "outbox": {"rounds": server.pump.rounds, "parked": await server.parked()},
        }
    )


def build_server(
    runtimes: Sequence[ChatRuntime],
    *,
    pump: OutboxPump,
    session: aiohttp.ClientSession,
    parked: ParkedCount,
    hooks: Sequence[Hook] = (),
) -> Server:
    """Mount the runtimes' routes and /healthz (with the outbox's `parked` count) on one
    aiohttp application.

    On start-up the runtimes start (tokens checked, sockets connected), then the pump, then
    the hooks; on shutdown they stop in reverse and the shared HTTP `session` is closed.
    """
    web_app = web.Application()
    server = Server(web_app, list(runtimes), pump, session, parked, list(hooks))
    web_app[SERVER] = server
    web_app.router.add_get("/healthz", _health)
    for runtime in server.runtimes:
        runtime.add_routes(web_app.router)
    web_app.cleanup_ctx.append(_lifecycle)
    return server


async def _lifecycle(web_app: web.Application) -> AsyncIterator[None]:
    server = web_app[SERVER]
    order: list[Hook] = [*server.runtimes, server.pump, *server.hooks]
    started: list[Hook] = []
    try:
        for hook in order:
            await hook.start()  # a runtime that cannot start: a one-line error from `serve`
            started.append(hook)
        yield
    finally:
        for hook in reversed(started):
            await hook.stop()
        await server.session.close()


async def run_server(server: Server, *, host: str, port: int, stop: asyncio.Event) -> None:
    """Serve until `stop` is set (also while still starting: a signal then ends start-up)."""
    runner = web.AppRunner(server.web_app, access_log=None)
    try:
        if not await _unless_stopped(runner.setup(), stop):
            return
        site = _Site(runner, host, port, backlog=1024)
        if not await _unless_stopped(site.start(), stop):
            return
        print(f"supportbot serving on http://{host}:{port} ({server.describe()})", flush=True)
        await stop.wait()
    finally:
        with contextlib.suppress(Exception):
            await runner.cleanup()


class _Site(web.TCPSite):
    """A TCP site whose connections buffer at most RECEIVE_BUFFER bytes ahead of the app."""

    async def start(self) -> None:
        """Listen, then cap the receive buffer that accepted connections inherit."""
        await super().start()
        for sock in getattr(self._server, "sockets", ()):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)


async def _unless_stopped(step: Coroutine[Any, Any, None], stop: asyncio.Event) -> bool:
    """Run `step` unless `stop` is set first (then cancel it); whether it ran to the end."""
    task = asyncio.ensure_future(step)
    stopped = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait((task, stopped), return_when=asyncio.FIRST_COMPLETED)
    except BaseException:
        task.cancel()
        raise
    finally:
        stopped.cancel()
    if task.done():
        task.result()  # start-up errors propagate
        return True
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    return False
