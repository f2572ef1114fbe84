"""The one aiohttp application: Slack on /slack/*, health on /healthz, the outbox pump inside."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Coroutine
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.slack.app import SlackRuntime, build_slack
from adapters.slack.client import Sleep
from adapters.slack.settings import SlackSettings
from adapters.web.pump import OutboxPump
from bot.app.desk import Desk
from bot.app.outbox import drain
from bot.domain.models import Channel

__all__ = ["Server", "build_server", "run_server"]


@dataclass(eq=False)
class Server:
    """A built server: its aiohttp app plus the parts tests and the CLI reach into."""

    web_app: web.Application
    slack: SlackRuntime
    pump: OutboxPump
    session: aiohttp.ClientSession


SERVER: web.AppKey[Server] = web.AppKey("server", Server)


async def _health(request: web.Request) -> web.Response:
    server = request.app[SERVER]
    mode = "socket" if server.slack.settings.socket_mode else "http"
    return web.json_response({"status": "ok", "slack": mode, "outbox_rounds": server.pump.rounds})


async def build_server(
    desk: Desk,
    settings: SlackSettings,
    *,
    engine: AsyncEngine | None = None,
    tick: float = 5.0,
    sleep: Sleep = asyncio.sleep,
) -> Server:
    """Wire Slack, the outbox pump and health into one aiohttp application."""
    session = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=100), timeout=aiohttp.ClientTimeout(total=30)
    )
    runtime: SlackRuntime | None = None

    async def drain_once() -> int:
        if runtime is None:
            return 0
        return await drain(desk, {Channel.SLACK: runtime.notifier})

    pump = OutboxPump(drain_once, interval=tick)
    try:
        runtime = await build_slack(
            desk, settings, session=session, engine=engine, wake=pump.wake, sleep=sleep
        )
    except BaseException:
        await session.close()
        raise
    web_app = web.Application()
    server = Server(web_app, runtime, pump, session)
    web_app[SERVER] = server
    web_app.router.add_get("/healthz", _health)
    if not settings.socket_mode:
        runtime.http.add_routes(web_app.router, oauth=settings.oauth)
    web_app.cleanup_ctx.append(_lifecycle)
    return server


async def _lifecycle(web_app: web.Application) -> AsyncIterator[None]:
    server = web_app[SERVER]
    try:
        await server.slack.start()  # tokens checked, Socket Mode connected: or a one-line error
        server.pump.start()
        yield
    finally:
        await server.pump.stop()
        await server.slack.close()
        await server.session.close()


async def run_server(server: Server, *, host: str, port: int, stop: asyncio.Event) -> None:
    """Serve until `stop` is set (also while still starting: a signal then ends start-up)."""
    runner = web.AppRunner(server.web_app, access_log=None)
    try:
        if not await _unless_stopped(runner.setup(), stop):
            return
        site = web.TCPSite(runner, host, port, backlog=1024)
        if not await _unless_stopped(site.start(), stop):
            return
        mode = "Socket Mode" if server.slack.settings.socket_mode else "HTTP /slack/events"
        print(f"supportbot serving on http://{host}:{port} (Slack: {mode})", flush=True)
        await stop.wait()
    finally:
        with contextlib.suppress(Exception):
            await runner.cleanup()


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
