"""Service windows and hypercare periods."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.app.ports import NotFoundError
from bot.domain.models import (
    WINDOW_CANCELLED,
    HypercarePeriod,
    ServiceWindow,
    WindowRevision,
    require_aware,
)
from storage.tables import HypercareRow, ServiceWindowRevisionRow, ServiceWindowRow

__all__ = ["SqlHypercareRepository", "SqlWindowRepository"]


def _utc(value: datetime, what: str) -> datetime:
    return require_aware(value, what).astimezone(UTC)


def _window(row: ServiceWindowRow) -> ServiceWindow:
    assert row.id is not None
    return ServiceWindow(
        id=row.id,
        service=row.service,
        start=row.start,
        end=row.end,
        reason=row.reason,
        state=row.state,
        revision=row.revision,
        revised_at=row.revised_at,
    )


def _revision(row: ServiceWindowRevisionRow) -> WindowRevision:
    return WindowRevision(
        window_id=row.window_id,
        revision=row.revision,
        at=row.at,
        actor=row.actor,
        action=row.action,
        start=row.start,
        end=row.end,
        service=row.service,
        reason=row.reason,
        note=row.note,
    )


# What `revise` may change, besides the state.
_WINDOW_FIELDS = ("service", "start", "end", "reason")


class SqlWindowRepository:
    """Extraordinary service windows and their revisions."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(
        self,
        *,
        service: str | None,
        start: datetime,
        end: datetime,
        reason: str,
        state: str = "planned",
        at: datetime | None = None,
        actor: str = "",
    ) -> ServiceWindow:
        """Store a service window (`service` None: all services); with `at`, as announced
        then by `actor` (its revision 1 recorded)."""
        start, end = _utc(start, "start"), _utc(end, "end")
        if end <= start:
            raise ValueError("a service window must end after it starts")
        revised_at = None if at is None else _utc(at, "at")
        row = ServiceWindowRow(
            service=service,
            start=start,
            end=end,
            reason=reason,
            state=state,
            revision=1,
            revised_at=revised_at,
        )
        self._s.add(row)
        await self._s.flush()
        if revised_at is not None:
            self._record(row, at=revised_at, actor=actor, action="added", note=None)
            await self._s.flush()
        return _window(row)

    async def get(self, *, window_id: int, lock: bool = False) -> ServiceWindow | None:
        """One window by id; `lock=True` before deciding on a change (SELECT ... FOR UPDATE)."""
        row = await self._s.get(ServiceWindowRow, window_id, with_for_update=True if lock else None)
        return _window(row) if row is not None else None

    async def revise(
        self,
        *,
        window_id: int,
        at: datetime,
        actor: str,
        action: str,
        note: str | None = None,
        **changes: Any,
    ) -> ServiceWindow:
        """Apply `changes` (service, start, end, reason, state), count up the revision and
        record it; NotFoundError if there is no such window."""
        row = await self._s.get(ServiceWindowRow, window_id, with_for_update=True)
        if row is None:
            raise NotFoundError(f"no service window {window_id}")
        for key, value in changes.items():
            if key not in (*_WINDOW_FIELDS, "state"):
                raise ValueError(f"unknown service window field: {key}")
            if key in ("start", "end"):
                value = _utc(value, key)
            setattr(row, key, value)
        if row.end <= row.start:
            raise ValueError("a service window must end after it starts")
        row.revision += 1
        row.revised_at = _utc(at, "at")
        self._record(row, at=row.revised_at, actor=actor, action=action, note=note)
        await self._s.flush()
        return _window(row)

    def _record(
        self, row: ServiceWindowRow, *, at: datetime, actor: str, action: str, note: str | None
    ) -> None:
        assert row.id is not None
        self._s.add(
            ServiceWindowRevisionRow(
                window_id=row.id,
                revision=row.revision,
                at=at,
                actor=actor,
                action=action,
                start=row.start,
                end=row.end,
                service=row.service,
                reason=row.reason,
                note=note,
            )
        )

    async def revisions(self, *, window_id: int) -> list[WindowRevision]:
        """A window's recorded revisions, oldest first."""
        stmt = (
            sa.select(ServiceWindowRevisionRow)
            .where(col(ServiceWindowRevisionRow.window_id) == window_id)
            .order_by(col(ServiceWindowRevisionRow.revision))
        )
        return [_revision(r) for r in await self._s.scalars(stmt)]

    async def on_the_clock(
        self, *, now: datetime, lead: timedelta, after_end: timedelta
    ) -> list[ServiceWindow]:
        """Windows not cancelled that start within `lead` of `now` and ended at most
        `after_end` before it: those that may owe a notice now. Earliest first."""
        now = _utc(now, "now")
        stmt = (
            sa.select(ServiceWindowRow)
            .where(
                col(ServiceWindowRow.state) != WINDOW_CANCELLED,
                col(ServiceWindowRow.start) <= now + lead,
                col(ServiceWindowRow.end) > now - after_end,
            )
            .order_by(col(ServiceWindowRow.start), col(ServiceWindowRow.id))
        )
        return [_window(r) for r in await self._s.scalars(stmt)]

    async def list(
        self,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        states: Sequence[str] | None = None,
    ) -> list[ServiceWindow]:
        """Windows overlapping [start, end) (None: unbounded), optionally in `states`, by start."""
        stmt = sa.select(ServiceWindowRow)
        if end is not None:
            stmt = stmt.where(col(ServiceWindowRow.start) < _utc(end, "end"))
        if start is not None:
            stmt = stmt.where(col(ServiceWindowRow.end) > _utc(start, "start"))
        if states is not None:
            stmt = stmt.where(col(ServiceWindowRow.state).in_(list(states)))
        stmt = stmt.order_by(col(ServiceWindowRow.start), col(ServiceWindowRow.id))
        return [_window(r) for r in await self._s.scalars(stmt)]


def _period(row: HypercareRow) -> HypercarePeriod:
    assert row.id is not None
    return HypercarePeriod(
        id=row.id,
        customer_id=row.customer_id,
        start=row.start,
        weeks=row.weeks,
        extensions=tuple(dict(e) for e in row.extensions or ()),
        sign_offs=tuple(dict(s) for s in row.sign_offs or ()),
        transitioned_at=row.transitioned_at,
    )


class SqlHypercareRepository:
    """Hypercare periods."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, *, customer_id: int, start: date, weeks: int) -> HypercarePeriod:
        """Start a customer's hypercare period on its go-live date."""
        if weeks <= 0:
            raise ValueError(f"hypercare lasts a positive number of weeks, got {weeks}")
        row = HypercareRow(customer_id=customer_id, start=start, weeks=weeks)
        self._s.add(row)
        await self._s.flush()
        return _period(row)

    async def current(self, *, customer_id: int) -> HypercarePeriod | None:
        """A customer's hypercare period (the latest, if it had several), or None."""
        stmt = (
            sa.select(HypercareRow)
            .where(col(HypercareRow.customer_id) == customer_id)
            .order_by(col(HypercareRow.start).desc(), col(HypercareRow.id).desc())
            .limit(1)
        )
        row = (await self._s.scalars(stmt)).first()
        return _period(row) if row is not None else None

    async def all_current(self) -> list[HypercarePeriod]:
        """Every customer's current period, in no particular order."""
        stmt = sa.select(HypercareRow).order_by(col(HypercareRow.start), col(HypercareRow.id))
        latest = {row.customer_id: row for row in await self._s.scalars(stmt)}
        return [_period(row) for row in latest.values()]

    async def update(self, *, period_id: int, **changes: Any) -> HypercarePeriod:
        """Change the start, weeks, extensions, sign-offs or transition (whole new values)."""
        row = await self._s.get(HypercareRow, period_id, with_for_update=True)
        if row is None:
            raise NotFoundError(f"no hypercare period {period_id}")
        for key, value in changes.items():
            if key not in ("start", "weeks", "extensions", "sign_offs", "transitioned_at"):
                raise ValueError(f"unknown hypercare field: {key}")
            if key == "weeks" and value <= 0:
                raise ValueError(f"hypercare lasts a positive number of weeks, got {value}")
            if key in ("extensions", "sign_offs"):
                value = [dict(v) for v in value]
            elif key == "transitioned_at" and value is not None:
                value = _utc(value, key)
            setattr(row, key, value)
        await self._s.flush()
        return _period(row)

    async def remove(self, *, customer_id: int) -> int:
        """Forget a customer's hypercare periods; how many there were."""
        stmt = sa.delete(HypercareRow).where(col(HypercareRow.customer_id) == customer_id)
        result = await self._s.execute(stmt)
        return int(getattr(result, "rowcount", 0) or 0)
