"""Service windows and hypercare periods."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.app.ports import NotFoundError
from bot.domain.models import HypercarePeriod, ServiceWindow, require_aware
from storage.tables import HypercareRow, ServiceWindowRow

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
    )


class SqlWindowRepository:
    """Extraordinary service windows."""

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
    ) -> ServiceWindow:
        """Store a service window (`service` None: all services)."""
        start, end = _utc(start, "start"), _utc(end, "end")
        if end <= start:
            raise ValueError("a service window must end after it starts")
        row = ServiceWindowRow(service=service, start=start, end=end, reason=reason, state=state)
        self._s.add(row)
        await self._s.flush()
        return _window(row)

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
