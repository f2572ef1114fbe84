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
        lease_owner=row.lease_owner,
        lease_expires_at=row.lease_expires_at,
        parked_at=row.parked_at,
        claims=row.claims,
        created_at=row.created_at,
    )


def _lease_free(now: datetime) -> sa.ColumnElement[bool]:
    """Not leased, or the lease ran out (its holder crashed or hangs)."""
    return sa.or_(col(OutboxRow.lease_expires_at).is_(None), col(OutboxRow.lease_expires_at) <= now)


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
        """Unsent, unparked, unleased messages whose next attempt is due, oldest first, for
        `platforms` (None: all)."""
        require_aware(now, "now")
        stmt = sa.select(OutboxRow).where(
            col(OutboxRow.sent_at).is_(None),
            col(OutboxRow.parked_at).is_(None),
            col(OutboxRow.next_attempt_at) <= now,
            _lease_free(now),
        )
        if platforms is not None:
            stmt = stmt.where(col(OutboxRow.platform).in_(list(platforms)))
        stmt = stmt.order_by(col(OutboxRow.next_attempt_at), col(OutboxRow.id)).limit(limit)
        return [_message(r) for r in await self._s.scalars(stmt)]

    async def claim(
        self, *, message_id: int, owner: str, now: datetime, until: datetime
    ) -> OutboxMessage | None:
        """Lease a due message to `owner` until `until` and count the claim, atomically: None
        if it was sent, parked or leased (and the lease not expired at `now`) meanwhile."""
        require_aware(now, "now")
        # One conditional UPDATE: on PostgreSQL a concurrent claim of the same row waits for
        # this one and then finds the lease taken; SQLite has one writer at a time.
        stmt = (
            sa.update(OutboxRow)
            .where(
                col(OutboxRow.id) == message_id,
                col(OutboxRow.sent_at).is_(None),
                col(OutboxRow.parked_at).is_(None),
                col(OutboxRow.next_attempt_at) <= now,
                _lease_free(now),
            )
            .values(
                lease_owner=owner,
                lease_expires_at=require_aware(until, "until"),
                claims=col(OutboxRow.claims) + 1,
            )
            .returning(col(OutboxRow.id))
            .execution_options(synchronize_session=False)
        )
        if (await self._s.execute(stmt)).first() is None:
            return None
        row = await self._s.get(OutboxRow, message_id, populate_existing=True)
        return _message(row) if row is not None else None

    async def release(self, *, message_id: int, owner: str) -> None:
        """Give up `owner`'s lease without an outcome (it is due again at once)."""
        stmt = (
            sa.update(OutboxRow)
            .where(col(OutboxRow.id) == message_id, col(OutboxRow.lease_owner) == owner)
            .values(lease_owner=None, lease_expires_at=None)
            .execution_options(synchronize_session=False)
        )
        await self._s.execute(stmt)

    async def mark_sent(
        self, *, message_id: int, at: datetime, result: dict[str, Any] | None = None
    ) -> None:
        """Record a successful post (with e.g. the Slack ts); any lease ends."""
        row = await self._get(message_id)
        row.sent_at = require_aware(at, "at").astimezone(UTC)
        row.attempts += 1
        row.last_error = None
        row.result = dict(result or {})
        row.lease_owner = row.lease_expires_at = None
        await self._s.flush()

    async def mark_failed(
        self, *, message_id: int, owner: str, error: str, retry_at: datetime
    ) -> bool:
        """Record a failed attempt and when to try again; False (nothing written) unless
        `owner` still holds the lease."""
        row = await self._get(message_id)
        if row.lease_owner != owner:
            return False
        row.attempts += 1
        row.last_error = error
        row.next_attempt_at = require_aware(retry_at, "retry_at").astimezone(UTC)
        row.lease_owner = row.lease_expires_at = None
        await self._s.flush()
        return True

    async def park(self, *, message_id: int, owner: str, error: str, at: datetime) -> bool:
        """Record a failed attempt and set the message aside for an operator; False (nothing
        written) unless `owner` still holds the lease."""
        row = await self._get(message_id)
        if row.lease_owner != owner:
            return False
        row.attempts += 1
        row.last_error = error
        row.parked_at = require_aware(at, "at").astimezone(UTC)
        row.lease_owner = row.lease_expires_at = None
        await self._s.flush()
        return True

    async def parked(self, *, limit: int = 100) -> list[OutboxMessage]:
        """Parked messages, oldest first."""
        stmt = (
            sa.select(OutboxRow)
            .where(col(OutboxRow.parked_at).is_not(None))
            .order_by(col(OutboxRow.parked_at), col(OutboxRow.id))
            .limit(limit)
        )
        return [_message(r) for r in await self._s.scalars(stmt)]

    async def count_parked(self) -> int:
        """How many messages are parked."""
        stmt = sa.select(sa.func.count()).where(col(OutboxRow.parked_at).is_not(None))
        return int((await self._s.execute(stmt)).scalar_one())

    async def unpark(self, *, message_ids: Sequence[int] | None, at: datetime) -> int:
        """Put parked messages (None: all) back in line, due at `at` with a fresh count of
        attempts; how many were parked."""
        stmt = sa.update(OutboxRow).where(col(OutboxRow.parked_at).is_not(None))
        if message_ids is not None:
            stmt = stmt.where(col(OutboxRow.id).in_(list(message_ids)))
        stmt = stmt.values(
            parked_at=None, attempts=0, next_attempt_at=require_aware(at, "at")
        ).execution_options(synchronize_session=False)
        result = await self._s.execute(stmt)
        return int(result.rowcount)  # type: ignore[attr-defined]

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
