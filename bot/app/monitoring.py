"""The port through which questions read availability figures and planned service windows.

Availability measurement is a separate piece of the product; until a deployment wires one in,
`NoMonitoring` answers truthfully that nothing has been measured and nothing is planned.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

__all__ = ["Monitoring", "NoMonitoring", "PlannedWindow", "Uptime"]


@dataclass(frozen=True, slots=True)
class Uptime:
    """Contract availability over a period: the percentage and how much it rests on."""

    percent: float
    samples: int
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class PlannedWindow:
    """An announced extraordinary service window."""

    start: datetime
    end: datetime
    reason: str
    service: str | None = None  # None: all services


class Monitoring(Protocol):
    """Read access to availability measurements and service windows."""

    async def uptime(
        self, *, customer_id: int | None, start: datetime, end: datetime
    ) -> Uptime | None:
        """Availability within operating hours between `start` and `end`, None if unmeasured."""
        ...

    async def service_windows(
        self, *, customer_id: int | None, start: datetime, end: datetime
    ) -> list[PlannedWindow]:
        """Planned service windows overlapping [start, end), earliest first."""
        ...


class NoMonitoring:
    """No measurement source configured: nothing measured, nothing planned."""

    async def uptime(
        self, *, customer_id: int | None, start: datetime, end: datetime
    ) -> Uptime | None:
        """No samples exist, so there is no figure."""
        return None

    async def service_windows(
        self, *, customer_id: int | None, start: datetime, end: datetime
    ) -> list[PlannedWindow]:
        """No windows are recorded."""
        return []
