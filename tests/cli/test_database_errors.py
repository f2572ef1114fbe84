"""`supportbot chat` and `serve` on a database they cannot use: one line, exit status 2."""

from __future__ import annotations

import os

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


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="needs PostgreSQL")
@pytest.mark.parametrize("argv", COMMANDS)
def test_a_database_the_server_refuses(
    argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    server = os.environ["TEST_DATABASE_URL"].rsplit("/", 1)[0]
    monkeypatch.setenv("DATABASE_URL", f"{server}/no_such_database_here")
    err = fails(argv, capsys)
    assert err == (
        'supportbot: error: database error: database "no_such_database_here" does not exist\n'
    )


@pytest.mark.parametrize(
    "argv",
    [
        *COMMANDS,
        ["customer", "list"],
        ["sla", "due", "--priority", "high", "--opened", "2026-01-05T10:00Z"],
    ],
)
def test_a_broken_policy_file_is_named_the_same_way_everywhere(
    argv: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path,
) -> None:
    broken = tmp_path / "policy.toml"
    broken.write_text("[agreement\n", encoding="utf-8")
    monkeypatch.setenv("SUPPORTBOT_POLICY", str(broken))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    err = fails(argv, capsys)
    assert err.startswith(f"supportbot: error: policy {broken}: (syntax): ")


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="needs PostgreSQL")
@pytest.mark.parametrize(
    "argv", [*COMMANDS, ["customer", "list"], ["db", "info"], ["db", "upgrade"]]
)
def test_a_search_path_naming_no_schema(
    argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = os.environ["TEST_DATABASE_URL"]
    monkeypatch.setenv("DATABASE_URL", f"{url}?options=-csearch_path%3Dno_such_schema_here")
    err = fails(argv, capsys)
    assert err == (
        "supportbot: error: DATABASE_URL: no schema in search_path 'no_such_schema_here' exists "
        "in this database (create it with CREATE SCHEMA, or fix the search_path)\n"
    )
