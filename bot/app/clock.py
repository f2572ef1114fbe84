"""Clocks for the composition root: the system clock, a fixed one for scripted runs, and a
shifted one that starts at a chosen instant and runs on (`SUPPORTBOT_NOW`, `/clock`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.app.ports import Clock
from bot.domain.calendar import require_supported
from bot.domain.models import require_aware

__all__ = ["FrozenClock", "RunningClock", "ShiftedClock", "SystemClock", "parse_instant"]


class SystemClock:
    """The real time, in UTC."""

    def now(self) -> datetime:
        """The current instant."""
        return datetime.now(UTC)


class FrozenClock:
    """A clock stopped at one instant (scripted demos, end-to-end tests)."""

    def __init__(self, at: datetime) -> None:
        self._at = require_aware(at, "frozen clock instant")

    def now(self) -> datetime:
        """The instant the clock was stopped at."""
        return self._at


def parse_instant(text: str) -> datetime:
    """An ISO 8601 instant with an offset, in the supported years; ValueError for anything else
    (naive or out of range included)."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"not an ISO 8601 instant: {text!r}") from None
    return require_supported(require_aware(value, text.strip()), "instant")


class RunningClock:
    """A clock that starts at an instant and runs on with the system clock, in whole steps.

    `SUPPORTBOT_NOW` for `serve` and `chat`. The step (a minute) keeps a scripted run exact:
    a ticket filed a few hundred milliseconds in still reads "due 09:00", not "09:00:00".
    """

    def __init__(
        self, start: datetime, base: Clock | None = None, step: timedelta = timedelta(minutes=1)
    ) -> None:
        self._start = require_aware(start, "clock start")
        self._base = base if base is not None else SystemClock()
        self._began = self._base.now()
        self._step = step

    def now(self) -> datetime:
        """The start plus the whole steps elapsed since."""
        elapsed = self._base.now() - self._began
        return self._start + (elapsed // self._step) * self._step


class ShiftedClock:
    """Another clock moved by an offset, running on with it; the offset only ever grows.

    The console's clock: `/clock` moves it forward. Never backwards: what a tick has posted
    as of a later instant (a breach, a window's start) cannot be taken back, and the outbox
    and ticket history assume time only runs forward.
    """

    def __init__(self, base: Clock, offset: timedelta = timedelta(0)) -> None:
        self._base = base
        self._offset = offset

    def now(self) -> datetime:
        """The base clock's instant plus the offset."""
        return self._base.now() + self._offset

    def move_to(self, at: datetime) -> datetime:
        """Read `at` from now on (ValueError if it is earlier than now); returns the new now."""
        now = self.now()
        at = require_aware(at, "new clock instant")
        if at < now:
            raise ValueError("the clock only moves forward")
        self._offset += at - now
        return self.now()

    def advance(self, by: timedelta) -> datetime:
        """Move forward by `by` (ValueError for a negative step); returns the new now."""
        return self.move_to(self.now() + by)
