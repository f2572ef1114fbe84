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


def test_the_demo_agent_joins_a_provider_registered_before(supportbot):
    assert supportbot("customer", "add", "Vendor ApS", "--provider")[0] == 0
    status, _, err = supportbot("chat", stdin="")
    assert status == 0, err
    assert contacts(supportbot)["agnes"] == "Vendor ApS"
    names = [c["name"] for c in json.loads(supportbot("customer", "list", "--json")[1])]
    assert names == ["Nordlys Retail A/S", "Vendor ApS"]
