"""The SLA countdown: tickets.countdown_at (indexed), countdown_done and edit_seq.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28

countdown_at is when a ticket next needs the SLA tick's attention, so a tick selects the due
tickets through an index instead of scanning every open one. Open tickets without a first
response get their opening instant: the first tick works out where each one stands and posts
only its newest crossed milestone (the catch-up), never the whole history.

edit_seq orders the redraws of a ticket's announcement. Edits queued before this revision were
numbered by the count of the ticket's audit events, so each ticket starts from that count and
every later edit is numbered above every earlier one.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OPEN = ("open", "acknowledged", "in_progress", "waiting_on_customer")


def upgrade() -> None:
    """Add the columns and the index; start every unanswered open ticket's countdown."""
    # Plain ADD COLUMN: SQLite's batch mode would copy the table, which the foreign keys from
    # ticket_events and time_entries refuse.
    op.add_column("tickets", sa.Column("countdown_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "tickets", sa.Column("countdown_done", sa.JSON(), nullable=False, server_default="[]")
    )
    op.add_column(
        "tickets", sa.Column("edit_seq", sa.Integer(), nullable=False, server_default="0")
    )
    op.create_index("ix_tickets_countdown_at", "tickets", ["countdown_at"])
    tickets = sa.table(
        "tickets",
        sa.column("id", sa.Integer()),
        sa.column("status", sa.String()),
        sa.column("opened_at", sa.DateTime(timezone=True)),
        sa.column("first_responded_at", sa.DateTime(timezone=True)),
        sa.column("countdown_at", sa.DateTime(timezone=True)),
        sa.column("edit_seq", sa.Integer()),
    )
    events = sa.table("ticket_events", sa.column("ticket_id", sa.Integer()))
    op.execute(
        tickets.update()
        .where(tickets.c.first_responded_at.is_(None), tickets.c.status.in_(_OPEN))
        .values(countdown_at=tickets.c.opened_at)
    )
    count = sa.select(sa.func.count()).where(events.c.ticket_id == tickets.c.id).scalar_subquery()
    op.execute(tickets.update().values(edit_seq=count))


def downgrade() -> None:
    """Drop the index and the columns (what was posted is still in the outbox)."""
    op.drop_index("ix_tickets_countdown_at", table_name="tickets")
    for column in ("edit_seq", "countdown_done", "countdown_at"):
        op.execute(f"ALTER TABLE tickets DROP COLUMN {column}")
