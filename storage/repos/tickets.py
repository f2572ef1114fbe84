"""Tickets with unique references and an append-only audit trail."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.app.ports import AlreadyFiledError, ForeignSubmissionError, NotFoundError
from bot.domain.models import (
    ApprovalState,
    Countdown,
    Identity,
    NewTicket,
    ThreadRef,
    Ticket,
    TicketEvent,
    TicketStatus,
    TimeEntry,
    require_aware,
)
from bot.domain.policy import Affected, PriorityKey
from storage.repos._rows import jsonable
from storage.tables import CustomerRow, TicketCounterRow, TicketEventRow, TicketRow, TimeEntryRow

__all__ = ["FIRST_NUMBER", "SqlTicketRepository", "countdowns_due_query", "ticket_from_row"]

# References start at PREFIX-1001: the counter holds the last number handed out.
FIRST_NUMBER = 1001

# Ticket fields `update` may change, and the columns they live in.
_SIMPLE = frozenset(
    {
        "summary",
        "description",
        "category",
        "affected",
        "data_loss",
        "inquiry",
        "priority",
        "priority_reason",
        "opened_at",
        "first_response_due",
        "first_responded_at",
        "status",
        "consultancy",
        "approval",
        "approval_at",
        "details",
    }
)
_COMPOSITE = frozenset({"approval_by", "thread", "reporter"})
# Changes that move or stop a ticket's SLA countdown: the next tick looks at it again.
_CLOCK = frozenset({"priority", "opened_at", "first_response_due", "first_responded_at", "status"})
_OPEN = frozenset(s.value for s in TicketStatus) - {
    TicketStatus.RESOLVED.value,
    TicketStatus.CLOSED.value,
}


def _restart_countdown(row: TicketRow, at: datetime) -> None:
    """Make the ticket due for the next SLA tick, or end its countdown if nothing is owed."""
    if row.first_responded_at is not None or row.status not in _OPEN:
        row.countdown_at = None
        return
    at = at.astimezone(UTC)
    row.countdown_at = at if row.countdown_at is None else min(row.countdown_at, at)


def _identity(platform: str | None, user: str | None) -> Identity | None:
    return Identity(platform, user) if platform and user is not None else None


def ticket_from_row(row: TicketRow) -> Ticket:
    """The domain ticket of a row."""
    assert row.id is not None
    reporter = _identity(row.reporter_platform, row.reporter_user)
    assert reporter is not None
    thread = None
    if row.thread_platform and row.thread_conversation and row.thread_ts is not None:
        thread = ThreadRef(row.thread_platform, row.thread_conversation, row.thread_ts)
    return Ticket(
        id=row.id,
        ref=row.ref,
        customer_id=row.customer_id,
        reporter=reporter,
        summary=row.summary,
        description=row.description,
        category=row.category,
        affected=Affected(row.affected) if row.affected else None,
        data_loss=row.data_loss,
        inquiry=row.inquiry,
        priority=PriorityKey(row.priority),
        priority_reason=row.priority_reason,
        opened_at=row.opened_at,
        first_response_due=row.first_response_due,
        status=TicketStatus(row.status),
        consultancy=row.consultancy,
        approval=ApprovalState(row.approval),
        first_responded_at=row.first_responded_at,
        approval_by=_identity(row.approval_by_platform, row.approval_by_user),
        approval_at=row.approval_at,
        details={str(k): str(v) for k, v in (row.details or {}).items()},
        thread=thread,
        source_key=row.source_key,
    )


def _set(row: TicketRow, key: str, value: Any) -> None:
    """Write one domain field into its column(s), normalising enums and checking instants."""
    if key in _COMPOSITE:
        if key == "thread":
            thread: ThreadRef | None = value
            row.thread_platform = thread.platform if thread else None
            row.thread_conversation = thread.conversation if thread else None
            row.thread_ts = thread.thread if thread else None
        else:
            who: Identity | None = value
            setattr(row, f"{key}_platform", who.platform if who else None)
            setattr(row, f"{key}_user", who.user_id if who else None)
        return
    if isinstance(value, datetime):
        value = require_aware(value, key).astimezone(UTC)
    if key == "status":
        value = TicketStatus(value).value
    elif key == "approval":
        value = ApprovalState(value).value
    elif key == "priority":
        value = PriorityKey(value).value
    elif key == "affected":
        value = Affected(value).value if value is not None else None
    elif key == "details":
        value = {str(k): str(v) for k, v in dict(value).items()}
    setattr(row, key, value)


def countdowns_due_query(*, now: datetime, limit: int) -> sa.Select[TicketRow]:
    """The SLA tick's selection: tickets whose countdown needs a look by `now`, locked.

    Only the indexed column is tested (ix_tickets_countdown_at): a ticket leaves the index's
    range when its countdown ends (NULL), so a tick never scans the open tickets.
    """
    require_aware(now, "now")
    return (
        sa.select(TicketRow)
        .where(col(TicketRow.countdown_at) <= now.astimezone(UTC))
        .order_by(col(TicketRow.countdown_at))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )


class SqlTicketRepository:
    """Tickets in SQL; every change writes an event in the same transaction."""

    def __init__(self, session: AsyncSession, *, prefix: str) -> None:
        self._s = session
        self._prefix = prefix.upper()

    async def create(self, *, ticket: NewTicket, actor: str) -> Ticket:
        """Store a ticket with a fresh unique reference and a 'created' event.

        A source key belongs to the customer and reporter whose submission first used it: if
        `ticket.source_key` was used before, raise AlreadyFiledError (theirs) or
        ForeignSubmissionError (someone else's); the unit then rolls back, writing nothing.
        """
        require_aware(ticket.opened_at, "opened_at")
        require_aware(ticket.first_response_due, "first_response_due")
        if await self._s.get(CustomerRow, ticket.customer_id) is None:
            raise NotFoundError(f"no customer with id {ticket.customer_id}")
        await self._check_source_key(ticket)
        number = await self._next_number()
        if ticket.source_key is not None and self._dialect != "sqlite":
            # We waited for the counter's row lock, so a concurrent filing of the same
            # submission has committed by now: look again (raising rolls the number back).
            # (SQLite units hold the write lock from their first statement: no race there.)
            await self._check_source_key(ticket)
        row = TicketRow(
            ref=f"{self._prefix}-{number}",
            customer_id=ticket.customer_id,
            reporter_platform="",
            reporter_user="",
            summary=ticket.summary,
            description=ticket.description,
            category=ticket.category,
            data_loss=ticket.data_loss,
            inquiry=ticket.inquiry,
            priority="",
            priority_reason=ticket.priority_reason,
            opened_at=ticket.opened_at,
            first_response_due=ticket.first_response_due,
            status=TicketStatus.OPEN.value,
            consultancy=ticket.consultancy,
            approval="",
            source_key=ticket.source_key,
            updated_at=ticket.opened_at.astimezone(UTC),
            countdown_done=[],
            edit_seq=0,
        )
        for key in (
            "reporter",
            "affected",
            "priority",
            "approval",
            "details",
            "thread",
            "opened_at",
            "first_response_due",
        ):
            _set(row, key, getattr(ticket, key))
        _restart_countdown(row, ticket.opened_at)
        self._s.add(row)
        await self._s.flush()
        created = ticket_from_row(row)
        after = {k: jsonable(v) for k, v in _audited(created).items()}
        self._event(row, at=ticket.opened_at, actor=actor, action="created", after=after)
        await self._s.flush()
        return created

    async def by_thread(self, *, thread: ThreadRef) -> Ticket | None:
        """The ticket living in a chat thread, or None."""
        stmt = sa.select(TicketRow).where(
            col(TicketRow.thread_platform) == thread.platform,
            col(TicketRow.thread_conversation) == thread.conversation,
            col(TicketRow.thread_ts) == thread.thread,
        )
        row = (await self._s.scalars(stmt.limit(1))).first()
        return ticket_from_row(row) if row else None

    async def get(self, *, ref: str, lock: bool = False) -> Ticket | None:
        """One ticket by reference (case-insensitive), or None; `lock` holds it until commit.

        On PostgreSQL `lock` is SELECT ... FOR UPDATE; SQLite units hold the database's
        write lock from their first statement (BEGIN IMMEDIATE), which serialises them anyway.
        """
        row = await self._row(ref, lock=lock)
        return ticket_from_row(row) if row else None

    async def update(
        self, *, ref: str, actor: str, action: str, at: datetime, **changes: Any
    ) -> Ticket:
        """Apply field changes and append an event with before and after values."""
        require_aware(at, "at")
        unknown = set(changes) - _SIMPLE - _COMPOSITE
        if unknown:
            raise ValueError(f"unknown ticket fields: {', '.join(sorted(unknown))}")
        row = await self._row(ref, lock=True)
        if row is None:
            raise NotFoundError(f"no ticket {ref}")
        before_ticket = ticket_from_row(row)
        for key, value in changes.items():
            _set(row, key, value)
        if _CLOCK & set(changes):
            _restart_countdown(row, at)
        row.updated_at = at
        await self._s.flush()
        after_ticket = ticket_from_row(row)
        before = {k: jsonable(getattr(before_ticket, k)) for k in changes}
        after = {k: jsonable(getattr(after_ticket, k)) for k in changes}
        self._event(row, at=at, actor=actor, action=action, before=before, after=after)
        await self._s.flush()
        return after_ticket

    async def query(
        self,
        *,
        customer_id: int | None = None,
        statuses: Sequence[TicketStatus] | None = None,
        reporter: Identity | None = None,
        limit: int | None = None,
    ) -> list[Ticket]:
        """Tickets, newest first, filtered."""
        stmt = sa.select(TicketRow)
        if customer_id is not None:
            stmt = stmt.where(col(TicketRow.customer_id) == customer_id)
        if statuses is not None:
            stmt = stmt.where(col(TicketRow.status).in_([TicketStatus(s).value for s in statuses]))
        if reporter is not None:
            stmt = stmt.where(
                col(TicketRow.reporter_platform) == reporter.platform,
                col(TicketRow.reporter_user) == reporter.user_id,
            )
        stmt = stmt.order_by(col(TicketRow.opened_at).desc(), col(TicketRow.id).desc())
        if limit is not None:
            stmt = stmt.limit(limit)
        return [ticket_from_row(r) for r in await self._s.scalars(stmt)]

    async def events(self, *, ref: str) -> list[TicketEvent]:
        """A ticket's audit trail, oldest first."""
        row = await self._row(ref)
        if row is None:
            raise NotFoundError(f"no ticket {ref}")
        stmt = (
            sa.select(TicketEventRow)
            .where(col(TicketEventRow.ticket_id) == row.id)
            .order_by(col(TicketEventRow.id))
        )
        return [
            TicketEvent(
                ticket_id=e.ticket_id,
                at=e.at,
                actor=e.actor,
                action=e.action,
                before=dict(e.before or {}),
                after=dict(e.after or {}),
            )
            for e in await self._s.scalars(stmt)
        ]

    async def log_time(
        self, *, ref: str, agent: Identity, minutes: int, at: datetime, note: str = ""
    ) -> TimeEntry:
        """Record time an agent spent on a ticket (audited)."""
        require_aware(at, "at")
        if minutes <= 0:
            raise ValueError(f"logged time must be positive, got {minutes} minutes")
        row = await self._row(ref)
        if row is None:
            raise NotFoundError(f"no ticket {ref}")
        assert row.id is not None
        entry = TimeEntryRow(
            ticket_id=row.id,
            agent_platform=agent.platform,
            agent_user=agent.user_id,
            minutes=minutes,
            at=at,
            note=note,
        )
        self._s.add(entry)
        after = {"agent": str(agent), "minutes": minutes, "note": note}
        self._event(row, at=at, actor=str(agent), action="time.logged", after=after)
        await self._s.flush()
        return TimeEntry(ticket_id=row.id, agent=agent, minutes=minutes, at=at, note=note)

    async def time_entries(self, *, ref: str | None = None) -> list[TimeEntry]:
        """Logged time, for one ticket or all."""
        stmt = sa.select(TimeEntryRow).order_by(col(TimeEntryRow.at), col(TimeEntryRow.id))
        if ref is not None:
            row = await self._row(ref)
            if row is None:
                raise NotFoundError(f"no ticket {ref}")
            stmt = stmt.where(col(TimeEntryRow.ticket_id) == row.id)
        return [
            TimeEntry(
                ticket_id=e.ticket_id,
                agent=Identity(e.agent_platform, e.agent_user),
                minutes=e.minutes,
                at=e.at,
                note=e.note,
            )
            for e in await self._s.scalars(stmt)
        ]

    async def countdowns_due(self, *, now: datetime, limit: int) -> list[Countdown]:
        """Tickets whose SLA countdown needs a look by `now`, earliest first, each locked
        (PostgreSQL skips the ones another unit holds)."""
        stmt = countdowns_due_query(now=now, limit=limit)
        return [
            Countdown(ticket_from_row(r), tuple(r.countdown_done or ()), r.countdown_at)
            for r in await self._s.scalars(stmt)
        ]

    async def record_countdowns(
        self, *, countdowns: Sequence[Countdown], at: datetime, posted: Mapping[str, str]
    ) -> None:
        """Store the countdowns' next instants and done keys; audit the posted milestones."""
        require_aware(at, "at")
        if not countdowns:
            return
        # One executemany by primary key for the whole batch: the tick does this for every
        # ticket it looks at, and each statement is a round trip.
        await self._s.execute(
            sa.update(TicketRow),
            [
                {
                    "id": c.ticket.id,
                    "countdown_at": require_aware(c.next_at, "next_at") if c.next_at else None,
                    "countdown_done": list(c.done),
                }
                for c in countdowns
            ],
            execution_options={"synchronize_session": False},
        )
        events = [
            {
                "ticket_id": c.ticket.id,
                "at": at.astimezone(UTC),
                "actor": "bot",
                "action": "sla.countdown",
                "before": {},
                "after": {"milestone": posted[c.ticket.ref]},
            }
            for c in countdowns
            if c.ticket.ref in posted
        ]
        if events:
            await self._s.execute(sa.insert(TicketEventRow), events)

    async def next_edit_seq(self, *, ref: str) -> int:
        """Bump and return the ticket's edit number (its row stays locked until commit)."""
        stmt = (
            sa.update(TicketRow)
            .where(col(TicketRow.ref) == ref.strip().upper())
            .values(edit_seq=col(TicketRow.edit_seq) + 1)
            .returning(col(TicketRow.edit_seq))
            .execution_options(synchronize_session=False)
        )
        seq = (await self._s.execute(stmt)).scalar_one_or_none()
        if seq is None:
            raise NotFoundError(f"no ticket {ref}")
        return int(seq)

    async def _row(self, ref: str, *, lock: bool = False) -> TicketRow | None:
        stmt = sa.select(TicketRow).where(col(TicketRow.ref) == ref.strip().upper())
        if lock:
            stmt = stmt.with_for_update()
        return (await self._s.scalars(stmt)).first()

    @property
    def _dialect(self) -> str:
        return self._s.get_bind().dialect.name

    async def _check_source_key(self, ticket: NewTicket) -> None:
        """Raise if the ticket's source key filed a ticket before (see `create`)."""
        if ticket.source_key is None:
            return
        stmt = sa.select(TicketRow).where(col(TicketRow.source_key) == ticket.source_key)
        row = (await self._s.scalars(stmt)).first()
        if row is None:
            return
        existing = ticket_from_row(row)
        if (existing.customer_id, existing.reporter) != (ticket.customer_id, ticket.reporter):
            raise ForeignSubmissionError(f"source key {ticket.source_key!r} is not theirs")
        raise AlreadyFiledError(existing)

    async def _next_number(self) -> int:
        """Bump the counter in one statement; on PostgreSQL its row stays locked until commit."""
        insert = postgresql.insert if self._dialect == "postgresql" else sqlite.insert
        last = col(TicketCounterRow.last)
        stmt = (
            insert(TicketCounterRow)
            .values(prefix=self._prefix, last=FIRST_NUMBER)
            .on_conflict_do_update(index_elements=["prefix"], set_={"last": last + 1})
            .returning(last)
        )
        return int((await self._s.execute(stmt)).scalar_one())

    def _event(
        self,
        row: TicketRow,
        *,
        at: datetime,
        actor: str,
        action: str,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> None:
        assert row.id is not None
        self._s.add(
            TicketEventRow(
                ticket_id=row.id,
                at=at.astimezone(UTC),
                actor=actor,
                action=action,
                before=before or {},
                after=after or {},
            )
        )


def _audited(ticket: Ticket) -> dict[str, Any]:
    """The fields a 'created' event records."""
    skip = {"id", "source_key"}
    return {k: getattr(ticket, k) for k in Ticket.__dataclass_fields__ if k not in skip}
