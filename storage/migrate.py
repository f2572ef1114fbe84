"""Alembic, run programmatically: the migrations ship inside the package, no alembic.ini."""

from __future__ import annotations

import asyncio
import importlib
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.urls import UnsupportedDatabase

__all__ = [
    "MigrationStatus",
    "alembic_config",
    "diff",
    "include_object",
    "schema",
    "status",
    "upgrade",
]

MIGRATIONS = Path(__file__).with_name("migrations")
_MIGRATION_LOCK = 0x5BB07  # an arbitrary application-wide advisory lock key
# Alembic keeps the running migration in a process-global `context`: two upgrades interleaving
# on one event loop (e.g. two stores opened at once) would trample each other's.
_upgrading: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
    weakref.WeakKeyDictionary()
)


@dataclass(frozen=True, slots=True)
class MigrationStatus:
    """Where a database stands against the shipped migrations."""

    current: str | None
    head: str

    @property
    def up_to_date(self) -> bool:
        """Whether the schema is at the newest revision."""
        return self.current == self.head


def schema() -> MetaData:
    """Every table the migrations build: storage's own, and those an adapter keeps in its
    `tables` module (e.g. adapters/teams/tables.py), found by that file name."""
    import adapters
    from storage.tables import metadata

    for root in adapters.__path__:
        for module in sorted(Path(root).glob("*/tables.py")):
            importlib.import_module(f"adapters.{module.parent.name}.tables")
    return metadata


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Compare only our tables: a shared database may hold other applications' tables."""
    if type_ == "table" and reflected and compare_to is None:
        return name in schema().tables
    return True


def _require_schema(connection: Connection) -> None:
    """UnsupportedDatabase if PostgreSQL's search_path names no existing schema.

    PostgreSQL would otherwise say only "no schema has been selected to create in".
    """
    if connection.dialect.name != "postgresql":
        return
    if connection.exec_driver_sql("SELECT current_schema()").scalar() is None:
        path = connection.exec_driver_sql("SHOW search_path").scalar()
        raise UnsupportedDatabase(
            f"no schema in search_path {path!r} exists in this database "
            "(create it with CREATE SCHEMA, or fix the search_path)"
        )


def alembic_config() -> Config:
    """An Alembic configuration pointing at the packaged migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Migrate the database to `revision` (default: the newest)."""

    def run(connection: Connection) -> None:
        _require_schema(connection)
        if connection.dialect.name == "postgresql":
            # Two instances starting together must not both create the tables.
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    lock = _upgrading.setdefault(asyncio.get_running_loop(), asyncio.Lock())
    async with lock, engine.begin() as connection:
        await connection.run_sync(run)


async def status(engine: AsyncEngine) -> MigrationStatus:
    """The database's current revision and the newest shipped one."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None

    def current(connection: Connection) -> str | None:
        _require_schema(connection)
        return MigrationContext.configure(connection).get_current_revision()

    async with engine.connect() as connection:
        return MigrationStatus(current=await connection.run_sync(current), head=head)


async def diff(engine: AsyncEngine) -> list[Any]:
    """Differences between the database schema and the SQLModel tables (empty: in sync)."""
    from alembic.autogenerate import compare_metadata

    metadata = schema()

    def compare(connection: Connection) -> list[Any]:
        opts = {"compare_type": True, "include_object": include_object}
        context = MigrationContext.configure(connection, opts=opts)
        return list(compare_metadata(context, metadata))

    async with engine.connect() as connection:
        return await connection.run_sync(compare)
