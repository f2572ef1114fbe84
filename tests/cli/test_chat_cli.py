"""`supportbot chat` as a user runs it: piped input, a fixed clock, the configured database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli.main import main

MONDAY_9 = "2026-11-30T09:00:00+01:00"
ONE_HOUR = ("--start", "2026-12-01T18:00+01:00", "--end", "2026-12-01T19:00+01:00")


@pytest.fixture
def supportbot(database, monkeypatch, capsys):
    """Run the `supportbot` command on the test database: (status, stdout, stderr)."""
    monkeypatch.setenv("DATABASE_URL", database.env_url)
    monkeypatch.delenv("SUPPORTBOT_POLICY", raising=False)

    def run(*argv: str, stdin: str | None = None, now: str = MONDAY_9) -> tuple[int, str, str]:
        if stdin is None:  # admin commands run in-process: quicker
            try:
                status = main(list(argv))
            except SystemExit as exc:
                status = int(exc.code or 0)
            out, err = capsys.readouterr()
            return status, out, err
        env = {**os.environ, "DATABASE_URL": database.env_url, "SUPPORTBOT_NOW": now}
        done = subprocess.run(
            [str(Path(sys.executable).parent / "supportbot"), *argv],
            input=stdin,
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )
        return done.returncode, done.stdout, done.stderr

    return run


def contacts(supportbot) -> dict[str, str]:
    """Console user -> the organisation it is bound to."""
    status, out, _ = supportbot("contact", "list", "--json")
    assert status == 0
    return {c["user"]: c["customer"] for c in json.loads(out)}


def test_the_demo_agent_works_for_the_service_provider(supportbot):
    status, out, err = supportbot("chat", "--as", "agent", stdin="whoami\n")
    assert status == 0, err
    assert contacts(supportbot) == {
        "carla": "Nordlys Retail A/S",
        "anders": "Nordlys Retail A/S",
        "agnes": "Fjordsoft ApS",
    }
    customers = json.loads(supportbot("customer", "list", "--json")[1])
    assert {c["name"]: c["is_provider"] for c in customers} == {
        "Fjordsoft ApS": True,
        "Nordlys Retail A/S": False,
    }


def customers(supportbot) -> dict[str, bool]:
    """Customer name -> whether it is the provider."""
    status, out, _ = supportbot("customer", "list", "--json")
    assert status == 0
    return {c["name"]: c["is_provider"] for c in json.loads(out)}


def test_the_demo_runs_again_on_its_own_database(supportbot):
    assert supportbot("chat", stdin="")[0] == 0
    status, out, err = supportbot("chat", "--as", "approver", stdin="/whoami\n")
    assert status == 0, err
    assert "You are Anders Holm (approver)" in out
    assert customers(supportbot) == {"Fjordsoft ApS": True, "Nordlys Retail A/S": False}


def test_a_database_with_customers_of_its_own_is_refused_and_left_alone(supportbot):
    assert supportbot("customer", "add", "Vendor ApS", "--provider")[0] == 0
    assert supportbot("customer", "add", "Acme A/S")[0] == 0

    status, out, err = supportbot("chat", stdin="/ticket\n")

    assert (status, out) == (2, "")
    assert err == (
        "supportbot: error: this database has customers of its own (Acme A/S, Vendor ApS): "
        "run `supportbot chat --as-user ID` as one of its contacts (see `supportbot contact "
        "list`), or add --demo to chat with the demo customer beside them\n"
    )
    assert customers(supportbot) == {"Acme A/S": False, "Vendor ApS": True}
    assert contacts(supportbot) == {}


def test_the_demo_beside_real_customers_never_joins_their_provider(supportbot):
    assert supportbot("customer", "add", "Vendor ApS", "--provider")[0] == 0

    status, out, err = supportbot("chat", "--demo", stdin="/as agent\n")

    assert status == 0, err
    assert "Switch roles with /as customer|approver|end-user." in out
    assert "Switch to one of: customer, approver, end-user" in out
    assert contacts(supportbot) == {"carla": "Nordlys Retail A/S", "anders": "Nordlys Retail A/S"}
    assert customers(supportbot) == {"Nordlys Retail A/S": False, "Vendor ApS": True}
    status, out, err = supportbot("chat", "--demo", "--as", "agent", stdin="")
    assert (status, out) == (2, "")
    assert err == (
        "supportbot: error: --as agent: the demo has no agent in this database (console "
        "contacts never join a real provider); choose one of customer, approver, end-user\n"
    )
    assert supportbot("chat", stdin="")[0] == 2  # Vendor ApS is still its own


def test_a_registered_contact_chats_as_themselves(supportbot):
    assert (
        supportbot(
            "customer", "add", "Acme A/S", "--slack-team", "T01ACME", "--slack-channel", "C01SUP"
        )[0]
        == 0
    )
    added = supportbot(
        *("contact", "add", "--customer", "Acme A/S", "--slack-user", "U01ANNA"),
        *("--role", "customer", "--name", "Anna Berg"),
    )
    assert added[0] == 0

    for who in ("slack:U01ANNA", "U01ANNA"):
        status, out, err = supportbot(
            "chat", "--as-user", who, stdin="/whoami\nmy open tickets\n/as agent\n"
        )
        assert status == 0, err
        assert "you are Anna Berg, customer at Acme A/S" in out
        assert "You are Anna Berg (customer)" in out
        assert "You have no open tickets." in out
        assert "Switch to one of: customer" in out
    assert customers(supportbot) == {"Acme A/S": False}  # nothing seeded
    assert contacts(supportbot) == {"U01ANNA": "Acme A/S"}


@pytest.mark.parametrize(
    ("argv", "problem"),
    [
        (
            ("--as-user", "slack:U0NOBODY"),
            "no contact 'slack:U0NOBODY' is registered (see `supportbot contact list`)",
        ),
        (("--as-user", "console:"), "--as-user needs a contact's identity, e.g. slack:U0123ABCD"),
        (("--as-user", "carla", "--demo"), "--demo chats as the demo's personas, not as --as-user"),
        (("--as-user", "carla", "--as", "agent"), "not allowed with argument"),
    ],
)
def test_who_to_chat_as_is_checked_first(supportbot, argv, problem):
    status, out, err = supportbot("chat", *argv, stdin="")
    assert (status, out) == (2, "")
    assert problem in err and err.count("\n") == 1
    assert customers(supportbot) == {}


def test_a_window_added_by_cli_is_what_the_bot_announces(supportbot, monkeypatch):
    monkeypatch.setenv("SUPPORTBOT_NOW", MONDAY_9)
    status, out, err = supportbot(
        "window",
        "add",
        "--start",
        "2026-12-01T17:00:00Z",
        "--end",
        "2026-12-01T19:00:00Z",
        "--reason",
        "Database upgrade",
        "--service",
        "Sync",
    )
    assert status == 0, err
    assert out == (
        "service window 1 added: 2026-12-01 18:00 to 2026-12-01 20:00 (Europe/Copenhagen), "
        "Sync: Database upgrade (0 customer(s) told, 0 post(s) queued)\n"
    )
    past = ("--start", "2026-11-20T08:00:00+01:00", "--end", "2026-11-20T09:00:00+01:00")
    status, out, err = supportbot("window", "add", *past, "--reason", "Patch")
    assert (status, out) == (2, "")
    assert err == "supportbot: error: that window is entirely in the past\n"
    status, out, err = supportbot("chat", stdin="any service windows planned?\n")
    assert status == 0, err
    assert "Planned service windows" in out
    assert "(Sync): Database upgrade" in out and "Patch" not in out
    assert "No extraordinary service windows" not in out


def test_no_windows_recorded_means_none_planned(supportbot):
    status, out, err = supportbot("chat", stdin="any service windows planned?\n")
    assert status == 0, err
    assert "No extraordinary service windows are planned." in out


def test_window_list_shows_current_and_upcoming_in_order(supportbot, monkeypatch):
    for start, end, reason in (
        ("2026-12-03T08:00:00+01:00", "2026-12-03T09:00:00+01:00", "later"),
        ("2026-11-20T08:00:00+01:00", "2026-11-20T09:00:00+01:00", "past"),
        ("2026-12-01T11:00:00+01:00", "2026-12-01T13:00:00+01:00", "ongoing"),
    ):
        # Each added while it was still ahead (a window entirely in the past is refused).
        monkeypatch.setenv("SUPPORTBOT_NOW", "2026-11-19T12:00:00+01:00")
        assert (
            supportbot("window", "add", "--start", start, "--end", end, "--reason", reason)[0] == 0
        )
    monkeypatch.setenv("SUPPORTBOT_NOW", "2026-12-01T12:00:00+01:00")
    status, out, _ = supportbot(
        "window",
        "add",
        *("--start", "2026-12-01T11:30:00+01:00", "--end", "2026-12-01T12:30:00+01:00"),
        *("--reason", "now"),
    )
    assert status == 0
    assert out.endswith(
        "all services: now (under way now) (0 customer(s) told, 0 post(s) queued)\n"
    )
    listed = json.loads(supportbot("window", "list", "--json")[1])
    assert [w["reason"] for w in listed] == ["ongoing", "now", "later"]
    assert listed[0]["start"] == "2026-12-01T11:00:00+01:00" and listed[0]["service"] is None
    every = json.loads(supportbot("window", "list", "--all", "--json")[1])
    assert [w["reason"] for w in every] == ["past", "ongoing", "now", "later"]
    status, out, _ = supportbot("window", "list")
    assert status == 0 and out.splitlines()[1].split()[:3] == ["3", "2026-12-01", "11:00"]


@pytest.mark.parametrize(
    "argv", [("window", "list"), ("window", "add", *ONE_HOUR, "--reason", "x")]
)
def test_a_bad_fixed_clock_is_one_line_and_writes_nothing(supportbot, monkeypatch, argv):
    monkeypatch.setenv("SUPPORTBOT_NOW", "2026-12-01T12:00:00")  # no offset

    status, out, err = supportbot(*argv)

    assert (status, out) == (2, "")
    assert err == (
        "supportbot: error: SUPPORTBOT_NOW: 2026-12-01T12:00:00 must be timezone-aware, "
        "got naive 2026-12-01T12:00:00\n"
    )
    monkeypatch.delenv("SUPPORTBOT_NOW")
    assert json.loads(supportbot("window", "list", "--all", "--json")[1]) == []


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("--start", "2026-12-01T18:00", "--end", "2026-12-01T17:00+01:00"), "must end after"),
        (("--start", "tomorrow", "--end", "2026-12-01T20:00+01:00"), "--start 'tomorrow' is not"),
        (
            ("--start", "2026-12-01T18:00+01:00", "--end", "2026-12-01T17:00Z"),
            "the window must end after it starts",
        ),
        (
            (
                "--start",
                "2026-12-01T18:00+01:00",
                "--end",
                "2026-12-01T20:00+01:00",
                "--reason",
                " ",
            ),
            "--reason: say why",
        ),
        (
            (
                "--start",
                "2026-12-01T18:00+01:00",
                "--end",
                "2026-12-01T20:00+01:00",
                "--reason",
                "x" * 501,
            ),
            "--reason: the reason is 501 characters long; at most 500",
        ),
        (
            (
                "--start",
                "2026-12-01T18:00+01:00",
                "--end",
                "2026-12-01T20:00+01:00",
                "--service",
                "",
            ),
            "--service: the service name is empty",
        ),
    ],
)
def test_bad_window_input_is_one_line_and_adds_nothing(supportbot, argv, message):
    if "--reason" not in argv:
        argv = (*argv, "--reason", "Upgrade")
    status, out, err = supportbot("window", "add", *argv)
    assert status == 2 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1
    assert json.loads(supportbot("window", "list", "--all", "--json")[1]) == []


def test_a_window_added_in_the_chat_is_announced_there_and_listed(supportbot):
    lines = "window add 2026-12-01 20:00-23:00 reason Database upgrade\n/as customer\n"
    lines += "any service windows planned?\n"
    status, out, err = supportbot("chat", "--as", "agent", stdin=lines)
    assert status == 0, err
    assert "Service window 1 added" in out and "1 customer told (1 post queued)." in out
    notice = out[out.index("Service window planned") :]
    assert "Start:   Tue 01 Dec 2026 20:00 (Copenhagen time)" in notice
    assert "Planned service windows" in notice and ": Database upgrade" in notice
