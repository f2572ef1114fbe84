"""Async engines for SQLite and PostgreSQL, set up for many concurrent writers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from storage.urls import async_url, is_sqlite, pg_server_settings, sqlite_path

__all__ = ["READ_ONLY", "make_engine"]

# How long a SQLite writer waits for the lock before failing with "database is locked".
SQLITE_BUSY_TIMEOUT_MS = 30_000
# Execution option marking connections that only read (see _on_begin).
READ_ONLY = "supportbot_read_only"


def make_engine(url: str, *, search_path: str | None = None, echo: bool = False) -> AsyncEngine:
    """An async engine for a user-written URL; `search_path` selects a PostgreSQL schema."""
    full = async_url(url)
    if is_sqlite(full):
        return _sqlite_engine(full, echo=echo)
    full, settings = pg_server_settings(full)
    if search_path:
        settings["search_path"] = search_path
    connect_args: dict[str, Any] = {"server_settings": settings} if settings else {}
    return create_async_engine(
        full, echo=echo, pool_pre_ping=True, connect_args=connect_args, pool_size=10
    )


def _sqlite_engine(full: str, *, echo: bool) -> AsyncEngine:
    path = sqlite_path(full)
    if path is not None:
        from pathlib import Path

        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(full, echo=echo, connect_args={"timeout": 30})

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if path is not None:
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Take the write lock up front: a deferred transaction that reads and then writes
        # fails at once with SQLITE_BUSY when another writer got in between; IMMEDIATE waits.
        # Readers take no lock (WAL lets them run beside the writer): a read made while a
        # unit of work is open on the same task would otherwise wait for that unit forever.
        read_only = conn.get_execution_options().get(READ_ONLY, False)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine
