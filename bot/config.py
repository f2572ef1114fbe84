"""Settings from the environment; light to import, because every CLI command starts here."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

__all__ = ["database_url", "default_database_path", "describe_database", "redact_url"]

APP_NAME = "supportbot"


def default_database_path() -> Path:
    """The per-user SQLite file used when DATABASE_URL is not set."""
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False) / f"{APP_NAME}.db"


def database_url() -> str:
    """DATABASE_URL as the user wrote it, or the default per-user SQLite file."""
    url = os.environ.get("DATABASE_URL", "").strip()
    return url or f"sqlite:///{default_database_path()}"


def redact_url(url: str) -> str:
    """The URL with its password replaced, safe to print or log."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


def describe_database() -> str:
    """One line naming the database in use and where the setting came from.

    Raises storage.urls.UnsupportedDatabase for a URL that cannot work.
    """
    from storage.urls import async_url

    source = "DATABASE_URL" if os.environ.get("DATABASE_URL", "").strip() else "default"
    url = database_url()
    async_url(url)
    scheme = url.split(":", 1)[0].split("+", 1)[0].lower()
    if scheme == "sqlite":
        return f"database: SQLite {url.split(':///', 1)[1]} ({source})"
    if scheme in ("postgres", "postgresql"):
        parts = urlsplit(url)
        where = f"{parts.hostname or 'localhost'}:{parts.port or 5432}{parts.path}"
        user = f"{parts.username}@" if parts.username else ""
        return f"database: PostgreSQL {user}{where} ({source})"
    return f"database: {redact_url(url)} ({source})"
