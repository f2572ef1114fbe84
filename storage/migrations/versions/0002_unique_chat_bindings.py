"""A Slack channel, a Teams tenant and a Teams channel belong to one customer at most.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27

Before this revision two customers could be registered on one channel or tenant; lookups then
always answered with the lower id, so the later registrations never took effect. They are
cleared (and logged) here so the unique indexes can be built.
"""

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_log = logging.getLogger("alembic.runtime.migration")
_COLUMNS = ("slack_channel", "teams_tenant", "teams_channel")


def _clear_duplicates(column: str) -> None:
    """Keep `column` on the lowest id (the customer lookups found); clear it on the rest."""
    bind = op.get_bind()
    shadowed = sa.text(
        f"SELECT c.id, c.name, c.{column} FROM customers c WHERE c.{column} IS NOT NULL "
        f"AND EXISTS (SELECT 1 FROM customers o WHERE o.{column} = c.{column} AND o.id < c.id)"
    )
    for customer_id, name, value in bind.execute(shadowed).all():
        _log.warning(
            "customer %r (id %s): %s %s was shadowed; cleared", name, customer_id, column, value
        )
        bind.execute(
            sa.text(f"UPDATE customers SET {column} = NULL WHERE id = :id"), {"id": customer_id}
        )


def upgrade() -> None:
    """Make the chat bindings unique."""
    for column in _COLUMNS:
        _clear_duplicates(column)
    op.drop_index("ix_customers_slack_channel", table_name="customers")
    op.drop_index("ix_customers_teams_tenant", table_name="customers")
    for column in _COLUMNS:
        op.create_index(f"ix_customers_{column}", "customers", [column], unique=True)


def downgrade() -> None:
    """Back to plain indexes."""
    for column in _COLUMNS:
        op.drop_index(f"ix_customers_{column}", table_name="customers")
    op.create_index("ix_customers_slack_channel", "customers", ["slack_channel"], unique=False)
    op.create_index("ix_customers_teams_tenant", "customers", ["teams_tenant"], unique=False)
