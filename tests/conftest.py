"""Shared fixtures: a real database per test, SQLite always and PostgreSQL when configured."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from storage import SqlStore

# PostgreSQL runs too when TEST_DATABASE_URL is set (.ci/run sets it).
BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


@dataclass(frozen=True)
class Database:
    """An empty database for one test: a SQLite file, or a fresh PostgreSQL schema."""

    backend: str
    url: str
    search_path: str | None = None

    @property
    def env_url(self) -> str:
        """The URL with the schema in it, for code that reads only DATABASE_URL (the CLI)."""
        if self.search_path is None:
            return self.url
        joiner = "&" if "?" in self.url else "?"
        return f"{self.url}{joiner}options=-csearch_path%3D{self.search_path}"


@contextlib.asynccontextmanager
async def fresh_database(backend: str, tmp_path: Path) -> AsyncIterator[Database]:
    """An empty database of one backend: a SQLite file in tmp_path, or a new PostgreSQL
    schema dropped afterwards."""
    if backend == "sqlite":
        yield Database("sqlite", f"sqlite:///{tmp_path / 'supportbot.db'}")
        return
    from storage.engine import make_engine

    url = os.environ["TEST_DATABASE_URL"]
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(url)
    async with admin.begin() as conn:
        await conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield Database("postgresql", url, search_path=schema)
    finally:
        async with admin.begin() as conn:
            await conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        await admin.dispose()


@contextlib.asynccontextmanager
async def migrated_store(database: Database) -> AsyncIterator[SqlStore]:
    """A `storage.SqlStore` on `database` with the full schema, closed afterwards."""
    from storage import SqlStore
    from storage.engine import make_engine
    from storage.migrate import schema

    engine = make_engine(database.url, search_path=database.search_path)
    # create_all is the fast path; tests/storage/test_migrations.py proves it equals Alembic's.
    async with engine.begin() as conn:
        await conn.run_sync(schema().create_all)
    sql_store = SqlStore(engine, prefix="SUP")
    try:
        yield sql_store
    finally:
        await sql_store.close()


@pytest.fixture(params=BACKENDS)
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """An empty database, dropped after the test."""
    async with fresh_database(request.param, tmp_path) as db:
        yield db


@pytest.fixture
async def store(database: Database) -> AsyncIterator[SqlStore]:
    """A `storage.SqlStore` on an empty, fully migrated database of each configured backend."""
    async with migrated_store(database) as sql_store:
        yield sql_store
