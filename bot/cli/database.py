"""Database plumbing for the admin commands, and `supportbot db upgrade|info`."""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from bot.cli.main import CliError

if TYPE_CHECKING:
    from bot.domain.policy import Policy
    from storage import SqlStore, SqlUnitOfWork

__all__ = ["database_errors", "open_configured", "policy", "register_db", "run", "with_unit"]

T = TypeVar("T")


def register_db(sub: argparse._SubParsersAction[Any]) -> None:
    """Register `db upgrade` and `db info`."""
    db = sub.add_parser("db", help="database schema")
    actions = db.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("upgrade", help="migrate to the newest schema").set_defaults(
        handler=_db_upgrade
    )
    actions.add_parser("info", help="where the database is and its schema version").set_defaults(
        handler=_db_info
    )


@contextlib.contextmanager
def database_errors() -> Iterator[None]:
    """An unusable, unreachable or refusing database becomes a one-line CliError."""
    from sqlalchemy.exc import DBAPIError

    from storage.urls import UnsupportedDatabase

    try:
        yield
    except UnsupportedDatabase as exc:
        raise CliError(f"DATABASE_URL: {exc}") from None
    except OSError as exc:
        raise CliError(f"cannot reach the database: {exc}") from None
    except DBAPIError as exc:
        raise CliError(f"database error: {str(exc.orig).splitlines()[0]}") from None


def run(coro: Awaitable[T]) -> T:
    """Run database work; an unreachable or refusing database is one line, not a traceback."""
    import asyncio  # not at module level: it costs every other command ~35 ms of start-up

    async def wrapped() -> T:
        return await coro

    with database_errors():
        return asyncio.run(wrapped())


def policy() -> Policy:
    """The agreement in force ($SUPPORTBOT_POLICY or the packaged one); errors are one line."""
    from bot.domain.policy import PolicyError, load_policy

    try:
        return load_policy()
    except PolicyError as exc:
        raise CliError(f"policy {exc}") from None


def with_unit(work: Callable[[SqlUnitOfWork], Awaitable[T]]) -> T:
    """Run `work` in one unit of work on the configured database (migrated first)."""
    prefix = policy().ticket_prefix

    async def work_in_unit() -> T:
        store = await open_configured(prefix)
        try:
            async with store.unit() as uow:
                return await work(uow)
        finally:
            await store.close()

    return run(work_in_unit())


async def open_configured(prefix: str = "SUP", *, upgrade: bool = True) -> SqlStore:
    """The store of DATABASE_URL (or the default file), migrated unless `upgrade` is False.

    Every way opening can fail (a bad URL, an unreachable or refusing server) is a CliError.
    """
    from storage import open_store

    with database_errors():
        return await open_store(prefix=prefix, upgrade=upgrade)


def _sqlite_file_missing() -> bool:
    from pathlib import Path

    from bot.config import database_url
    from storage.urls import is_sqlite, sqlite_path

    url = database_url()
    path = sqlite_path(url) if is_sqlite(url) else None
    return path is not None and not Path(path).expanduser().exists()


def _db_upgrade(args: argparse.Namespace) -> int:
    from bot.config import describe_database

    async def upgrade() -> str:
        from storage.migrate import status

        store = await open_configured()
        try:
            return (await status(store.engine)).head
        finally:
            await store.close()

    head = run(upgrade())
    print(describe_database())
    print(f"schema: up to date (revision {head})")
    return 0


def _db_info(args: argparse.Namespace) -> int:
    from bot.config import describe_database

    async def inspect() -> tuple[str | None, str]:
        from storage.migrate import status

        store = await open_configured(upgrade=False)
        try:
            state = await status(store.engine)
        finally:
            await store.close()
        return state.current, state.head

    # Look first, print after: a bad URL or a refusing server is then the only output.
    if _sqlite_file_missing():
        schema = "schema: no database file yet (`supportbot db upgrade` creates it)"
    else:
        current, head = run(inspect())
        if current == head:
            schema = f"schema: up to date (revision {head})"
        elif current is None:
            schema = f"schema: empty (run `supportbot db upgrade` to create revision {head})"
        else:
            schema = f"schema: revision {current}, newest is {head} (run `supportbot db upgrade`)"
    print(describe_database())
    print(schema)
    return 0
