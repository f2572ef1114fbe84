"""Incoming chat events already taken on: a redelivered event is handled once by any instance.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create processed_events (its key is the primary key; `at` is indexed for pruning)."""
    op.create_table(
        "processed_events",
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_processed_events")),
    )
    op.create_index("ix_processed_events_at", "processed_events", ["at"], unique=False)


def downgrade() -> None:
    """Drop processed_events."""
    op.drop_index("ix_processed_events_at", table_name="processed_events")
    op.drop_table("processed_events")
