"""The brain's monitoring port on the database: announced service windows.

Availability is measured by a separate piece of the product (probing every 5 minutes, as the
agreement says); until it exists, `uptime` answers that nothing has been measured.
"""

from __future__ import annotations

from datetime import datetime

from bot.app.monitoring import PlannedWindow, Uptime
from storage.unit import SqlStore

__all__ = ["ACTIVE_WINDOW_STATES", "SqlMonitoring"]

# Windows customers should hear about; a cancelled or completed one is history.
ACTIVE_WINDOW_STATES = ("planned", "ongoing")


class SqlMonitoring:
    """Service windows from the service-window table; no availability figures yet."""

    def __init__(self, store: SqlStore) -> None:
        self._store = store

    async def uptime(
        self, *, customer_id: int | None, start: datetime, end: datetime
    ) -> Uptime | None:
        """No availability samples are taken yet, so there is no figure."""
        return None

    async def service_windows(
        self, *, customer_id: int | None, start: datetime, end: datetime
    ) -> list[PlannedWindow]:
        """Planned and ongoing windows overlapping [start, end), earliest first.

        Windows are per service, not per customer: every customer uses the same Applications.
        """
        async with self._store.reader() as uow:
            stored = await uow.windows.list(start=start, end=end, states=ACTIVE_WINDOW_STATES)
        return [
            PlannedWindow(start=w.start, end=w.end, reason=w.reason, service=w.service)
            for w in stored
        ]
