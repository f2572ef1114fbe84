"""The jobs run in the use cases' world (tests/app/conftest.py)."""

from tests.app.conftest import any_store, sql_world, world

__all__ = ["any_store", "sql_world", "world"]
