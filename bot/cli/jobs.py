"""`supportbot jobs run JOB [--now ISO8601]`: one tick of a scheduled job, then delivery.

For operators, cron and tests. The tick works as of `--now` (else `SUPPORTBOT_NOW`, else the
system clock, standing still for the run), then what the outbox holds due is sent through the
chats configured in the environment, as `serve` would send it. Jobs queue posts with dedupe
keys, so running the same tick again posts nothing new. Posts for a chat not configured here
stay queued for a `serve` that has it.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from bot.cli.main import CliError

if TYPE_CHECKING:
    from bot.app.desk import Desk
    from bot.app.ports import Clock
    from bot.cli.compose import Platforms
    from bot.jobs import Job

__all__ = ["register"]


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Register `jobs run`."""
    from bot.jobs import JOBS

    jobs = sub.add_parser("jobs", help="run the scheduled jobs by hand")
    actions = jobs.add_subparsers(dest="action", metavar="ACTION", required=True)
    run = actions.add_parser(
        "run",
        help="one tick of a job as of an instant, then deliver what it queued",
        description="Run one tick of JOB as of --now (default: $SUPPORTBOT_NOW, else now), "
        "then send what the outbox holds due through the chats configured in the environment "
        "(as `serve` would). Running it twice with the same --now posts nothing new. Posts for "
        "a chat not configured here wait in the outbox for a `supportbot serve` that has it.",
    )
    run.add_argument("job", choices=[job.name for job in JOBS], metavar="JOB", help=_names(JOBS))
    run.add_argument("--now", metavar="ISO8601", help="the instant to tick as of, with UTC offset")
    run.set_defaults(handler=_run)


def _names(jobs: tuple[Job, ...]) -> str:
    return "one of: " + ", ".join(job.name for job in jobs)


def _clock(raw: str | None) -> Clock:
    from bot.app.clock import FrozenClock, parse_instant
    from bot.cli.compose import clock

    if raw is None:
        return clock()
    try:
        return FrozenClock(parse_instant(raw))
    except ValueError as exc:
        raise CliError(f"--now: {exc}") from None


def _run(args: argparse.Namespace) -> int:
    from bot.cli.compose import platforms_from_env
    from bot.cli.database import run
    from bot.jobs import by_name

    job = by_name(args.job)
    time = _clock(args.now)
    platforms = platforms_from_env()
    queued, sent = run(_tick_and_deliver(job, time, platforms))
    print(_summary(job, queued, sent))
    return 0


async def _tick_and_deliver(job: Job, time: Clock, platforms: Platforms) -> tuple[int, int]:
    from bot.cli.compose import deliver, open_desk

    async with open_desk(time) as wired:
        desk: Desk = wired.desk
        if job.prepare is not None:
            await job.prepare(desk)
        # Not through the scheduler's tick, which logs a failure and carries on: here a
        # failing job fails the command.
        queued = await job.run(desk)
        sent = await deliver(desk, platforms, engine=wired.store.engine)
        return queued, sent


def _summary(job: Job, queued: int, sent: int) -> str:
    return f"{job.name}: {_posts(queued)} queued, {_posts(sent)} sent"


def _posts(count: int) -> str:
    return f"{count} post{'' if count == 1 else 's'}"
