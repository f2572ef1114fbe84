"""Configuration that cannot work, and output that cannot be written: one line, never a traceback.

Run as whole processes, as a user meets them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import IO

import pytest

SUPPORTBOT = str(Path(sys.executable).parent / "supportbot")


def _run(
    argv: list[str], env: dict[str, str], input: str = "", stdout: int | IO[str] = subprocess.PIPE
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "SUPPORTBOT_"))}
    return subprocess.run(
        [SUPPORTBOT, *argv],
        input=input,
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        env={**clean, **env},
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("sqlite://", "an in-memory SQLite database keeps nothing"),
        ("sqlite:///", "an in-memory SQLite database keeps nothing"),
        ("sqlite:///:memory:", "an in-memory SQLite database keeps nothing"),
        ("sqlite:///desk.db?mode=memory", "an in-memory SQLite database keeps nothing"),
        ("postgresql://", "no database server named"),
        ("postgresql:///", "no database server named"),
        ("postgres://db.internal", "no database named"),
        ("postgresql://db.internal/", "no database named"),
        ("postgresql://db.internal:desk/d", "port 'desk' is not a port number (1-65535)"),
        ("postgresql://db.internal:/d", "port '' is not a port number (1-65535)"),
        ("postgresql://db.internal:65536/d", "port '65536' is not a port number (1-65535)"),
        ("postgresql://db.internal:0/d", "port '0' is not a port number (1-65535)"),
        ("postgresql://db.internal:-5/d", "port '-5' is not a port number (1-65535)"),
        ("postgresql://db.internal:\u0665\u0664\u0663\u0662/d", "is not a port number"),
        ("postgresql://[::1/d", "not a usable PostgreSQL URL"),
        ("sqlite:///var/desk%00.db", "the URL contains a NUL character"),
        ("postgresql://db.internal/desk%00", "the URL contains a NUL character"),
    ],
)
def test_a_database_url_that_cannot_work_is_one_line(url: str, problem: str) -> None:
    done = _run(["customer", "list"], {"DATABASE_URL": url})
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.startswith("supportbot: error: DATABASE_URL: ")
    assert problem in done.stderr and done.stderr.count("\n") == 1


@pytest.mark.parametrize("argv", [["db", "info"], ["db", "upgrade"], ["--version"]])
def test_every_command_refuses_a_memory_database(argv: list[str]) -> None:
    done = _run(argv, {"DATABASE_URL": "sqlite:///:memory:"})
    assert done.returncode == 2
    assert done.stderr.startswith("supportbot: error: DATABASE_URL: an in-memory SQLite")
    assert done.stderr.count("\n") == 1


def test_chat_refuses_a_memory_database() -> None:
    done = _run(["chat", "--plain"], {"DATABASE_URL": "sqlite://"}, input="/quit\n")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("supportbot: error: DATABASE_URL: an in-memory SQLite")


def test_serve_refuses_a_port_that_is_no_number() -> None:
    slack = {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": "s" * 32}
    done = _run(["serve", "--port", "3999"], {"DATABASE_URL": "postgresql://h:x/d", **slack})
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        "supportbot: error: DATABASE_URL: port 'x' is not a port number (1-65535)\n"
    )


def test_a_postgresql_socket_folder_counts_as_a_host() -> None:
    # libpq's `?host=/var/run/postgresql`: a real setup, not refused as "no server".
    done = _run(["customer", "list"], {"DATABASE_URL": "postgresql:///desk?host=/nonexistent"})
    assert done.returncode == 2
    assert done.stderr.startswith("supportbot: error: cannot reach the database:")


@pytest.mark.parametrize(
    "argv",
    [
        ["customer", "list"],
        ["contact", "list"],
        ["calendar", "--year", "2026"],
        ["sla", "due", "--priority", "high", "--opened", "2026-01-05T10:00Z"],
        ["classify", "--inquiry", "--json"],
        ["--version"],
        ["--help"],
    ],
)
@pytest.mark.parametrize("unbuffered", ["1", ""])
def test_output_that_cannot_be_written_is_one_line(
    argv: list[str], unbuffered: str, tmp_path: Path
) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'desk.db'}", "PYTHONUNBUFFERED": unbuffered}
    with open("/dev/full", "w") as full:
        done = _run(argv, env, stdout=full)
    assert done.returncode == 74
    assert done.stderr == "supportbot: error: cannot write the output: No space left on device\n"
