"""Alembic environment: run by storage.migrate on a connection it passes in."""

from __future__ import annotations

from alembic import context

from storage.migrate import include_object, schema


def run_migrations_online() -> None:
    """Run migrations on the connection storage.migrate handed over."""
    connection = context.config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=schema(),
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("supportbot runs migrations online only: use `supportbot db upgrade`")
run_migrations_online()
