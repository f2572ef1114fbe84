"""Several processes migrating one fresh database at the same moment, as instances of `serve`
starting together do: all succeed and the schema is built once (PostgreSQL takes an advisory
lock for the migration; SQLite's write lock does the same)."""

from __future__ import annotations

import asyncio
import sys

import sqlalchemy as sa

from storage import open_store
from storage.migrate import diff, status
from tests.conftest import Database

PROCESSES = 3
TIMEOUT = 45.0

# Everything is imported before "ready", so the processes start migrating within moments of
# each other when the test says "go".
_CHILD = """
import asyncio, sys
from storage import open_store
import storage.migrate, alembic.command, sqlalchemy.ext.asyncio
url, search_path = sys.argv[1], sys.argv[2] or None
print("ready", flush=True)
sys.stdin.readline()

async def migrate():
    store = await open_store(url, search_path=search_path)
    await store.close()

asyncio.run(migrate())
print("migrated", flush=True)
"""


async def test_processes_migrating_together_build_the_schema_once(database: Database) -> None:
    children = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            _CHILD,
            database.url,
            database.search_path or "",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        for _ in range(PROCESSES)
    ]
    try:
        for child in children:
            assert child.stdout is not None
            assert await asyncio.wait_for(child.stdout.readline(), TIMEOUT) == b"ready\n"
        for child in children:  # go: as close together as two writes can be
            assert child.stdin is not None
            child.stdin.write(b"go\n")
        await asyncio.gather(*(child.stdin.drain() for child in children if child.stdin))
        results = [await asyncio.wait_for(child.communicate(), TIMEOUT) for child in children]
    finally:
        for child in children:
            if child.returncode is None:
                child.kill()
                await child.wait()

    outcomes = zip(children, results, strict=True)
    assert [(c.returncode, err.decode()) for c, (_, err) in outcomes] == [(0, "")] * PROCESSES
    assert all(out == b"migrated\n" for out, _ in results)
    store = await open_store(database.url, upgrade=False, search_path=database.search_path)
    try:
        assert (await status(store.engine)).up_to_date
        assert await diff(store.engine) == []
        async with store.engine.connect() as conn:
            versions = await conn.execute(sa.text("SELECT version_num FROM alembic_version"))
            assert len(versions.all()) == 1
    finally:
        await store.close()
