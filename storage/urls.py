"""DATABASE_URL as users write it -> a SQLAlchemy URL with an async driver."""

from __future__ import annotations

import os
from urllib.parse import parse_qs, parse_qsl, unquote, urlencode, urlsplit

__all__ = ["UnsupportedDatabase", "async_url", "is_sqlite", "pg_server_settings", "sqlite_path"]

# The async drivers supportbot ships with; any other driver named in a URL is swapped for these.
_DRIVER = {"sqlite": "aiosqlite", "postgresql": "asyncpg"}
_SCHEMES = {"sqlite": "sqlite", "postgres": "postgresql", "postgresql": "postgresql"}


class UnsupportedDatabase(ValueError):
    """The URL names a database or driver supportbot cannot use."""


def async_url(url: str) -> str:
    """Map `sqlite:///x.db`, `postgres://...`, `postgresql+psycopg2://...` to our async drivers.

    A URL that cannot work is refused here, before any driver sees it: a SQLite database that
    would keep nothing (in memory), a PostgreSQL URL without host, database or a usable port.
    """
    url = url.strip()
    if "\0" in unquote(url):
        raise UnsupportedDatabase("the URL contains a NUL character")
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
        _require_sqlite_file(rest)
        rest = _expand_sqlite_path(rest)
    else:
        _require_server_and_database(rest)
        rest = _asyncpg_query(rest)
    return f"{backend}+{_DRIVER[backend]}://{rest}"


def _require_sqlite_file(rest: str) -> None:
    path, _, query = rest.partition("?")
    memory = "memory" in parse_qs(query).get("mode", [])
    if not path.startswith("/") or path[1:] in ("", ":memory:") or memory:
        raise UnsupportedDatabase(
            "an in-memory SQLite database keeps nothing: name a file, e.g. sqlite:///desk.db"
        )


def _require_server_and_database(rest: str) -> None:
    example = "e.g. postgresql://user@host:5432/desk"
    try:
        parts = urlsplit("//" + rest)
        parts.hostname  # noqa: B018 - raises ValueError on a malformed IPv6 address
    except ValueError as exc:
        raise UnsupportedDatabase(f"not a usable PostgreSQL URL ({exc}): {example}") from None
    port = _port_text(parts.netloc)
    if port is not None and not (port.isascii() and port.isdigit() and 0 < int(port) < 65536):
        raise UnsupportedDatabase(f"port {port!r} is not a port number (1-65535)")
    query = parse_qs(parts.query)
    # libpq also takes the host (a socket folder, say) and the database as query parameters.
    if not (parts.hostname or query.get("host")):
        raise UnsupportedDatabase(f"no database server named: {example}")
    if not (parts.path.strip("/") or query.get("dbname")):
        raise UnsupportedDatabase(f"no database named: {example}")


def _port_text(netloc: str) -> str | None:
    """The port as written after `host:` (IPv6 hosts in brackets), or None without a colon."""
    host = netloc.rpartition("@")[2]
    if host.startswith("["):
        host = host.partition("]")[2]
    return host.rpartition(":")[2] if ":" in host else None


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
    base, _, query = url.partition("?")
    settings: dict[str, str] = {}
    kept = []
    for key, value in parse_qsl(query):
        if key != "options":
            kept.append((key, value))
            continue
        words = value.replace("-c ", "-c").split()
        for word in words:
            if not word.startswith("-c") or "=" not in word:
                raise UnsupportedDatabase(f"unsupported options in DATABASE_URL: {value!r}")
            name, _, setting = word[2:].partition("=")
            settings[name] = setting
    return (f"{base}?{urlencode(kept)}" if kept else base), settings


def _expand_sqlite_path(rest: str) -> str:
    # "sqlite:///~/x.db" is what users type; SQLite itself would not expand the tilde.
    if rest.startswith("/~"):
        return "/" + os.path.expanduser(rest[1:])
    return rest


def _asyncpg_query(rest: str) -> str:
    # Hosting platforms append libpq's sslmode, which asyncpg spells `ssl`.
    base, _, query = rest.partition("?")
    if not query:
        return rest
    pairs = [("ssl", v) if k == "sslmode" else (k, v) for k, v in parse_qsl(query)]
    return f"{base}?{urlencode(pairs)}"
