"""The unit of work (one transaction over all repositories) and the store that opens them."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage.engine import READ_ONLY
from storage.repos.customers import SqlContactRepository, SqlCustomerRepository
from storage.repos.inbox import SqlInboxRepository
from storage.repos.outbox import SqlOutboxRepository
from storage.repos.records import SqlHypercareRepository, SqlWindowRepository
from storage.repos.tickets import SqlTicketRepository

__all__ = ["SqlStore", "SqlUnitOfWork"]


class SqlUnitOfWork:
    """One transaction: commits when the block succeeds, rolls back when it raises."""

    customers: SqlCustomerRepository
    contacts: SqlContactRepository
    tickets: SqlTicketRepository
    outbox: SqlOutboxRepository
    inbox: SqlInboxRepository
    windows: SqlWindowRepository
    hypercare: SqlHypercareRepository

    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, prefix: str) -> None:
        self._sessions = sessions
        self._prefix = prefix
        self._session: AsyncSession | None = None

    async def __aenter__(self) -> Self:
        if self._session is not None:
            raise RuntimeError("a unit of work cannot be entered twice")
        session = self._session = self._sessions()
        await session.begin()
        self.customers = SqlCustomerRepository(session)
        self.contacts = SqlContactRepository(session)
        self.tickets = SqlTicketRepository(session, prefix=self._prefix)
        self.outbox = SqlOutboxRepository(session)
        self.inbox = SqlInboxRepository(session)
        self.windows = SqlWindowRepository(session)
        self.hypercare = SqlHypercareRepository(session)
        return self

    @property
    def session(self) -> AsyncSession:
        """The unit's session, for an adapter's own tables read or written in this transaction
        (e.g. the Teams conversation references)."""
        if self._session is None:
            raise RuntimeError("the unit of work is not entered")
        return self._session

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session = self._session
        assert session is not None
        try:
            if exc_type is None:
                await session.commit()
            else:
                await session.rollback()
        finally:
            await session.close()


class SqlStore:
    """Opens units of work on one engine; `close()` releases its connections."""

    def __init__(self, engine: AsyncEngine, *, prefix: str = "SUP") -> None:
        self.engine = engine
        self.prefix = prefix.upper()
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        self._readers = async_sessionmaker(
            engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False
        )

    def unit(self) -> SqlUnitOfWork:
        """A new unit of work, to be used as `async with store.unit() as uow:`."""
        return SqlUnitOfWork(self._sessions, prefix=self.prefix)

    def reader(self) -> SqlUnitOfWork:
        """A unit of work that only reads: it takes no write lock, so it may run while
        another unit is open (e.g. the monitoring port, asked from inside a use case)."""
        return SqlUnitOfWork(self._readers, prefix=self.prefix)

    async def close(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()
