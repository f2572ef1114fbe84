"""Service windows on the clock: a revision number and instant per window, and the record of
every revision (added, changed, cancelled) in service_window_revisions.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28

Windows recorded before have revision 1 and no revision instant: the clock owes them the
notices of the phases still ahead (no announcement was ever posted for them).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add service_windows.revision/revised_at and the service_window_revisions table."""
    op.add_column(
        "service_windows",
        sa.Column("revision", sa.Integer(), server_default="1", nullable=False),
    )
    op.add_column(
        "service_windows", sa.Column("revised_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.create_table(
        "service_window_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("window_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("service", sa.String(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["window_id"],
            ["service_windows.id"],
            name="fk_service_window_revisions_window_id_service_windows",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_service_window_revisions"),
        sa.UniqueConstraint(
            "window_id", "revision", name="uq_service_window_revisions_window_id_revision"
        ),
    )


def downgrade() -> None:
    """Drop the revision record and columns; every window keeps its latest times."""
    op.drop_table("service_window_revisions")
    with op.batch_alter_table("service_windows") as batch:
        batch.drop_column("revised_at")
        batch.drop_column("revision")
