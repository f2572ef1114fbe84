"""`supportbot window add|change|cancel|list`: the operator's way to the same use cases."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from adapters.slack.settings import PLATFORM as SLACK
from bot.domain.models import ChatBinding
from tests.cli.conftest import rows_of


@pytest.fixture
def desk(cli, monkeypatch):
    """A database with one customer bound to Slack and the provider; the clock at Monday 9."""
    monkeypatch.setenv("SUPPORTBOT_NOW", "2026-11-30T09:00+01:00")

    async def seed(uow):
        await uow.customers.add(name="Globex ApS", bindings=[ChatBinding(SLACK, None, "C0G")])
        await uow.customers.add(name="Vendor ApS", is_provider=True)

    rows_of(seed)
    return cli


def keys():
    async def load(uow):
        return await uow.outbox.due(now=datetime(2100, 1, 1, tzinfo=UTC), limit=100)

    return [m.dedupe_key for m in rows_of(load)]


def test_add_change_cancel_and_list(desk):
    status, out, err = desk(
        "window", "add", "--start", "2026-12-01 20:00", "--end", "2026-12-01T23:00+01:00",
        "--reason", "Database upgrade", "--service", "Sync",
    )  # fmt: skip
    assert (status, err) == (0, "")
    assert out == (
        "service window 1 added: 2026-12-01 20:00 to 2026-12-01 23:00 (Europe/Copenhagen), "
        "Sync: Database upgrade (1 customer(s) told, 1 post(s) queued)\n"
    )
    status, out, _ = desk("window", "change", "1", "--end", "2026-12-02 01:00", "--all-services")
    assert status == 0 and "2026-12-01 20:00 to 2026-12-02 01:00" in out and "all services" in out
    status, out, _ = desk("window", "list", "--json")
    (listed,) = json.loads(out)
    assert listed["end"] == "2026-12-02T01:00:00+01:00" and listed["service"] is None
    assert (listed["revision"], listed["state"]) == (2, "planned")
    status, out, _ = desk("window", "cancel", "1", "--reason", "postponed")
    assert status == 0 and out.startswith("service window 1 cancelled")
    status, out, _ = desk("window", "list")
    assert "cancelled" in out
    assert keys() == [
        "window:1:r1:announced:1:slack",
        "window:1:r2:changed:1:slack",
        "window:1:r3:cancelled:1:slack",
    ]


@pytest.mark.parametrize(
    ("argv", "error"),
    [
        (
            ["add", "--start", "2026-12-01 20:00", "--end", "2026-12-01 19:00", "--reason", "x"],
            "the window must end after it starts",
        ),
        (
            ["add", "--start", "2026-12-01 20:00", "--end", "2026-12-09 20:00", "--reason", "x"],
            "a service window lasts at most 7 days",
        ),
        (
            ["add", "--start", "2026-11-01 20:00", "--end", "2026-11-01 21:00", "--reason", "x"],
            "that window is entirely in the past",
        ),
        (
            ["add", "--start", "soon", "--end", "2026-12-01 21:00", "--reason", "x"],
            "--start 'soon' is not a time",
        ),
        (
            ["add", "--start", "2027-03-28 02:30", "--end", "2027-03-28 04:00", "--reason", "x"],
            "does not exist in Europe/Copenhagen time",
        ),
        (
            ["add", "--start", "2026-12-01 20:00", "--end", "2026-12-01 21:00", "--reason", " "],
            "say why",
        ),
        (["change", "1"], "nothing to change"),
        (["change", "9", "--reason", "x"], "there is no service window 9"),
        (["cancel", "9"], "there is no service window 9"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(desk, argv, error):
    status, out, err = desk("window", *argv)
    assert status == 2 and out == ""
    assert error in err and err.count("\n") == 1
    assert keys() == []
