"""The inbox: incoming chat events already taken on, shared by every bot instance."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.domain.models import require_aware
from storage.tables import ProcessedEventRow

__all__ = ["SqlInboxRepository"]


class SqlInboxRepository:
    """Claimed event keys in SQL."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def claim(self, *, key: str, at: datetime) -> bool:
        """Take on the event `key` (e.g. "slack:T123:Ev456"); False if it was taken before."""
        at = require_aware(at, "at").astimezone(UTC)
        if not key:
            raise ValueError("an event key must not be empty")
        # One statement, no read first: on PostgreSQL a concurrent claim of the same key waits
        # for the first to commit and then inserts nothing, so exactly one instance wins.
        dialect = self._s.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = (
            insert(ProcessedEventRow)
            .values(key=key, at=at)
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(col(ProcessedEventRow.key))
        )
        return (await self._s.execute(stmt)).first() is not None

    async def release(self, *, key: str) -> None:
        """Give the event back (handling it failed), so a redelivery is handled."""
        await self._s.execute(sa.delete(ProcessedEventRow).where(col(ProcessedEventRow.key) == key))

    async def prune(self, *, before: datetime) -> int:
        """Forget events taken on before `before`; how many were forgotten."""
        before = require_aware(before, "before").astimezone(UTC)
        stmt = sa.delete(ProcessedEventRow).where(col(ProcessedEventRow.at) < before)
        result = await self._s.execute(stmt)
        return int(getattr(result, "rowcount", 0) or 0)
