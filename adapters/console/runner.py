"""The console chat loop: read a line, let the session answer, show the outbox's posts.

With a scheduler, the scheduled jobs tick while you type (and at once after `/clock` moves
the console's clock); what they queue is shown as it leaves the outbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import threading
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import replace
from typing import TextIO

from adapters.console import PLATFORM
from adapters.console.clock import ConsoleClock
from adapters.console.notifier import ConsoleNotifier
from adapters.console.seed import PERSONAS, Cast, ConsoleRefusal, Persona, cast, origin_of
from adapters.console.session import QUIT, Session
from adapters.console.view import PlainView, RichView, View
from bot.app.clock import ShiftedClock
from bot.app.desk import Desk
from bot.app.outbox import drain
from bot.app.ports import Notifier
from bot.app.replies import Reply
from bot.domain.models import Destination, Role
from bot.jobs.scheduler import JobScheduler

__all__ = ["console_desk", "make_view", "read_line", "run_console"]

log = logging.getLogger(__name__)

_PERSONA_OF_USER = {p.identity.user_id: p for p in PERSONAS.values()}

WELCOME = (
    "Welcome to the supportbot console: a support desk run by the support agreement. "
    "The demo customer is {customer}. Type /ticket to file a ticket, ask 'what's current uptime?', "
    "or /help. Switch roles with /as {roles}."
)
WELCOME_CONTACT = (
    "Welcome to the supportbot console: you are {name}, {role} at {customer}. Type /ticket to "
    "file a ticket, ask 'what's current uptime?', or /help."
)


async def _drain_all(desk: Desk, notifiers: Mapping[str, Notifier]) -> None:
    """Deliver everything due now (failures wait for their retry time)."""
    while await drain(desk, notifiers):
        pass


def console_desk(desk: Desk) -> Desk:
    """`desk` as the console uses it: the console shows every customer's support channel, so
    notices to all customers (service windows) are queued for it too. Scheduled jobs that
    run while the console is open must run on this desk."""
    if PLATFORM in desk.implicit_platforms:
        return desk
    return replace(desk, implicit_platforms=(*desk.implicit_platforms, PLATFORM))


def make_view(input: TextIO, output: TextIO, *, rich: bool | None = None) -> View:
    """Rich panels when both ends are a terminal (or `rich` says so), plain lines otherwise."""
    if rich is None:
        rich = input.isatty() and output.isatty()
    return RichView(input, output) if rich else PlainView(input, output)


async def run_console(
    desk: Desk,
    *,
    role: str = "customer",
    demo: bool = False,
    as_user: str | None = None,
    input: TextIO | None = None,
    output: TextIO | None = None,
    rich: bool | None = None,
    view: View | None = None,
    clock: ShiftedClock | None = None,
    scheduler: JobScheduler | None = None,
) -> int:
    """Chat on the console until /quit or end of input; returns the exit status.

    As the demo's persona `role` (the demo seeded if the database allows it, or `demo` asks),
    or as the registered contact `as_user`; ConsoleRefusal, before anything is shown, if the
    database is not the demo's or has no such contact or persona. `clock`, the desk's own,
    is what `/clock` moves; `scheduler` (on the same desk) runs while the chat is open.
    """
    if clock is not None and desk.clock is not clock:
        raise ValueError("the console's clock must be the desk's clock")
    # The console shows every customer's channel: notices to all customers appear here (a
    # scheduler's desk must be a `console_desk` too, for its ticks' notices).
    desk = console_desk(desk)
    seated = await cast(desk.store, desk.policy, desk.now(), demo=demo, as_user=as_user)
    if as_user is None and role not in seated.personas:
        raise ConsoleRefusal(
            f"--as {role}: the demo has no {role} in this database (console contacts never "
            "join a real provider); choose one of " + ", ".join(seated.personas)
        )
    persona = seated.personas[role] if as_user is None else next(iter(seated.personas.values()))
    input = input if input is not None else sys.stdin
    output = output if output is not None else sys.stdout
    view = view if view is not None else make_view(input, output, rich=rich)
    if seated.demo:
        roles = "|".join(seated.personas)
        view.info(WELCOME.format(customer=seated.customer.name, roles=roles))
    else:
        view.info(
            WELCOME_CONTACT.format(
                name=persona.name, role=persona.role, customer=seated.customer.name
            )
        )
    try:
        await _converse(desk, view, seated, persona, clock=clock, scheduler=scheduler)
    except asyncio.CancelledError:  # Ctrl-C: asyncio.run cancels us, then exits with 130
        view.info("Bye.")
        raise
    view.info("Bye.")
    return 0


async def _converse(
    desk: Desk,
    view: View,
    seated: Cast,
    persona: Persona,
    *,
    clock: ShiftedClock | None,
    scheduler: JobScheduler | None,
) -> None:
    """Read and answer lines until /quit or end of input (the scheduler runs meanwhile)."""
    customer = seated.customer
    run_due: Callable[[], Awaitable[int]] = scheduler.run_due if scheduler else _nothing_due
    session = Session(
        desk,
        persona,
        origin_of(customer),
        personas=seated.personas,
        clock=ConsoleClock(clock, desk.policy, run_due) if clock is not None else None,
    )

    def visible(destination: Destination) -> bool:
        # A direct message only to whom it is addressed; agents watch every channel, everyone
        # else only their own organisation's.
        if destination.user is not None:
            return destination.user == session.persona.identity.user_id
        if session.persona.contact_role is Role.AGENT:
            return True
        return destination.conversation == customer.name

    def aside(destination: Destination) -> str | None:
        # Another console persona's direct message: say so, so the demo can follow it.
        persona = _PERSONA_OF_USER.get(destination.user or "")
        if persona is None:
            return None
        return (
            f"[a direct message went to {persona.name}; type '/as {persona.role}' to see "
            "what they see next]"
        )

    notifier = ConsoleNotifier(view, run_id=uuid.uuid4().hex[:8], visible=visible, aside=aside)
    notifiers: dict[str, Notifier] = {PLATFORM: notifier}
    courier = _Courier(desk, notifiers)
    view.say(session.whoami())
    await courier.deliver()  # posts left over from an earlier run
    async with contextlib.AsyncExitStack() as running:
        if scheduler is not None:
            await courier.start()
            running.push_async_callback(courier.stop)
            scheduler.add_listener(courier.wake)
            await scheduler.start()
            running.push_async_callback(scheduler.stop)
        await _chat(view, session, courier)


async def _nothing_due() -> int:
    return 0


async def _chat(view: View, session: Session, courier: _Courier) -> None:
    while True:
        line = await read_line(view, session.prompt)
        # The answer to a line comes before the posts it causes: `/clock` wakes the background
        # delivery while it runs the due jobs, and that delivery waits until the answer is out.
        async with courier.paused():
            result = QUIT if line is None else await session.handle(line)
            if result is QUIT:
                for reply in session.end():  # a ticket being filed is not filed
                    view.say(reply)
                return
            assert isinstance(result, list)
            for reply in result:
                assert isinstance(reply, Reply)
                view.say(reply)
        await courier.deliver()


class _Courier:
    """Delivers the outbox to the console: after each line, and when a scheduled tick queued
    posts while you were typing (one delivery at a time, so none is shown twice)."""

    def __init__(self, desk: Desk, notifiers: Mapping[str, Notifier]) -> None:
        self._desk = desk
        self._notifiers = notifiers
        self._lock = asyncio.Lock()
        self._woken = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        """Deliver soon (a scheduled tick queued posts)."""
        self._woken.set()

    async def deliver(self) -> None:
        """Deliver everything due now."""
        async with self._lock:
            await _drain_all(self._desk, self._notifiers)

    @contextlib.asynccontextmanager
    async def paused(self) -> AsyncIterator[None]:
        """Hold deliveries back while the block runs."""
        async with self._lock:
            yield

    async def start(self) -> None:
        """Deliver in the background whenever woken."""
        self._task = asyncio.get_running_loop().create_task(self._run(), name="console-courier")

    async def stop(self) -> None:
        """Stop delivering in the background."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        while True:
            await self._woken.wait()
            self._woken.clear()
            try:
                await self.deliver()
            except Exception:  # the next line typed, or the next tick, delivers again
                log.exception("delivering scheduled posts failed")


async def read_line(view: View, prompt: str) -> str | None:
    """`view.read` off the event loop, so Ctrl-C (a cancellation) ends the wait at once.

    The read runs in a daemon thread, not the default executor: asyncio.run waits for that
    executor on the way out, which would hold the exit until Enter is pressed.
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[str | None] = loop.create_future()

    def settle(result: str | None, error: BaseException | None) -> None:
        if future.done():  # cancelled meanwhile: nobody waits for this line any more
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)

    def work() -> None:
        line, problem = None, None
        try:
            line = view.read(prompt)
        except BaseException as error:  # handed to the waiting coroutine
            problem = error
        try:
            loop.call_soon_threadsafe(settle, line, problem)
        except RuntimeError:  # the loop is closed: the console has ended
            pass

    threading.Thread(target=work, name="console-input", daemon=True).start()
    return await future
