"""SQLModel tables (XBase holds the fields, X(table=True) the keys and indexes)."""

# No `from __future__ import annotations`: SQLModel reads the annotations at class creation.

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from storage.types import UtcDateTime

__all__ = [
    "AvailabilitySampleRow",
    "ChatBindingRow",
    "ContactRow",
    "CustomerRow",
    "HypercareRow",
    "OutboxRow",
    "ProcessedEventRow",
    "ProbedServiceRow",
    "ServiceWindowRevisionRow",
    "ServiceWindowRow",
    "TicketCounterRow",
    "TicketEventRow",
    "TicketRow",
    "TimeEntryRow",
    "metadata",
]

metadata = SQLModel.metadata
# Named constraints keep migrations and autogenerate comparisons stable on every backend.
metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _instant(*, nullable: bool = False, index: bool = False) -> Any:
    return Field(default=None, sa_type=UtcDateTime, nullable=nullable, index=index)


def _json(*, default_factory: Any = dict) -> Any:
    return Field(default_factory=default_factory, sa_type=sa.JSON, nullable=False)


class CustomerBase(SQLModel):
    name: str
    policy_overrides: dict[str, Any] = _json()
    is_provider: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})


class CustomerRow(CustomerBase, table=True):
    __tablename__ = "customers"
    __table_args__ = (
        # At most one row is the service provider's own organisation.
        sa.Index(
            "ix_customers_one_provider",
            "is_provider",
            unique=True,
            sqlite_where=sa.text("is_provider"),
            postgresql_where=sa.text("is_provider"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    # bot.domain.text.name_key of the name: names are unique regardless of case, width and
    # invisible characters ("Acme", "ACME", "Ａｃｍｅ" and "Acme" with a zero-width space are one).
    name_key: str = Field(unique=True)


class ChatBindingBase(SQLModel):
    platform: str
    workspace: str | None = None
    conversation: str | None = None


class ChatBindingRow(ChatBindingBase, table=True):
    """A customer's presence on a chat platform (see bot.domain.models.ChatBinding)."""

    __tablename__ = "chat_bindings"
    __table_args__ = (
        sa.UniqueConstraint("customer_id", "platform", name="uq_chat_bindings_customer_platform"),
        # The bot finds the customer of a message by its conversation, or by its workspace
        # when the customer is bound without a conversation: a shared one would be ambiguous.
        # (Slack channel ids are unique across workspaces: a Slack Connect channel keeps its id.)
        sa.UniqueConstraint("platform", "conversation", name="uq_chat_bindings_conversation"),
        sa.Index(
            "ix_chat_bindings_workspace_only",
            "platform",
            "workspace",
            unique=True,
            sqlite_where=sa.text("conversation IS NULL"),
            postgresql_where=sa.text("conversation IS NULL"),
        ),
        sa.Index("ix_chat_bindings_workspace", "platform", "workspace"),
    )

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customers.id")


class ContactBase(SQLModel):
    platform: str
    user_id: str
    role: str
    display_name: str = ""


class ContactRow(ContactBase, table=True):
    __tablename__ = "contacts"
    __table_args__ = (
        sa.UniqueConstraint("platform", "user_id", name="uq_contacts_identity"),
        # Two contacts of one organisation never share a display name (nor one that only
        # looks the same): who approved or replied must be clear. Nameless ones are exempt.
        sa.Index(
            "ix_contacts_one_name",
            "customer_id",
            "name_key",
            unique=True,
            sqlite_where=sa.text("name_key <> ''"),
            postgresql_where=sa.text("name_key <> ''"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customers.id", index=True)
    # bot.domain.text.name_key of display_name ("" for none).
    name_key: str = Field(default="", sa_column_kwargs={"server_default": ""})


class TicketBase(SQLModel):
    ref: str
    reporter_platform: str
    reporter_user: str
    summary: str
    description: str = Field(sa_type=sa.Text)
    category: str
    affected: str | None = None
    data_loss: bool | None = None
    inquiry: bool
    priority: str
    priority_reason: str = Field(sa_type=sa.Text)
    opened_at: datetime = _instant()
    first_response_due: datetime = _instant()
    first_responded_at: datetime | None = _instant(nullable=True)
    status: str
    consultancy: bool
    approval: str
    approval_by_platform: str | None = None
    approval_by_user: str | None = None
    approval_at: datetime | None = _instant(nullable=True)
    details: dict[str, Any] = _json()
    thread_platform: str | None = None
    thread_conversation: str | None = None
    thread_ts: str | None = None
    source_key: str | None = None
    updated_at: datetime = _instant()
    # The SLA countdown: when the ticket next needs looking at (NULL: its countdown is over)
    # and the milestone keys posted so far. Ticks select by the instant, through its index.
    countdown_at: datetime | None = _instant(nullable=True)
    countdown_done: list[str] = Field(
        default_factory=list,
        sa_type=sa.JSON,
        nullable=False,
        sa_column_kwargs={"server_default": "[]"},
    )
    # Orders the redraws of the ticket's announcement and approval requests (one per edit).
    edit_seq: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class TicketRow(TicketBase, table=True):
    __tablename__ = "tickets"
    __table_args__ = (
        sa.UniqueConstraint("ref", name="uq_tickets_ref"),
        sa.UniqueConstraint("source_key", name="uq_tickets_source_key"),
        # "My open tickets": one customer, some statuses, newest first.
        sa.Index("ix_tickets_customer_status_opened", "customer_id", "status", "opened_at"),
        sa.Index("ix_tickets_status_opened", "status", "opened_at"),
        sa.Index("ix_tickets_reporter", "reporter_platform", "reporter_user"),
        sa.Index("ix_tickets_thread", "thread_platform", "thread_conversation", "thread_ts"),
        sa.Index("ix_tickets_countdown_at", "countdown_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customers.id")


class TicketCounterRow(SQLModel, table=True):
    """The last number handed out per reference prefix; its row lock serialises creations."""

    __tablename__ = "ticket_counters"

    prefix: str = Field(primary_key=True)
    last: int


class TicketEventBase(SQLModel):
    at: datetime = _instant()
    actor: str
    action: str
    before: dict[str, Any] = _json()
    after: dict[str, Any] = _json()


class TicketEventRow(TicketEventBase, table=True):
    __tablename__ = "ticket_events"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id", index=True)


class TimeEntryBase(SQLModel):
    agent_platform: str
    agent_user: str
    minutes: int
    at: datetime = _instant()
    note: str = Field(default="", sa_type=sa.Text)


class TimeEntryRow(TimeEntryBase, table=True):
    __tablename__ = "time_entries"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="tickets.id", index=True)


class OutboxBase(SQLModel):
    platform: str  # the target's platform, so due() can filter in SQL
    target: dict[str, Any] = _json()
    content: dict[str, Any] = _json()
    dedupe_key: str
    attempts: int = 0
    next_attempt_at: datetime = _instant()
    created_at: datetime = _instant()
    sent_at: datetime | None = _instant(nullable=True)
    last_error: str | None = Field(default=None, sa_type=sa.Text)
    result: dict[str, Any] = _json()
    # The bot instance sending it now, until when (see bot/app/outbox.py), and when it was
    # set aside as undeliverable.
    lease_owner: str | None = None
    lease_expires_at: datetime | None = _instant(nullable=True)
    parked_at: datetime | None = _instant(nullable=True)
    # How many times it was claimed for sending: after the first, an earlier attempt may have
    # posted it, so the sender looks it up in the chat first.
    claims: int = 0


class OutboxRow(OutboxBase, table=True):
    __tablename__ = "outbox"
    __table_args__ = (
        sa.UniqueConstraint("dedupe_key", name="uq_outbox_dedupe_key"),
        sa.Index("ix_outbox_pending", "sent_at", "next_attempt_at"),
        sa.Index("ix_outbox_parked_at", "parked_at"),
    )

    id: int | None = Field(default=None, primary_key=True)


class ProcessedEventBase(SQLModel):
    at: datetime = _instant()  # when it was taken on: old claims are pruned by this


class ProcessedEventRow(ProcessedEventBase, table=True):
    """An incoming chat event already taken on (e.g. "slack:T123:Ev456"), by any instance."""

    __tablename__ = "processed_events"
    __table_args__ = (sa.Index("ix_processed_events_at", "at"),)

    key: str = Field(primary_key=True)


class ProbedServiceBase(SQLModel):
    name: str = Field(unique=True)
    url: str
    enabled: bool = True


class ProbedServiceRow(ProbedServiceBase, table=True):
    __tablename__ = "probed_services"

    id: int | None = Field(default=None, primary_key=True)


class AvailabilitySampleBase(SQLModel):
    service: str
    at: datetime = _instant()
    up: bool
    latency_ms: float | None = None
    error: str | None = Field(default=None, sa_type=sa.Text)


class AvailabilitySampleRow(AvailabilitySampleBase, table=True):
    __tablename__ = "availability_samples"
    __table_args__ = (sa.Index("ix_availability_samples_service_at", "service", "at"),)

    id: int | None = Field(default=None, primary_key=True)


class ServiceWindowBase(SQLModel):
    service: str | None = None  # None: every service
    start: datetime = _instant()
    end: datetime = _instant()
    reason: str = Field(sa_type=sa.Text)
    state: str = "planned"
    revision: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    revised_at: datetime | None = _instant(nullable=True)


class ServiceWindowRow(ServiceWindowBase, table=True):
    __tablename__ = "service_windows"
    __table_args__ = (sa.Index("ix_service_windows_start", "start"),)

    id: int | None = Field(default=None, primary_key=True)


class ServiceWindowRevisionBase(SQLModel):
    revision: int
    at: datetime = _instant()
    actor: str
    action: str
    start: datetime = _instant()
    end: datetime = _instant()
    service: str | None = None
    reason: str = Field(sa_type=sa.Text)
    note: str | None = Field(default=None, sa_type=sa.Text)


class ServiceWindowRevisionRow(ServiceWindowRevisionBase, table=True):
    __tablename__ = "service_window_revisions"
    __table_args__ = (sa.UniqueConstraint("window_id", "revision"),)

    id: int | None = Field(default=None, primary_key=True)
    window_id: int = Field(foreign_key="service_windows.id")


class HypercareBase(SQLModel):
    start: date
    weeks: int
    extensions: list[dict[str, Any]] = _json(default_factory=list)
    sign_offs: list[dict[str, Any]] = _json(default_factory=list)
    transitioned_at: datetime | None = _instant(nullable=True)


class HypercareRow(HypercareBase, table=True):
    __tablename__ = "hypercare_periods"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customers.id", index=True)
