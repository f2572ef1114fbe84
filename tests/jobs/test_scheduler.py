"""The job scheduler: ticks at once and on its schedule, as of the desk's clock, one at a time.

APScheduler is driven through its own API (`trigger`), never by waiting for wall-clock time;
every wait is on a tick count, with a timeout.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, time, timedelta

import pytest

from bot.app.clock import RunningClock, ShiftedClock
from bot.app.desk import Desk
from bot.domain.policy import default_policy
from bot.jobs import JOBS, Daily, Every, Job, by_name, scheduled
from bot.jobs.scheduler import JobScheduler, prepare
from tests.app.conftest import CPH, MONDAY_9
from tests.fakes import FixedClock, InMemoryStore

WAIT = 5.0  # seconds a test waits for a tick before failing


class Recorder:
    """A job that writes down the instant of each tick and queues `posts` posts."""

    def __init__(self, posts: int = 0) -> None:
        self.seen: list[datetime] = []
        self.posts = posts
        self.fail = 0  # the next N ticks raise

    async def __call__(self, desk: Desk) -> int:
        self.seen.append(desk.now())
        if self.fail:
            self.fail -= 1
            raise RuntimeError("the database went away")
        return self.posts


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(MONDAY_9)


@pytest.fixture
def desk(clock: FixedClock) -> Desk:
    return Desk.create(store=InMemoryStore(), clock=clock, policy=default_policy())


async def _started(scheduler: JobScheduler, name: str, count: int = 1) -> None:
    await asyncio.wait_for(scheduler.ticked(name, count), WAIT)


async def test_every_job_ticks_at_start_then_when_triggered_as_of_the_desk_clock(
    desk: Desk, clock: FixedClock
) -> None:
    job = Recorder()
    scheduler = JobScheduler(desk, [Job("countdown", Every(3600), job)])
    await scheduler.start()
    try:
        await _started(scheduler, "countdown")
        clock.advance(hours=2)
        scheduler.trigger("countdown")
        await _started(scheduler, "countdown", 2)
    finally:
        await scheduler.stop()
    # The desk's (fake) time, not the wall clock APScheduler keeps.
    assert job.seen == [MONDAY_9, MONDAY_9 + timedelta(hours=2)]


async def test_a_failing_tick_is_logged_and_the_next_tick_runs(
    desk: Desk, caplog: pytest.LogCaptureFixture
) -> None:
    job = Recorder(posts=1)
    job.fail = 1
    woken: list[str] = []
    scheduler = JobScheduler(
        desk, [Job("sla", Every(30), job)], listeners=[lambda: woken.append("x")]
    )
    await scheduler.start()
    try:
        with caplog.at_level(logging.ERROR, logger="bot.jobs.scheduler"):
            await _started(scheduler, "sla")
        assert "job sla failed; it runs again on its next tick" in caplog.text
        assert woken == []
        scheduler.trigger("sla")
        await _started(scheduler, "sla", 2)
    finally:
        await scheduler.stop()
    assert scheduler.failures == {"sla": 1}
    assert woken == ["x"]  # the tick that queued a post woke the outbox


async def test_a_tick_that_queued_nothing_wakes_nobody(desk: Desk) -> None:
    woken: list[str] = []
    scheduler = JobScheduler(
        desk, [Job("quiet", Every(60), Recorder())], listeners=[lambda: woken.append("x")]
    )
    assert await scheduler.run_due() == 0
    assert woken == []


async def test_stop_cancels_a_tick_under_way_quietly_and_nothing_ticks_after(
    desk: Desk, caplog: pytest.LogCaptureFixture
) -> None:
    entered = asyncio.Event()
    cancelled = asyncio.Event()

    async def hangs(desk: Desk) -> int:
        entered.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return 0

    scheduler = JobScheduler(desk, [Job("stuck", Every(60), hangs)], stop_grace=0)
    await scheduler.start()
    await asyncio.wait_for(entered.wait(), WAIT)
    with caplog.at_level(logging.WARNING):
        await scheduler.stop()
    assert cancelled.is_set()
    # `serve` stops without a word on stderr: a cancelled tick is no failed job.
    assert caplog.records == []
    with pytest.raises(RuntimeError, match="not started"):
        scheduler.trigger("stuck")


async def test_stop_lets_a_tick_under_way_finish(desk: Desk) -> None:
    entered, release, finished = asyncio.Event(), asyncio.Event(), asyncio.Event()

    async def brief(desk: Desk) -> int:
        entered.set()
        await release.wait()
        finished.set()
        return 0

    scheduler = JobScheduler(desk, [Job("brief", Every(60), brief)])
    await scheduler.start()
    await asyncio.wait_for(entered.wait(), WAIT)
    stopping = asyncio.ensure_future(scheduler.stop())
    # Runs after `stop` has begun (callbacks run in order): the tick ends by itself.
    asyncio.get_running_loop().call_soon(release.set)
    await asyncio.wait_for(stopping, WAIT)
    assert finished.is_set()


async def test_a_manual_run_waits_for_the_tick_under_way(desk: Desk) -> None:
    inside = 0
    most = 0
    release = asyncio.Event()
    entered = asyncio.Event()

    async def slow(desk: Desk) -> int:
        nonlocal inside, most
        entered.set()
        inside += 1
        most = max(most, inside)
        await release.wait()
        inside -= 1
        return 0

    scheduler = JobScheduler(desk, [Job("slow", Every(60), slow)])
    first = asyncio.ensure_future(scheduler.run_due())
    second = asyncio.ensure_future(scheduler.run_due())
    await asyncio.wait_for(entered.wait(), WAIT)  # the second is at the lock by now
    release.set()
    await asyncio.wait_for(asyncio.gather(first, second), WAIT)
    assert most == 1
    assert scheduler.ticks == {"slow": 2}


async def test_a_daily_job_runs_once_per_business_day_at_or_after_its_time(
    desk: Desk, clock: FixedClock
) -> None:
    job = Recorder()
    scheduler = JobScheduler(desk, [Job("digest", Daily(time(9, 30)), job)])
    await scheduler.run_due()  # Monday 09:00: not yet
    clock.advance(minutes=30)
    await scheduler.run_due()  # 09:30: runs
    clock.advance(hours=3)
    await scheduler.run_due()  # later the same day: not again
    clock.set(datetime(2026, 12, 5, 10, 0, tzinfo=CPH))  # Saturday: closed
    await scheduler.run_due()
    clock.set(datetime(2026, 12, 24, 10, 0, tzinfo=CPH))  # 24 December: a bank closing day
    await scheduler.run_due()
    clock.set(datetime(2026, 12, 7, 9, 29, tzinfo=CPH))  # Monday, a minute early
    await scheduler.run_due()
    clock.advance(minutes=1)
    await scheduler.run_due()
    assert job.seen == [MONDAY_9 + timedelta(minutes=30), datetime(2026, 12, 7, 9, 30, tzinfo=CPH)]


def test_a_daily_job_in_the_dst_hour_is_refused() -> None:
    with pytest.raises(ValueError, match="between 02:00 and 03:00 misfires on DST days"):
        Daily(time(2, 30))


async def test_prepare_runs_each_start_up_step_once_and_survives_a_failure(
    desk: Desk, caplog: pytest.LogCaptureFixture
) -> None:
    ran: list[str] = []

    async def recompute(desk: Desk) -> int:
        ran.append("recompute")
        return 0

    async def broken(desk: Desk) -> int:
        raise RuntimeError("calendar unreadable")

    jobs = [
        Job("a", Every(60), Recorder(), prepare=broken),
        Job("b", Every(60), Recorder(), prepare=recompute),
    ]
    with caplog.at_level(logging.ERROR, logger="bot.jobs.scheduler"):
        await prepare(desk, jobs)
    assert ran == ["recompute"]
    assert "preparing job a failed" in caplog.text


def test_the_registry_names_the_outbox_and_schedules_only_real_ticks() -> None:
    assert by_name("outbox").scheduled is False
    assert "outbox" not in {job.name for job in scheduled()}
    assert {job.name for job in scheduled()} == {job.name for job in JOBS} - {"outbox"}
    with pytest.raises(KeyError):
        by_name("nope")


def test_a_running_clock_starts_at_its_instant_and_runs_on_in_whole_minutes() -> None:
    base = FixedClock(datetime(2030, 1, 1, 12, 0, 0, 250000, tzinfo=CPH))  # the system's
    running = RunningClock(MONDAY_9, base)
    assert running.now() == MONDAY_9
    base.advance(seconds=59)
    assert running.now() == MONDAY_9  # a script's few seconds read as its start
    base.advance(seconds=1)
    assert running.now() == MONDAY_9 + timedelta(minutes=1)
    base.advance(hours=2, seconds=30)
    assert running.now() == MONDAY_9 + timedelta(hours=2, minutes=1)


def test_a_shifted_clock_runs_on_with_its_base_and_never_goes_back() -> None:
    base = FixedClock(MONDAY_9)
    shifted = ShiftedClock(base)
    assert shifted.now() == MONDAY_9
    base.advance(minutes=5)
    assert shifted.now() == MONDAY_9 + timedelta(minutes=5)  # runs on with its base
    assert shifted.advance(timedelta(hours=2)) == MONDAY_9 + timedelta(hours=2, minutes=5)
    assert shifted.move_to(MONDAY_9 + timedelta(days=1)) == MONDAY_9 + timedelta(days=1)
    with pytest.raises(ValueError, match="only moves forward"):
        shifted.move_to(MONDAY_9)
    with pytest.raises(ValueError, match="only moves forward"):
        shifted.advance(timedelta(minutes=-1))
