"""`supportbot outbox parked|retry`: an operator sees the posts that could not be delivered,
and puts them back in line once the cause is fixed."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest

from bot.cli.main import main
from bot.domain.models import TicketThread
from storage import open_store
from tests.storage.factories import OPENED

OWNER = "host:1"
NOW = "2026-12-01T10:00:00+01:00"


@pytest.fixture
def cli(database, monkeypatch, capsys):
    """Run `supportbot ...` against the test database; returns (status, stdout, stderr)."""
    monkeypatch.setenv("DATABASE_URL", database.env_url)
    monkeypatch.setenv("SUPPORTBOT_NOW", NOW)
    monkeypatch.delenv("SUPPORTBOT_POLICY", raising=False)

    def run(*argv: str) -> tuple[int, str, str]:
        try:
            status = main(list(argv))
        except SystemExit as exc:
            status = int(exc.code or 0)
        out, err = capsys.readouterr()
        return status, out, err

    return run


def _queue(*keys: str, park: tuple[str, ...] = ()) -> dict[str, int]:
    """Queue posts on the CLI's database, parking some as the drain would; key -> id."""

    async def go() -> dict[str, int]:
        store = await open_store()
        try:
            async with store.unit() as uow:
                for key in keys:
                    await uow.outbox.enqueue(
                        target=TicketThread(platform="slack", customer_id=1, ref="SUP-1001"),
                        content={"text": key},
                        dedupe_key=key,
                        at=OPENED,
                    )
            ids = {}
            async with store.unit() as uow:
                for message in await uow.outbox.due(now=OPENED):
                    ids[message.dedupe_key] = message.id
                    if message.dedupe_key in park:
                        until = OPENED + timedelta(minutes=5)
                        await uow.outbox.claim(
                            message_id=message.id, owner=OWNER, now=OPENED, until=until
                        )
                        await uow.outbox.park(
                            message_id=message.id,
                            owner=OWNER,
                            error="UndeliverableError: Slack refused it: not_in_channel",
                            at=OPENED,
                        )
            return ids
        finally:
            await store.close()

    return asyncio.run(go())


def _due() -> list[str]:
    async def go() -> list[str]:
        store = await open_store()
        try:
            async with store.unit() as uow:
                return [m.dedupe_key for m in await uow.outbox.due(now=OPENED + timedelta(days=30))]
        finally:
            await store.close()

    return asyncio.run(go())


def test_parked_posts_are_listed_with_their_last_error(cli):
    ids = _queue("a", "b", "c", park=("a", "c"))

    status, out, _ = cli("outbox", "parked", "--json")

    assert status == 0
    assert json.loads(out) == [
        {
            "id": ids[key],
            "parked_at": "2026-11-27T10:30:00+01:00",
            "chat": "slack",
            "kind": "ticket_thread",
            "ticket": "SUP-1001",
            "attempts": 1,
            "error": "UndeliverableError: Slack refused it: not_in_channel",
        }
        for key in ("a", "c")
    ]
    status, out, _ = cli("outbox", "parked")
    header, first, second = out.splitlines()
    assert header.split() == ["ID", "PARKED", "CHAT", "KIND", "TICKET", "ATTEMPTS", "ERROR"]
    assert first.split()[:7] == [str(ids["a"]), "2026-11-27", "10:30", "slack"] + [
        "ticket_thread",
        "SUP-1001",
        "1",
    ]


def test_nothing_parked_says_so(cli):
    _queue("a")
    assert cli("outbox", "parked") == (0, "(none)\n", "")


def test_retry_puts_named_posts_back_in_line(cli):
    ids = _queue("a", "b", "c", park=("a", "c"))

    assert cli("outbox", "retry", str(ids["c"])) == (0, "1 parked post back in line\n", "")

    assert sorted(_due()) == ["b", "c"]
    assert [p["id"] for p in json.loads(cli("outbox", "parked", "--json")[1])] == [ids["a"]]
    assert cli("outbox", "retry", "--all") == (0, "1 parked post back in line\n", "")
    assert sorted(_due()) == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("argv", "problem"),
    [
        ((), "name the parked posts to retry (IDs from `outbox parked`), or --all"),
        (("--all", "1"), "name the parked posts to retry (IDs from `outbox parked`), or --all"),
        (("{b}",), "no parked post {b} (see `supportbot outbox parked`)"),
        (("{a}", "9999"), "no parked post 9999 (see `supportbot outbox parked`)"),
    ],
)
def test_retry_refuses_what_is_not_parked_and_changes_nothing(cli, argv, problem):
    ids = _queue("a", "b", park=("a",))
    argv = tuple(arg.format(**ids) for arg in argv)

    status, out, err = cli("outbox", "retry", *argv)

    assert (status, out) == (2, "")
    assert err == f"supportbot: error: {problem.format(**ids)}\n"
    assert _due() == ["b"]


def test_retry_takes_only_numbers(cli):
    status, _, err = cli("outbox", "retry", "SUP-1001")
    assert status == 2 and "invalid post id 'SUP-1001'" in err
