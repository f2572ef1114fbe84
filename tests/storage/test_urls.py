"""DATABASE_URL as users write it, and how `supportbot --version` describes it."""

from __future__ import annotations

import os

import pytest

from bot.config import database_url, describe_database, redact_url
from storage.urls import UnsupportedDatabase, async_url, pg_server_settings


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("sqlite:///data/desk.db", "sqlite+aiosqlite:///data/desk.db"),
        ("sqlite:////var/lib/desk.db", "sqlite+aiosqlite:////var/lib/desk.db"),
        ("sqlite+aiosqlite:///desk.db", "sqlite+aiosqlite:///desk.db"),
        ("sqlite+pysqlite:///desk.db", "sqlite+aiosqlite:///desk.db"),
        ("postgresql://bot@db.internal/desk", "postgresql+asyncpg://bot@db.internal/desk"),
        ("postgres://u:p@host:5433/d", "postgresql+asyncpg://u:p@host:5433/d"),
        ("postgresql+psycopg2://u@h/d", "postgresql+asyncpg://u@h/d"),
        ("postgresql+asyncpg://u@h/d", "postgresql+asyncpg://u@h/d"),
        ("postgresql+psycopg://u@h/d", "postgresql+asyncpg://u@h/d"),
        ("postgres://u:p@h/d?sslmode=require", "postgresql+asyncpg://u:p@h/d?ssl=require"),
    ],
)
def test_urls_map_to_async_drivers(written, expected):
    assert async_url(written) == expected


def test_a_tilde_in_a_sqlite_path_means_home():
    assert (
        async_url("sqlite:///~/desk.db") == f"sqlite+aiosqlite:///{os.path.expanduser('~')}/desk.db"
    )


@pytest.mark.parametrize("written", ["mysql://u@h/d", "desk.db", "oracle+cx://x"])
def test_unsupported_urls_are_refused_clearly(written):
    with pytest.raises(UnsupportedDatabase, match="sqlite:///"):
        async_url(written)


def test_default_is_a_sqlite_file_in_the_user_data_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert database_url() == f"sqlite:///{tmp_path}/supportbot/supportbot.db"
    assert describe_database() == f"database: SQLite {tmp_path}/supportbot/supportbot.db (default)"


def test_describe_never_prints_the_password(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://bot:s3cret@db.internal:5433/desk")
    line = describe_database()
    assert line == "database: PostgreSQL bot@db.internal:5433/desk (DATABASE_URL)"
    assert "s3cret" not in redact_url(os.environ["DATABASE_URL"])


def test_libpq_options_become_server_settings():
    url, settings = pg_server_settings(
        "postgresql+asyncpg://u@h/d?ssl=require&options=-csearch_path%3Ddesk%20-c%20statement_timeout%3D5000"
    )
    assert url == "postgresql+asyncpg://u@h/d?ssl=require"
    assert settings == {"search_path": "desk", "statement_timeout": "5000"}


def test_a_socket_folder_url_keeps_its_empty_host():
    # libpq's host as a query parameter: the URL must keep `///`, or SQLAlchemy cannot parse it.
    written = "postgresql:///desk?host=/var/run/postgresql&sslmode=disable&options=-cx%3D1"
    url, settings = pg_server_settings(async_url(written))
    assert url == "postgresql+asyncpg:///desk?host=%2Fvar%2Frun%2Fpostgresql&ssl=disable"
    assert settings == {"x": "1"}
