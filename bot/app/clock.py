"""Clocks for the composition root: the system clock, and a fixed one for scripted runs."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.domain.calendar import require_supported
from bot.domain.models import require_aware

__all__ = ["FrozenClock", "SystemClock", "parse_instant"]


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
