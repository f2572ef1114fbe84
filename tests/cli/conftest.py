"""The admin CLI run in-process against the test database."""

from __future__ import annotations

import asyncio

import pytest

from bot.cli.main import main
from storage import open_store


@pytest.fixture
def cli(database, monkeypatch, capsys):
    """Run `supportbot ...` against the test database; returns (status, stdout, stderr)."""
    monkeypatch.setenv("DATABASE_URL", database.env_url)
    monkeypatch.delenv("SUPPORTBOT_POLICY", raising=False)

    def run(*argv: str) -> tuple[int, str, str]:
        try:
            status = main(list(argv))
        except SystemExit as exc:  # argparse's own errors exit from inside parse_args
            status = int(exc.code or 0)
        out, err = capsys.readouterr()
        return status, out, err

    return run


def rows_of(store_call):
    """Run one coroutine function against the CLI's database and return its result."""

    async def go():
        store = await open_store()
        try:
            async with store.unit() as uow:
                return await store_call(uow)
        finally:
            await store.close()

    return asyncio.run(go())
