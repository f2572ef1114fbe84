"""Storage: SQLModel tables, repositories, the unit of work and Alembic migrations."""

from __future__ import annotations

from storage.unit import SqlStore, SqlUnitOfWork
from storage.urls import UnsupportedDatabase, async_url

__all__ = ["SqlStore", "SqlUnitOfWork", "UnsupportedDatabase", "async_url", "open_store"]


async def open_store(
    url: str | None = None,
    *,
    upgrade: bool = True,
    prefix: str = "SUP",
    search_path: str | None = None,
) -> SqlStore:
    """Open the database (None: DATABASE_URL or the per-user SQLite file), migrating it first."""
    from bot.config import database_url
    from storage.engine import make_engine

    engine = make_engine(url or database_url(), search_path=search_path)
    if upgrade:
        from storage.migrate import upgrade as run_upgrade

        try:
            await run_upgrade(engine)
        except BaseException:
            await engine.dispose()
            raise
    return SqlStore(engine, prefix=prefix)
