"""The in-process clock that runs the scheduled jobs: APScheduler 3, used as a timer only.

No job store: APScheduler's SQLAlchemyJobStore pickles jobs and cannot be shared between
processes. Every tick derives what is due from the database, and posts carry dedupe keys, so
two processes (or a tick run twice) post each message once. The scheduler decides only *when*
to look; what time it is comes from the desk's clock (shifted by `SUPPORTBOT_NOW`, moved by
the console's `/clock`), never from APScheduler's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import Any

from bot.app.desk import Desk
from bot.jobs import Daily, Every, Job

__all__ = ["MISFIRE_GRACE", "STOP_GRACE", "JobScheduler", "prepare"]

log = logging.getLogger(__name__)

# Seconds a tick may start late (a busy event loop) and still run; a later one is skipped,
# and the next tick catches up, since every tick looks at the database afresh.
MISFIRE_GRACE = 30
# Seconds `stop` waits for a tick under way before cancelling it. Ticks take milliseconds;
# cancelling one in the middle of its database work leaves a connection to be torn down
# (an aiosqlite connection can then hang the interpreter's exit), so it is the last resort.
STOP_GRACE = 10.0


async def prepare(desk: Desk, jobs: Iterable[Job]) -> None:
    """Run each job's start-up step once (a failure is logged: serving matters more)."""
    for job in jobs:
        if job.prepare is None:
            continue
        try:
            await job.prepare(desk)
        except Exception:
            log.exception("preparing job %s failed; its ticks run on the stored state", job.name)


class JobScheduler:
    """Runs `jobs` on their schedules while started (a server Hook; `chat` starts one too).

    One tick of a job at a time (APScheduler's max_instances=1, plus a lock shared with
    `run_due`); missed ticks coalesce into one; a failing tick is logged and the next one
    runs. After a tick that queued posts, every listener is called (the outbox pump's wake).
    """

    def __init__(
        self,
        desk: Desk,
        jobs: Sequence[Job],
        *,
        listeners: Iterable[Callable[[], None]] = (),
        misfire_grace: int = MISFIRE_GRACE,
        stop_grace: float = STOP_GRACE,
    ) -> None:
        self._desk = desk
        self._jobs = tuple(jobs)
        self._listeners = list(listeners)
        self._grace = misfire_grace
        self._stop_grace = stop_grace
        self._locks = {job.name: asyncio.Lock() for job in self._jobs}
        self._last_day: dict[str, date] = {}  # the local day each daily job last ran
        self._scheduler: Any = None  # AsyncIOScheduler: untyped, imported when started
        self._running: set[asyncio.Task[Any]] = set()
        self._changed = asyncio.Condition()
        self.ticks: dict[str, int] = {job.name: 0 for job in self._jobs}  # for tests, health
        self.failures: dict[str, int] = {job.name: 0 for job in self._jobs}

    @property
    def jobs(self) -> tuple[Job, ...]:
        """The jobs this scheduler runs."""
        return self._jobs

    def add_listener(self, listener: Callable[[], None]) -> None:
        """Call `listener` after every tick that queued posts."""
        self._listeners.append(listener)

    async def start(self) -> None:
        """Start the timer; every job ticks at once (catching up after downtime), then on
        its schedule."""
        from apscheduler.schedulers.asyncio import AsyncIOScheduler

        tz = self._desk.policy.timezone
        scheduler = AsyncIOScheduler(
            timezone=tz,
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": self._grace,
            },
        )
        started = datetime.now(tz)
        for job in self._jobs:
            scheduler.add_job(
                self._scheduled_tick,
                _trigger(job, tz),
                args=(job,),
                id=job.name,
                name=job.name,
                next_run_time=started,
            )
        scheduler.start()
        self._scheduler = scheduler

    async def stop(self) -> None:
        """Stop the timer: no new tick starts; one under way may finish (for `stop_grace`
        seconds, then it is cancelled and its transaction rolls back)."""
        scheduler, self._scheduler = self._scheduler, None
        if scheduler is None:
            return
        # Before APScheduler's shutdown, which would cancel the ticks under way at once.
        if self._running:
            _, late = await asyncio.wait(set(self._running), timeout=self._stop_grace)
            for task in late:
                task.cancel()
            for task in late:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        scheduler.shutdown(wait=False)
        # AsyncIOScheduler.shutdown completes in a callback on the loop: let it run.
        await asyncio.sleep(0)

    def trigger(self, name: str) -> None:
        """Ask the timer to tick `name` now (operators' nudge; tests drive the timer so)."""
        if self._scheduler is None:
            raise RuntimeError("the scheduler is not started")
        self._scheduler.modify_job(name, next_run_time=datetime.now(self._desk.policy.timezone))
        self._scheduler.wakeup()

    async def run_due(self) -> int:
        """Tick every job once now, as of the desk's clock (daily ones if due); posts queued."""
        queued = 0
        for job in self._jobs:
            queued += await self.tick(job)
        return queued

    async def tick(self, job: Job) -> int:
        """One tick of `job` as of the desk's clock; how many posts it queued (0 on failure)."""
        async with self._locks[job.name]:
            queued = await self._run(job)
        if queued:
            for listener in self._listeners:
                listener()
        return queued

    async def ticked(self, name: str, count: int) -> None:
        """Wait until `name` has ticked `count` times in all (tests wrap it in a timeout)."""
        async with self._changed:
            await self._changed.wait_for(lambda: self.ticks[name] >= count)

    async def _scheduled_tick(self, job: Job) -> None:
        if self._scheduler is None:  # stopping: APScheduler's shutdown is still on its way
            return
        task = asyncio.current_task()
        assert task is not None
        self._running.add(task)
        try:
            await self.tick(job)
        except asyncio.CancelledError:
            # Cancelled by `stop` (its transaction rolled back): ending quietly keeps
            # APScheduler from logging the cancellation as a failed job.
            if self._scheduler is not None:
                raise
        finally:
            self._running.discard(task)

    async def _run(self, job: Job) -> int:
        queued = 0
        try:
            if isinstance(job.schedule, Daily):
                now = self._desk.now()
                if not job.schedule.due(self._desk, now, self._last_day.get(job.name)):
                    return 0
                queued = await job.run(self._desk)
                self._last_day[job.name] = now.astimezone(self._desk.policy.timezone).date()
            else:
                queued = await job.run(self._desk)
        except Exception:
            log.exception("job %s failed; it runs again on its next tick", job.name)
            self.failures[job.name] += 1
        finally:
            async with self._changed:
                self.ticks[job.name] += 1
                self._changed.notify_all()
        return queued


def _trigger(job: Job, tz: Any) -> Any:
    """APScheduler's trigger for a job's schedule. A daily job is looked at every minute:
    whether it is due is the desk clock's answer, which a shifted clock makes differ from
    the wall clock a cron trigger would go by."""
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    schedule = job.schedule
    if isinstance(schedule, Every) and not schedule.on_the_minute:
        return IntervalTrigger(seconds=schedule.seconds, timezone=tz)
    return CronTrigger(second=0, timezone=tz)
