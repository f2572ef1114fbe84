"""Outbox claims: how many times a message was claimed for sending, so the sender of a message
an earlier attempt may have posted (a lease that ran out, a failure) looks it up in the chat
before posting it again.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add claims: a message already attempted, or leased now, counts as claimed once."""
    op.add_column("outbox", sa.Column("claims", sa.Integer(), nullable=False, server_default="0"))
    # Rows from before: an attempt or a live lease means it may have been posted.
    op.execute("UPDATE outbox SET claims = 1 WHERE attempts > 0 OR lease_owner IS NOT NULL")


def downgrade() -> None:
    """Drop claims."""
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("claims")
