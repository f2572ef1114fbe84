"""The scheduled jobs: what runs, and when.

Each job is `async def run(desk) -> int`, working as of `desk.now()`, deriving what is due
from the database and queuing posts only through the outbox with dedupe keys, so a tick that
runs twice (or in two processes) posts nothing new. The scheduler (bot/jobs/scheduler.py,
built in the composition root) runs them inside `serve` and `chat`; `supportbot jobs run`
runs one tick as of an instant.

To add a job: a module `bot/jobs/<name>.py` with `run`, and one line in `JOBS` below (the
module is imported at the job's first tick: a command that runs no job does not pay for it).
A job whose derived state may need putting right at start-up (SLA due instants after the
calendar changed) names that as `prepare`: `serve` and `chat` run it once before the first
tick, `jobs run` before its tick.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.app.desk import Desk

__all__ = [
    "JOBS",
    "Daily",
    "Every",
    "Job",
    "JobRun",
    "Schedule",
    "by_name",
    "scheduled",
]

JobRun = Callable[["Desk"], Awaitable[int]]


@dataclass(frozen=True, slots=True)
class Every:
    """Every `seconds`; `on_the_minute`: at second 0 of every minute instead."""

    seconds: float = 60.0
    on_the_minute: bool = False

    def __post_init__(self) -> None:
        if self.seconds <= 0:
            raise ValueError("an interval must be positive")


@dataclass(frozen=True, slots=True)
class Daily:
    """Once a business day (the policy's calendar), at or after `at` in the policy's zone.

    02:00-03:00 is refused: on the days clocks change that hour is skipped or happens twice.
    """

    at: time

    def __post_init__(self) -> None:
        if self.at.hour == 2:
            raise ValueError("a daily job between 02:00 and 03:00 misfires on DST days")

    def due(self, desk: Desk, now: datetime, last_day: date | None) -> bool:
        """Whether the job is due at `now` and has not run on this local day (`last_day`)."""
        local = now.astimezone(desk.policy.timezone)
        return (
            local.date() != last_day
            and local.timetz().replace(tzinfo=None) >= self.at
            and desk.calendar.is_business_day(local.date())
        )


Schedule = Every | Daily


@dataclass(frozen=True, slots=True)
class Job:
    """A named job: its schedule, what it runs, and what it puts right once at start-up.

    `scheduled` False: run only by `supportbot jobs run` (the outbox, which `serve`'s pump
    and the console drain on their own).
    """

    name: str
    schedule: Schedule
    run: JobRun
    prepare: JobRun | None = None
    scheduled: bool = True


async def _outbox(desk: Desk) -> int:
    """Queues nothing: what it stands for is the delivery `jobs run` does after every tick."""
    return 0


# The outbox's own round in `serve` is the pump's (adapters/web/pump.py, every few seconds).
OUTBOX_EVERY = timedelta(seconds=5)


def _lazy(module: str, name: str) -> JobRun:
    """`module.name`, imported at its first call: every CLI command reads this registry, and
    the jobs' own imports would slow each one's start."""

    async def call(desk: Desk) -> int:
        run: JobRun = getattr(importlib.import_module(module), name)
        return await run(desk)

    call.__qualname__ = f"{module}.{name}"
    return call


JOBS: tuple[Job, ...] = (
    Job("sla", Every(30), _lazy("bot.jobs.sla", "run"), prepare=_lazy("bot.jobs.sla", "recompute")),
    Job("windows", Every(on_the_minute=True), _lazy("bot.jobs.windows", "run")),
    Job("outbox", Every(OUTBOX_EVERY.total_seconds()), _outbox, scheduled=False),
)


def by_name(name: str, jobs: tuple[Job, ...] | None = None) -> Job:
    """The job called `name` in `jobs` (default: JOBS); KeyError if there is none."""
    for job in JOBS if jobs is None else jobs:
        if job.name == name:
            return job
    raise KeyError(name)


def scheduled(jobs: tuple[Job, ...] | None = None) -> tuple[Job, ...]:
    """The jobs of `jobs` (default: JOBS) the scheduler runs in `serve` and `chat`."""
    return tuple(job for job in (JOBS if jobs is None else jobs) if job.scheduled)
