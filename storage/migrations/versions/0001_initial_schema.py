"""Initial schema: customers, contacts, tickets and their audit trail, outbox, availability.

Revision ID: 0001
Revises:
Create Date: 2026-11-27

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "availability_samples",
        sa.Column("service", sa.String(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("up", sa.Boolean(), nullable=False),
        sa.Column("latency_ms", sa.Float(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_availability_samples")),
    )
    op.create_index(
        "ix_availability_samples_service_at",
        "availability_samples",
        ["service", "at"],
        unique=False,
    )
    op.create_table(
        "customers",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("slack_team", sa.String(), nullable=True),
        sa.Column("slack_channel", sa.String(), nullable=True),
        sa.Column("teams_tenant", sa.String(), nullable=True),
        sa.Column("teams_channel", sa.String(), nullable=True),
        sa.Column("teams_conversation", sa.Text(), nullable=True),
        sa.Column("go_live", sa.Date(), nullable=True),
        sa.Column("hypercare_weeks", sa.Integer(), nullable=True),
        sa.Column("policy_overrides", sa.JSON(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name_key", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
        sa.UniqueConstraint("name_key", name=op.f("uq_customers_name_key")),
    )
    op.create_index(
        op.f("ix_customers_slack_channel"), "customers", ["slack_channel"], unique=False
    )
    op.create_index(op.f("ix_customers_teams_tenant"), "customers", ["teams_tenant"], unique=False)
    op.create_table(
        "outbox",
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("target", sa.JSON(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("dedupe_key", sa.String(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("dedupe_key", name="uq_outbox_dedupe_key"),
    )
    op.create_index("ix_outbox_pending", "outbox", ["sent_at", "next_attempt_at"], unique=False)
    op.create_table(
        "probed_services",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("url", sa.String(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_probed_services")),
        sa.UniqueConstraint("name", name=op.f("uq_probed_services_name")),
    )
    op.create_table(
        "service_windows",
        sa.Column("service", sa.String(), nullable=True),
        sa.Column("start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_windows")),
    )
    op.create_index("ix_service_windows_start", "service_windows", ["start"], unique=False)
    op.create_table(
        "ticket_counters",
        sa.Column("prefix", sa.String(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("prefix", name=op.f("pk_ticket_counters")),
    )
    op.create_table(
        "contacts",
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("user_id", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("display_name", sa.String(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_contacts_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contacts")),
        sa.UniqueConstraint("channel", "user_id", name="uq_contacts_identity"),
    )
    op.create_index(op.f("ix_contacts_customer_id"), "contacts", ["customer_id"], unique=False)
    op.create_table(
        "hypercare_periods",
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("weeks", sa.Integer(), nullable=False),
        sa.Column("extensions", sa.JSON(), nullable=False),
        sa.Column("sign_offs", sa.JSON(), nullable=False),
        sa.Column("transitioned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_hypercare_periods_customer_id_customers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hypercare_periods")),
    )
    op.create_index(
        op.f("ix_hypercare_periods_customer_id"), "hypercare_periods", ["customer_id"], unique=False
    )
    op.create_table(
        "tickets",
        sa.Column("ref", sa.String(), nullable=False),
        sa.Column("reporter_channel", sa.String(), nullable=False),
        sa.Column("reporter_user", sa.String(), nullable=False),
        sa.Column("summary", sa.String(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("category", sa.String(), nullable=False),
        sa.Column("affected", sa.String(), nullable=True),
        sa.Column("data_loss", sa.Boolean(), nullable=True),
        sa.Column("inquiry", sa.Boolean(), nullable=False),
        sa.Column("priority", sa.String(), nullable=False),
        sa.Column("priority_reason", sa.Text(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_response_due", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("consultancy", sa.Boolean(), nullable=False),
        sa.Column("approval", sa.String(), nullable=False),
        sa.Column("approval_by_channel", sa.String(), nullable=True),
        sa.Column("approval_by_user", sa.String(), nullable=True),
        sa.Column("approval_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("thread_channel", sa.String(), nullable=True),
        sa.Column("thread_conversation", sa.String(), nullable=True),
        sa.Column("thread_ts", sa.String(), nullable=True),
        sa.Column("source_key", sa.String(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_tickets_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets")),
        sa.UniqueConstraint("ref", name="uq_tickets_ref"),
        sa.UniqueConstraint("source_key", name="uq_tickets_source_key"),
    )
    op.create_index(
        "ix_tickets_customer_status_opened",
        "tickets",
        ["customer_id", "status", "opened_at"],
        unique=False,
    )
    op.create_index(
        "ix_tickets_reporter", "tickets", ["reporter_channel", "reporter_user"], unique=False
    )
    op.create_index("ix_tickets_status_opened", "tickets", ["status", "opened_at"], unique=False)
    op.create_index(
        "ix_tickets_thread",
        "tickets",
        ["thread_channel", "thread_conversation", "thread_ts"],
        unique=False,
    )
    op.create_table(
        "ticket_events",
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.Column("after", sa.JSON(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_events_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_events")),
    )
    op.create_index(
        op.f("ix_ticket_events_ticket_id"), "ticket_events", ["ticket_id"], unique=False
    )
    op.create_table(
        "time_entries",
        sa.Column("agent_channel", sa.String(), nullable=False),
        sa.Column("agent_user", sa.String(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_time_entries_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_time_entries")),
    )
    op.create_index(op.f("ix_time_entries_ticket_id"), "time_entries", ["ticket_id"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index(op.f("ix_time_entries_ticket_id"), table_name="time_entries")
    op.drop_table("time_entries")
    op.drop_index(op.f("ix_ticket_events_ticket_id"), table_name="ticket_events")
    op.drop_table("ticket_events")
    op.drop_index("ix_tickets_thread", table_name="tickets")
    op.drop_index("ix_tickets_status_opened", table_name="tickets")
    op.drop_index("ix_tickets_reporter", table_name="tickets")
    op.drop_index("ix_tickets_customer_status_opened", table_name="tickets")
    op.drop_table("tickets")
    op.drop_index(op.f("ix_hypercare_periods_customer_id"), table_name="hypercare_periods")
    op.drop_table("hypercare_periods")
    op.drop_index(op.f("ix_contacts_customer_id"), table_name="contacts")
    op.drop_table("contacts")
    op.drop_table("ticket_counters")
    op.drop_index("ix_service_windows_start", table_name="service_windows")
    op.drop_table("service_windows")
    op.drop_table("probed_services")
    op.drop_index("ix_outbox_pending", table_name="outbox")
    op.drop_table("outbox")
    op.drop_index(op.f("ix_customers_teams_tenant"), table_name="customers")
    op.drop_index(op.f("ix_customers_slack_channel"), table_name="customers")
    op.drop_table("customers")
    op.drop_index("ix_availability_samples_service_at", table_name="availability_samples")
    op.drop_table("availability_samples")
