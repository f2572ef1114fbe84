"""The outbox: messages to post, written in the same transaction as their cause."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.app.ports import NotFoundError
from bot.domain.models import (
    CustomerChannel,
    DirectMessage,
    Edit,
    OutboxMessage,
    Target,
    TicketThread,
    require_aware,
)
from storage.tables import OutboxRow

__all__ = ["SqlOutboxRepository", "target_from_json", "target_json"]

# How each kind of target is named in its JSON.
_KINDS: dict[type[Any], str] = {
    CustomerChannel: "customer_channel",
    TicketThread: "ticket_thread",
    DirectMessage: "user",
    Edit: "edit",
}
_TYPES = {kind: type_ for type_, kind in _KINDS.items()}


def target_json(target: Target) -> dict[str, Any]:
    """A target as stored: its fields (None left out) and its "kind"."""
    data: dict[str, Any] = {"kind": _KINDS[type(target)]}
    for name in type(target).__dataclass_fields__:
        value = getattr(target, name)
        if value is not None:
            data[name] = value
    return data


def target_from_json(data: dict[str, Any]) -> Target:
    """The target stored as `data` (see `target_json`)."""
    fields = {k: v for k, v in data.items() if k != "kind"}
    target: Target = _TYPES[str(data["kind"])](**fields)
    return target


def _message(row: OutboxRow) -> OutboxMessage:
    assert row.id is not None
    return OutboxMessage(
        id=row.id,
        target=target_from_json(dict(row.target)),
        content=dict(row.content),
        dedupe_key=row.dedupe_key,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        sent_at=row.sent_at,
        last_error=row.last_error,
        result=dict(row.result or {}),
    )


class SqlOutboxRepository:
    """Outbox messages in SQL."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def enqueue(
        self, *, target: Target, content: dict[str, Any], dedupe_key: str, at: datetime
    ) -> bool:
        """Queue a message; False (and nothing written) if the dedupe key was queued before."""
        at = require_aware(at, "at").astimezone(UTC)
        dialect = self._s.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = (
            insert(OutboxRow)
            .values(
                platform=target.platform,
                target=target_json(target),
                content=content,
                dedupe_key=dedupe_key,
                attempts=0,
                next_attempt_at=at,
                created_at=at,
                result={},
            )
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(col(OutboxRow.id))
        )
        return (await self._s.execute(stmt)).first() is not None

    async def due(
        self, *, now: datetime, limit: int = 50, platforms: Sequence[str] | None = None
    ) -> list[OutboxMessage]:
        """Unsent messages whose next attempt is due, oldest first, for `platforms` (None: all)."""
        require_aware(now, "now")
        stmt = sa.select(OutboxRow).where(
            col(OutboxRow.sent_at).is_(None), col(OutboxRow.next_attempt_at) <= now
        )
        if platforms is not None:
            stmt = stmt.where(col(OutboxRow.platform).in_(list(platforms)))
        stmt = stmt.order_by(col(OutboxRow.next_attempt_at), col(OutboxRow.id)).limit(limit)
        # Several bot instances may drain at once: on PostgreSQL each takes rows the others
        # have not locked (SQLite has one writer at a time anyway, and ignores this).
        stmt = stmt.with_for_update(skip_locked=True)
        return [_message(r) for r in await self._s.scalars(stmt)]

    async def mark_sent(
        self, *, message_id: int, at: datetime, result: dict[str, Any] | None = None
    ) -> None:
        """Record a successful post (with e.g. the Slack ts)."""
        row = await self._get(message_id)
        row.sent_at = require_aware(at, "at").astimezone(UTC)
        row.attempts += 1
        row.last_error = None
        row.result = dict(result or {})
        await self._s.flush()

    async def mark_failed(self, *, message_id: int, error: str, retry_at: datetime) -> None:
        """Record a failed attempt and when to try again."""
        row = await self._get(message_id)
        row.attempts += 1
        row.last_error = error
        row.next_attempt_at = require_aware(retry_at, "retry_at").astimezone(UTC)
        await self._s.flush()

    async def get(self, *, dedupe_key: str) -> OutboxMessage | None:
        """The message queued under a dedupe key (sent or not), or None."""
        stmt = sa.select(OutboxRow).where(col(OutboxRow.dedupe_key) == dedupe_key)
        row = (await self._s.scalars(stmt)).first()
        return _message(row) if row is not None else None

    async def update_result(self, *, message_id: int, result: dict[str, Any]) -> None:
        """Replace what is recorded about a sent message (e.g. which edit it shows now)."""
        row = await self._get(message_id)
        row.result = dict(result)
        await self._s.flush()

    async def _get(self, message_id: int) -> OutboxRow:
        row = await self._s.get(OutboxRow, message_id, with_for_update=True)
        if row is None:
            raise NotFoundError(f"no outbox message {message_id}")
        return row
