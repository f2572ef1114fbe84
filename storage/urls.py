"""DATABASE_URL as users write it -> a SQLAlchemy URL with an async driver."""

from __future__ import annotations

import os
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

__all__ = ["UnsupportedDatabase", "async_url", "is_sqlite", "pg_server_settings", "sqlite_path"]

# The async drivers supportbot ships with; any other driver named in a URL is swapped for these.
_DRIVER = {"sqlite": "aiosqlite", "postgresql": "asyncpg"}
_SCHEMES = {"sqlite": "sqlite", "postgres": "postgresql", "postgresql": "postgresql"}


class UnsupportedDatabase(ValueError):
    """The URL names a database or driver supportbot cannot use."""


def async_url(url: str) -> str:
    """Map `sqlite:///x.db`, `postgres://...`, `postgresql+psycopg2://...` to our async drivers."""
    url = url.strip()
    if "://" not in url:
        raise UnsupportedDatabase(
            f"not a database URL: {url!r} (expected e.g. sqlite:///path.db or postgresql://...)"
        )
    scheme, rest = url.split("://", 1)
    backend_name = scheme.lower().partition("+")[0]
    backend = _SCHEMES.get(backend_name)
    if backend is None:
        raise UnsupportedDatabase(
            f"unsupported database {backend_name!r}: use sqlite:///path.db or postgresql://..."
        )
    if backend == "sqlite":
        rest = _expand_sqlite_path(rest)
    else:
        rest = _asyncpg_query(rest)
    return f"{backend}+{_DRIVER[backend]}://{rest}"


def is_sqlite(url: str) -> bool:
    """Whether a (user or async) URL points at SQLite."""
    return url.strip().lower().startswith("sqlite")


def sqlite_path(url: str) -> str | None:
    """The file of a SQLite URL, or None for an in-memory database."""
    rest = url.split("://", 1)[1] if "://" in url else ""
    path = rest[1:].split("?", 1)[0] if rest.startswith("/") else ""
    return path if path and path != ":memory:" else None


def pg_server_settings(url: str) -> tuple[str, dict[str, str]]:
    """Split libpq's `options=-c key=value ...` off a URL into asyncpg server settings."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query)
    settings: dict[str, str] = {}
    kept = []
    for key, value in query:
        if key != "options":
            kept.append((key, value))
            continue
        words = value.replace("-c ", "-c").split()
        for word in words:
            if not word.startswith("-c") or "=" not in word:
                raise UnsupportedDatabase(f"unsupported options in DATABASE_URL: {value!r}")
            name, _, setting = word[2:].partition("=")
            settings[name] = setting
    return urlunsplit(parts._replace(query=urlencode(kept))), settings


def _expand_sqlite_path(rest: str) -> str:
    # "sqlite:///~/x.db" is what users type; SQLite itself would not expand the tilde.
    if rest.startswith("/~"):
        return "/" + os.path.expanduser(rest[1:])
    return rest


def _asyncpg_query(rest: str) -> str:
    # Hosting platforms append libpq's sslmode, which asyncpg spells `ssl`.
    parts = urlsplit("//" + rest)
    if not parts.query:
        return rest
    query = [("ssl", v) if k == "sslmode" else (k, v) for k, v in parse_qsl(parts.query)]
    return urlunsplit(("", parts.netloc, parts.path, urlencode(query), ""))[2:]
