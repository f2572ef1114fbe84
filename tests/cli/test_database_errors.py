"""`supportbot chat` and `serve` on a database they cannot use: one line, exit status 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli.main import main

COMMANDS = [["chat", "--plain"], ["serve", "--port", "3999"]]


@pytest.fixture(autouse=True)
def slack_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Valid Slack settings, so `serve` gets as far as the database."""
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "8f742231b10e8888abcd99yyyzzz85a5")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    for name in ("SLACK_APP_TOKEN", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "SUPPORTBOT_NOW"):
        monkeypatch.delenv(name, raising=False)


def fails(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1, err  # one line, no traceback
    return err


@pytest.mark.parametrize("argv", COMMANDS)
def test_an_unsupported_database_url(
    argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "mysql://u@h/d")
    err = fails(argv, capsys)
    assert err.startswith("supportbot: error: DATABASE_URL: unsupported database 'mysql'")


@pytest.mark.parametrize("argv", COMMANDS)
def test_an_unreachable_database(
    argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:1/desk")
    err = fails(argv, capsys)
    assert err.startswith("supportbot: error: cannot reach the database:")


@pytest.mark.parametrize("argv", COMMANDS)
def test_a_database_that_cannot_be_opened(
    argv: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}")  # a directory, not a file
    err = fails(argv, capsys)
    assert err == "supportbot: error: database error: unable to open database file\n"
