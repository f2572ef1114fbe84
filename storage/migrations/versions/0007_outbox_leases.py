"""Outbox leases and parking: a message being sent belongs to one bot instance until it is
marked sent or failed (or its lease expires), and an undeliverable one is set aside.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add lease_owner, lease_expires_at and parked_at (all empty: nothing is leased or parked)."""
    op.add_column("outbox", sa.Column("lease_owner", sa.String(), nullable=True))
    op.add_column(
        "outbox", sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column("outbox", sa.Column("parked_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_outbox_parked_at", "outbox", ["parked_at"], unique=False)


def downgrade() -> None:
    """Drop the lease and parking columns."""
    op.drop_index("ix_outbox_parked_at", table_name="outbox")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("parked_at")
        batch.drop_column("lease_expires_at")
        batch.drop_column("lease_owner")
