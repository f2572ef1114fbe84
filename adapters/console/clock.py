"""The console's `/clock`: show the time, or move the console's clock forward and run what
falls due, so a demo shows a countdown, a breach or a window notice without waiting.

`/clock +2h`, `+1d`, `+45m`, `+1d2h30m` move forward by that much wall-clock time (a day is
24 hours, not a business day); `/clock 2026-12-01T15:00+01:00` moves to that instant. The
clock never moves back: what a tick posted as of a later instant cannot be taken back.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from bot.app.clock import ShiftedClock, parse_instant
from bot.app.messages.text import when
from bot.app.replies import Reply
from bot.domain.calendar import require_supported
from bot.domain.policy import Policy

__all__ = ["ConsoleClock", "parse_move"]

_STEP = re.compile(r"(\d+)\s*([dhm])")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}
_USAGE = (
    "/clock shows the time; /clock +2h, +1d, +30m or an instant such as "
    "2026-12-01T15:00+01:00 moves the console's clock forward."
)


def parse_move(text: str, now: datetime) -> datetime:
    """Where `/clock TEXT` moves the clock from `now`; ValueError with a reason otherwise."""
    text = text.strip()
    if text.startswith("+"):
        steps = text[1:].replace(" ", "").casefold()
        if not steps or _STEP.sub("", steps):
            raise ValueError(f"Sorry, I did not get {text!r}. {_USAGE}")
        delta = timedelta()
        for amount, unit in _STEP.findall(steps):
            delta += timedelta(**{_UNITS[unit]: int(amount)})
        try:
            return require_supported(now + delta, "the new time")
        except (ValueError, OverflowError):
            raise ValueError(f"Sorry, {text} is further than the calendar reaches.") from None
    try:
        return parse_instant(text)
    except ValueError as exc:
        raise ValueError(f"Sorry, {exc}. {_USAGE}") from None


class ConsoleClock:
    """The console's movable clock and what runs when it moves (the due jobs' ticks)."""

    def __init__(
        self, clock: ShiftedClock, policy: Policy, run_due: Callable[[], Awaitable[int]]
    ) -> None:
        self.clock = clock
        self._policy = policy
        self._run_due = run_due

    async def handle(self, rest: str) -> list[Reply]:
        """The replies to `/clock REST`; moving the clock runs the jobs that fall due."""
        now = self.clock.now()
        if not rest.strip():
            return [_private(f"It is {when(now, self._policy)}.")]
        try:
            target = parse_move(rest, now)
        except ValueError as exc:
            return [_private(str(exc))]
        if target < now:
            return [
                _private(
                    f"The console's clock only moves forward: it is {when(now, self._policy)}."
                )
            ]
        moved = self.clock.move_to(target)
        queued = await self._run_due()
        outcome = (
            f"{queued} scheduled post{'' if queued == 1 else 's'} fell due."
            if queued
            else "Nothing scheduled fell due."
        )
        return [_private(f"The clock is now {when(moved, self._policy)}. {outcome}")]


def _private(text: str) -> Reply:
    return Reply(text=text, private=True)
