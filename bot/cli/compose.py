"""The composition root: the one place that builds and wires everything.

Every command gets its clock here (`SUPPORTBOT_NOW`, an instant for demos and tests, is
honoured everywhere: `serve` and `chat` start their clock there and let it run on, every other
command stands still at it), `chat` and `serve` their desk (policy, store, clock, calendar,
monitoring), and `serve` the rest: the HTTP session, the outbox pump, one chat runtime per
configured platform, the job scheduler, and the hooks that start and stop with the server.
Adding a platform touches its adapter, `Platforms` and `_build_runtimes`, nothing else.
Heavy imports stay inside the functions: every command imports this module.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.cli.main import CliError

if TYPE_CHECKING:
    import aiohttp
    from sqlalchemy.ext.asyncio import AsyncEngine

    from adapters.slack.client import Sleep
    from adapters.slack.settings import SlackSettings
    from adapters.teams.settings import TeamsSettings
    from adapters.web.runtime import ChatRuntime, Hook
    from adapters.web.server import Server
    from bot.app.desk import Desk
    from bot.app.ports import Clock
    from bot.jobs import Job
    from storage import SqlStore

__all__ = [
    "NOW_ENV",
    "OUTBOX_TICK",
    "Platforms",
    "Wired",
    "assemble",
    "clock",
    "deliver",
    "open_desk",
    "platforms_from_env",
    "serve",
]

NOW_ENV = "SUPPORTBOT_NOW"
# Seconds between outbox rounds when nothing wakes the pump: retries that came due, and posts
# queued by other processes (the CLI, another instance).
OUTBOX_TICK = 5.0


def clock(environ: Mapping[str, str] | None = None, *, running: bool = False) -> Clock:
    """The system clock, or the instant SUPPORTBOT_NOW names: stopped there, or (`running`)
    starting there and running on in whole minutes; a bad value is a CliError."""
    from bot.app.clock import FrozenClock, RunningClock, SystemClock, parse_instant

    env = os.environ if environ is None else environ
    fixed = env.get(NOW_ENV, "")
    if not fixed.strip():
        return SystemClock()
    try:
        at = parse_instant(fixed)
    except ValueError as exc:
        raise CliError(f"{NOW_ENV}: {exc}") from None
    return RunningClock(at) if running else FrozenClock(at)


@dataclass(frozen=True)
class Wired:
    """The desk every use case takes, and the store behind it (its engine serves OAuth)."""

    desk: Desk
    store: SqlStore


@contextlib.asynccontextmanager
async def open_desk(time: Clock | None = None) -> AsyncIterator[Wired]:
    """The desk on the configured database (migrated first), closed on the way out; on
    `time`, else the clock `clock()` gives."""
    from bot.app.desk import Desk
    from bot.cli.database import open_configured, policy
    from storage.monitoring import SqlMonitoring

    agreement = policy()
    time = time if time is not None else clock()
    store = await open_configured(agreement.ticket_prefix)
    try:
        desk = Desk.create(
            store=store, clock=time, policy=agreement, monitoring=SqlMonitoring(store)
        )
        yield Wired(desk, store)
    finally:
        await store.close()


@dataclass(frozen=True)
class Platforms:
    """The chat platforms this process can serve; None: not configured here."""

    slack: SlackSettings | None = None
    teams: TeamsSettings | None = None

    @property
    def any(self) -> bool:
        """Whether at least one platform is configured."""
        return self.slack is not None or self.teams is not None


def platforms_from_env(environ: Mapping[str, str] | None = None) -> Platforms:
    """The configured platforms; a CliError for a half-configured one.

    Teams is always served: without MICROSOFT_APP_ID anonymously, for local use.
    """
    from adapters.slack.settings import SlackConfigError, SlackSettings
    from adapters.teams.settings import TeamsConfigError, TeamsSettings

    try:
        slack = SlackSettings.from_env(environ)
    except SlackConfigError as exc:
        raise CliError(f"Slack: {exc}") from None
    try:
        teams = TeamsSettings.from_env(environ)
    except TeamsConfigError as exc:
        raise CliError(f"Teams: {exc}") from None
    return Platforms(slack=slack, teams=teams)


async def assemble(
    desk: Desk,
    platforms: Platforms,
    *,
    engine: AsyncEngine | None = None,
    tick: float = OUTBOX_TICK,
    sleep: Sleep | None = None,
    hooks: Sequence[Hook] = (),
    jobs: Sequence[Job] = (),
) -> Server:
    """The server for `platforms`: one runtime each, the outbox pump, health, `hooks`, and
    a scheduler running `jobs` (which wakes the pump when a tick queued posts).

    `engine` is the desk's database (OAuth installations live there); `sleep` is what the
    chat clients wait with between retries (tests record instead of sleeping).
    """
    import asyncio

    import aiohttp

    from adapters.web.pump import OutboxPump
    from adapters.web.server import build_server
    from bot.app.outbox import drain
    from bot.app.ports import Notifier
    from bot.jobs.scheduler import JobScheduler

    session = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=100), timeout=aiohttp.ClientTimeout(total=30)
    )
    notifiers: dict[str, Notifier] = {}

    async def drain_once() -> int:
        return await drain(desk, notifiers)

    pump = OutboxPump(drain_once, interval=tick)
    try:
        runtimes = await _build_runtimes(
            desk,
            platforms,
            session=session,
            engine=engine,
            wake=pump.wake,
            sleep=sleep or asyncio.sleep,
        )
    except BaseException:
        await session.close()
        raise
    notifiers.update({r.platform: r.notifier for r in runtimes})

    async def parked() -> int:
        async with desk.store.unit() as uow:
            return await uow.outbox.count_parked()

    if jobs:
        hooks = [*hooks, JobScheduler(desk, jobs, listeners=[pump.wake])]
    return build_server(runtimes, pump=pump, session=session, parked=parked, hooks=hooks)


async def deliver(
    desk: Desk,
    platforms: Platforms,
    *,
    engine: AsyncEngine | None = None,
    sleep: Sleep | None = None,
) -> int:
    """Send what the outbox holds due for `platforms` through their notifiers, without
    serving anything (`jobs run`); returns how many posts were sent. `engine` as for
    `assemble`."""
    import asyncio

    import aiohttp

    from bot.app.outbox import drain

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        # Built, not started: starting would connect Socket Mode or check tokens for serving.
        runtimes = await _build_runtimes(
            desk,
            platforms,
            session=session,
            engine=engine,
            wake=lambda: None,
            sleep=sleep or asyncio.sleep,
        )
        notifiers = {r.platform: r.notifier for r in runtimes}
        sent = 0
        while batch := await drain(desk, notifiers):
            sent += batch
        return sent


async def _build_runtimes(
    desk: Desk,
    platforms: Platforms,
    *,
    session: aiohttp.ClientSession,
    engine: AsyncEngine | None,
    wake: Callable[[], None],
    sleep: Sleep,
) -> list[ChatRuntime]:
    """One chat runtime per configured platform."""
    runtimes: list[ChatRuntime] = []
    if platforms.slack is not None:
        from adapters.slack.app import build_slack

        runtimes.append(
            await build_slack(
                desk, platforms.slack, session=session, engine=engine, wake=wake, sleep=sleep
            )
        )
    if platforms.teams is not None:
        from adapters.teams.runtime import build_teams

        database = engine if engine is not None else getattr(desk.store, "engine", None)
        if database is None:
            raise ValueError("Teams keeps its conversation references in the database")
        runtimes.append(
            await build_teams(desk, platforms.teams, engine=database, wake=wake, sleep=sleep)
        )
    return runtimes


async def serve(platforms: Platforms, *, host: str, port: int) -> None:
    """Build everything and serve until SIGINT/SIGTERM; start-up failures are CliErrors."""
    import asyncio
    import signal

    from adapters.slack.startup import SlackUnavailableError
    from adapters.web.server import run_server
    from bot.jobs import scheduled
    from bot.jobs.scheduler import prepare

    async with open_desk(clock(running=True)) as wired:
        jobs = scheduled()
        await prepare(wired.desk, jobs)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        try:
            server = await assemble(wired.desk, platforms, engine=wired.store.engine, jobs=jobs)
            await run_server(server, host=host, port=port, stop=stop)
        except SlackUnavailableError as exc:
            raise CliError(str(exc)) from None
        except OSError as exc:
            raise CliError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
