"""The console's clock: `/clock` shows the time, moves it forward, and shows what falls due.

A job local to the test stands in for the SLA countdown: once a ticket's first response is
overdue it posts once in the ticket's thread. Input is piped; nothing waits for wall time.
"""

from __future__ import annotations

import io
import threading
from datetime import timedelta

import pytest

from adapters.console import PLATFORM as CONSOLE
from adapters.console.clock import parse_move
from adapters.console.runner import run_console
from bot.app.clock import ShiftedClock
from bot.app.desk import Desk
from bot.app.messages.text import when
from bot.app.outbox import post_to_thread, post_to_user
from bot.app.replies import Reply
from bot.domain.models import Identity, TicketStatus
from bot.domain.policy import default_policy
from bot.jobs import Every, Job
from bot.jobs.scheduler import JobScheduler
from tests.adapters.console.test_console import INCIDENT_LINES
from tests.app.conftest import MONDAY_9
from tests.fakes import FixedClock, InMemoryStore

WAIT = 5.0  # seconds the typed input waits for a post before giving up


async def overdue(desk: Desk) -> int:
    """Post once in the thread of every open ticket whose first response is overdue."""
    now = desk.now()
    queued = 0
    async with desk.store.unit() as uow:
        for ticket in await uow.tickets.query(statuses=[TicketStatus.OPEN]):
            key = f"test-overdue:{ticket.ref}"
            if ticket.first_response_due > now or await uow.outbox.get(dedupe_key=key):
                continue
            due = when(ticket.first_response_due, desk.policy)
            reply = Reply(text=f"{ticket.ref} is overdue: the first response was due {due}.")
            await post_to_thread(uow, ticket=ticket, reply=reply, dedupe_key=key, at=now)
            queued += 1
    return queued


async def chat(*lines: str, jobs: bool = True, base: FixedClock | None = None) -> str:
    clock = ShiftedClock(base or FixedClock(MONDAY_9))
    desk = Desk.create(store=InMemoryStore(), clock=clock, policy=default_policy())
    scheduler = JobScheduler(desk, [Job("overdue", Every(3600), overdue)]) if jobs else None
    out = io.StringIO()
    status = await run_console(
        desk,
        input=io.StringIO("".join(f"{x}\n" for x in lines)),
        output=out,
        clock=clock,
        scheduler=scheduler,
    )
    assert status == 0
    return out.getvalue()


async def test_clock_alone_shows_the_time() -> None:
    out = await chat("/clock")
    assert "bot> It is Mon 30 Nov 2026 09:00 (Copenhagen time)." in out


async def test_moving_the_clock_runs_the_due_jobs_and_shows_their_posts() -> None:
    out = await chat(*INCIDENT_LINES, "/clock +2h", "/clock +1d", "/clock +1d")
    # Medium: 8 business hours, due Tuesday 09:00; two hours later nothing is due yet.
    assert (
        "bot> The clock is now Mon 30 Nov 2026 11:00 (Copenhagen time). Nothing scheduled fell due."
    ) in out
    assert (
        "bot> The clock is now Tue 01 Dec 2026 11:00 (Copenhagen time). "
        "1 scheduled post fell due.\n"
        "[posted to #Nordlys Retail A/S, in the ticket's thread]\n"
        "  | SUP-1001 is overdue: the first response was due Tue 01 Dec 2026 09:00 "
        "(Copenhagen time)."
    ) in out
    assert out.count("is overdue") == 1  # a day later: said once, not again
    assert "bot> The clock is now Wed 02 Dec 2026 11:00 (Copenhagen time). Nothing" in out


async def test_an_instant_moves_the_clock_there_but_never_back() -> None:
    out = await chat(
        "/clock 2026-12-01T15:00+01:00", "/clock 2026-11-30T09:00+01:00", "/clock", "/clock +1w"
    )
    assert "bot> The clock is now Tue 01 Dec 2026 15:00 (Copenhagen time)." in out
    assert (
        "bot> The console's clock only moves forward: it is Tue 01 Dec 2026 15:00 "
        "(Copenhagen time)."
    ) in out
    assert "bot> It is Tue 01 Dec 2026 15:00 (Copenhagen time)." in out
    assert "bot> Sorry, I did not get '+1w'. /clock shows the time; /clock +2h" in out


async def test_without_a_scheduler_the_clock_moves_and_nothing_falls_due() -> None:
    out = await chat(*INCIDENT_LINES, "/clock +2d", jobs=False)
    assert "bot> The clock is now Wed 02 Dec 2026 09:00 (Copenhagen time). Nothing" in out
    assert "overdue" not in out


async def test_the_clock_runs_on_from_where_it_was_moved() -> None:
    base = FixedClock(MONDAY_9)
    clock = ShiftedClock(base)
    clock.advance(timedelta(hours=1))
    base.advance(minutes=5)  # time passes while the console is open
    assert clock.now() == MONDAY_9 + timedelta(hours=1, minutes=5)


def test_help_lists_clock() -> None:
    from adapters.console.session import CONSOLE_HELP

    assert "/clock [+2h|+1d|INSTANT]" in CONSOLE_HELP


@pytest.mark.parametrize(
    ("text", "moved"),
    [
        ("+2h", timedelta(hours=2)),
        ("+1d", timedelta(days=1)),
        ("+45m", timedelta(minutes=45)),
        ("+1d 2h30m", timedelta(days=1, hours=2, minutes=30)),
    ],
)
def test_steps_forward(text: str, moved: timedelta) -> None:
    assert parse_move(text, MONDAY_9) == MONDAY_9 + moved


@pytest.mark.parametrize("text", ["+", "+2x", "+h", "soon", "2026-12-01T15:00"])
def test_what_is_not_a_move_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="^Sorry"):
        parse_move(text, MONDAY_9)


def test_a_move_past_the_calendar_is_refused() -> None:
    with pytest.raises(ValueError, match="further than the calendar reaches"):
        parse_move("+99999d", MONDAY_9)


class _Watched(io.StringIO):
    """The console's output, telling a waiting reader when `marker` has been written."""

    def __init__(self, marker: str) -> None:
        super().__init__()
        self.marker = marker
        self.seen = threading.Event()

    def write(self, text: str) -> int:
        written = super().write(text)
        if self.marker in self.getvalue():
            self.seen.set()
        return written


class _Waiting(io.StringIO):
    """Input that types nothing until the output shows the post (or WAIT passes), then ends."""

    def __init__(self, output: _Watched) -> None:
        super().__init__()
        self.output = output

    def readline(self, size: int | None = -1) -> str:
        self.output.seen.wait(WAIT)
        return ""


async def remind_carla(desk: Desk) -> int:
    """Queue one direct message to the demo customer (once)."""
    async with desk.store.unit() as uow:
        if await uow.outbox.get(dedupe_key="test-remind"):
            return 0
        await post_to_user(
            uow,
            to=Identity(CONSOLE, "carla"),
            reply=Reply(text="A scheduled reminder."),
            dedupe_key="test-remind",
            at=desk.now(),
        )
    return 1


async def test_a_scheduled_post_shows_while_the_console_waits_for_a_line() -> None:
    clock = ShiftedClock(FixedClock(MONDAY_9))
    desk = Desk.create(store=InMemoryStore(), clock=clock, policy=default_policy())
    scheduler = JobScheduler(desk, [Job("remind", Every(3600), remind_carla)])
    output = _Watched("A scheduled reminder.")
    status = await run_console(
        desk, input=_Waiting(output), output=output, clock=clock, scheduler=scheduler
    )
    assert status == 0
    assert output.seen.is_set()
    assert "[posted to direct message to carla]\n  | A scheduled reminder." in output.getvalue()
