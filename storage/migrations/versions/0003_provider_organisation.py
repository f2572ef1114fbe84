"""The service provider's own organisation: customers.is_provider, at most one row.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27

Deployments that followed the earlier README registered the provider as a plain customer
holding only agents. If exactly one customer has agents, no other contacts and no tickets,
it is marked as the provider, so `contact add --role agent` keeps working for it.
"""

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_log = logging.getLogger("alembic.runtime.migration")
_AGENTS_ONLY = sa.text(
    "SELECT c.id, c.name FROM customers c "
    "WHERE EXISTS (SELECT 1 FROM contacts k WHERE k.customer_id = c.id AND k.role = 'agent') "
    "AND NOT EXISTS (SELECT 1 FROM contacts k WHERE k.customer_id = c.id AND k.role <> 'agent') "
    "AND NOT EXISTS (SELECT 1 FROM tickets t WHERE t.customer_id = c.id)"
)


def upgrade() -> None:
    """Add the flag, its at-most-one index, and adopt an agents-only organisation."""
    # A plain ADD COLUMN: SQLite's batch mode would copy the table, which its foreign keys
    # from contacts and tickets refuse.
    op.add_column(
        "customers",
        sa.Column("is_provider", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.create_index(
        "ix_customers_one_provider",
        "customers",
        ["is_provider"],
        unique=True,
        sqlite_where=sa.text("is_provider"),
        postgresql_where=sa.text("is_provider"),
    )
    bind = op.get_bind()
    candidates = bind.execute(_AGENTS_ONLY).all()
    if len(candidates) == 1:
        provider_id, name = candidates[0]
        _log.info("customer %r holds only agents: marked as the service provider", name)
        bind.execute(
            sa.text("UPDATE customers SET is_provider = :yes WHERE id = :id"),
            {"yes": True, "id": provider_id},
        )


def downgrade() -> None:
    """Drop the flag."""
    op.drop_index("ix_customers_one_provider", table_name="customers")
    # SQLite (3.35+) drops a column in place; batch mode would copy the table (see upgrade).
    op.execute("ALTER TABLE customers DROP COLUMN is_provider")
