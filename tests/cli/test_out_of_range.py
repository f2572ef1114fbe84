"""Dates the calendar cannot work with are refused at the command line, and rows stored before
they were checked are listed as such, never as a traceback."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from storage import open_store
from storage.tables import ServiceWindowRow

START = "2026-12-01T10:00+01:00"


@pytest.mark.parametrize(
    ("start", "end", "problem"),
    [
        (START, "9999-12-31T23:59:59-05:00", "--end 9999-12-31T23:59:59-05:00 is outside"),
        (START, "9999-12-31T23:00Z", "--end 9999-12-31T23:00:00+00:00 is outside"),
        ("1969-12-31T10:00Z", "1970-01-01T10:00Z", "--start 1969-12-31T10:00:00+00:00 is outside"),
        (START, "2026-12-08T10:00:01+01:00", "a service window lasts at most 7 days"),
    ],
)
def test_a_window_the_calendar_cannot_hold_is_refused_and_not_written(
    cli, start: str, end: str, problem: str
) -> None:
    status, out, err = cli("window", "add", "--start", start, "--end", end, "--reason", "x")

    assert (status, out) == (2, "")
    assert err.startswith("supportbot: error: ") and problem in err and err.count("\n") == 1
    assert cli("window", "list", "--all") == (0, "(none)\n", "")


def test_a_window_of_the_longest_length_is_accepted(cli) -> None:
    status, out, _ = cli(
        "window", "add", "--start", START, "--end", "2026-12-08T10:00+01:00", "--reason", "Move"
    )
    assert status == 0 and "2026-12-01 10:00 to 2026-12-08 10:00" in out


def test_a_fixed_clock_out_of_range_is_refused(cli, monkeypatch) -> None:
    monkeypatch.setenv("SUPPORTBOT_NOW", "9999-12-31T12:00Z")
    status, out, err = cli("window", "list")
    assert (status, out) == (2, "")
    assert err == (
        "supportbot: error: SUPPORTBOT_NOW: instant 9999-12-31T12:00:00+00:00 is outside the "
        "supported years 1971-2100\n"
    )


def test_a_stored_window_out_of_range_is_listed_as_such(cli) -> None:
    cli("window", "add", "--start", START, "--end", "2026-12-01T12:00+01:00", "--reason", "Ok")

    async def insert() -> None:  # a row written before dates were checked
        far = datetime(9999, 12, 31, 23, 30, tzinfo=UTC)
        start = datetime(2026, 12, 2, tzinfo=UTC)
        store = await open_store()
        try:
            async with store.engine.begin() as conn:
                await conn.execute(
                    sa.insert(ServiceWindowRow).values(start=start, end=far, reason="Forever")
                )
        finally:
            await store.close()

    asyncio.run(insert())

    status, out, err = cli("window", "list")
    assert (status, err) == (0, "")
    assert "2026-12-02 01:00  (out of range)" in out and "Forever" in out and "Ok" in out
    status, out, _ = cli("window", "list", "--json")
    listed = {w["reason"]: w for w in json.loads(out)}
    assert listed["Forever"]["end"] is None
    assert listed["Ok"]["end"] == "2026-12-01T12:00:00+01:00"
