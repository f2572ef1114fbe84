"""Chat platforms become data: a customer's Slack and Teams fields become chat bindings.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28

customers.slack_team/slack_channel become a "slack" row of chat_bindings (workspace, conversation),
customers.teams_tenant/teams_channel a "teams" row. The serialized Teams conversation reference
(customers.teams_conversation) moves to the Teams adapter's own table, keyed by the
conversation it points to: the Teams channel, else the conversation id inside the reference
(which then becomes the binding's conversation, so announcements still go to Teams).

Columns that held a platform under the name "channel" are renamed "platform", and so is the
"channel" key of stored outbox targets.

Bindings that could not be told apart (a workspace bound without a conversation by two
customers, which never identified either of them) are kept on the lowest id only, and logged.
"""

import json
import logging
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_log = logging.getLogger("alembic.runtime.migration")

_OLD_COLUMNS = (
    "slack_team",
    "slack_channel",
    "teams_tenant",
    "teams_channel",
    "teams_conversation",
)
_OLD_UNIQUE = ("slack_channel", "teams_tenant", "teams_channel")
# (table, old name, new name): columns holding a platform name.
_RENAMES = (
    ("contacts", "channel", "platform"),
    ("tickets", "reporter_channel", "reporter_platform"),
    ("tickets", "approval_by_channel", "approval_by_platform"),
    ("tickets", "thread_channel", "thread_platform"),
    ("time_entries", "agent_channel", "agent_platform"),
    ("outbox", "channel", "platform"),
)

_bindings = sa.table(
    "chat_bindings",
    sa.column("id", sa.Integer()),
    sa.column("customer_id", sa.Integer()),
    sa.column("platform", sa.String()),
    sa.column("workspace", sa.String()),
    sa.column("conversation", sa.String()),
)
_refs = sa.table(
    "teams_conversation_refs",
    sa.column("conversation_id", sa.String()),
    sa.column("reference", sa.Text()),
)


def _conversation_of(reference: str) -> str | None:
    """The conversation id inside a serialized conversation reference, if it has one."""
    try:
        data: Any = json.loads(reference)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    inner = data.get("conversation")
    found = inner.get("id") if isinstance(inner, dict) else data.get("id")
    return found if isinstance(found, str) and found else None


def _create_tables() -> None:
    op.create_table(
        "chat_bindings",
        sa.Column("platform", sa.String(), nullable=False),
        sa.Column("workspace", sa.String(), nullable=True),
        sa.Column("conversation", sa.String(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name="fk_chat_bindings_customer_id_customers"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_chat_bindings"),
        sa.UniqueConstraint("customer_id", "platform", name="uq_chat_bindings_customer_platform"),
        sa.UniqueConstraint("platform", "conversation", name="uq_chat_bindings_conversation"),
    )
    op.create_index(
        "ix_chat_bindings_workspace_only",
        "chat_bindings",
        ["platform", "workspace"],
        unique=True,
        sqlite_where=sa.text("conversation IS NULL"),
        postgresql_where=sa.text("conversation IS NULL"),
    )
    op.create_index("ix_chat_bindings_workspace", "chat_bindings", ["platform", "workspace"])
    op.create_table(
        "teams_conversation_refs",
        sa.Column("conversation_id", sa.String(), nullable=False),
        sa.Column("reference", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("conversation_id", name="pk_teams_conversation_refs"),
    )


def _move_customer_fields() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT id, name, slack_team, slack_channel, teams_tenant, teams_channel, "
            "teams_conversation FROM customers ORDER BY id"
        )
    ).all()
    workspaces_only: set[tuple[str, str]] = set()
    conversations: set[tuple[str, str]] = set()
    kept: set[str] = set()  # conversations whose reference is kept
    for customer_id, name, team, channel, tenant, teams_channel, reference in rows:
        conversation = teams_channel
        if reference:
            key = teams_channel or _conversation_of(reference)
            if key is None:
                _log.warning(
                    "customer %r (id %s): Teams conversation reference names no conversation; "
                    "not kept: %s",
                    name,
                    customer_id,
                    reference,
                )
            else:
                conversation = key
                if key not in kept:
                    kept.add(key)
                    bind.execute(_refs.insert().values(conversation_id=key, reference=reference))
        for platform, workspace, convo in (
            ("slack", team, channel),
            ("teams", tenant, conversation),
        ):
            if workspace is None and convo is None:
                continue
            if convo is None and (platform, workspace) in workspaces_only:
                _log.warning(
                    "customer %r (id %s): %s workspace %s is bound to an earlier customer "
                    "already; not kept",
                    name,
                    customer_id,
                    platform,
                    workspace,
                )
                continue
            if convo is not None and (platform, convo) in conversations:
                _log.warning(
                    "customer %r (id %s): %s conversation %s is bound to an earlier customer "
                    "already; not kept",
                    name,
                    customer_id,
                    platform,
                    convo,
                )
                continue
            if convo is None:
                workspaces_only.add((platform, workspace))
            else:
                conversations.add((platform, convo))
            bind.execute(
                _bindings.insert().values(
                    customer_id=customer_id,
                    platform=platform,
                    workspace=workspace,
                    conversation=convo,
                )
            )


def _rename_target_key(old: str, new: str) -> None:
    """Rename a key of every stored outbox target."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"UPDATE outbox SET target = ((target::jsonb - '{old}') || "
            f"jsonb_build_object('{new}', target::jsonb -> '{old}'))::json "
            f"WHERE (target::jsonb -> '{old}') IS NOT NULL"
        )
    else:
        op.execute(
            f"UPDATE outbox SET target = json_remove(json_set(target, '$.{new}', "
            f"json_extract(target, '$.{old}')), '$.{old}') "
            f"WHERE json_type(target, '$.{old}') IS NOT NULL"
        )


def upgrade() -> None:
    """Create chat_bindings and teams_conversation_refs, move the data, drop the old columns."""
    _create_tables()
    _move_customer_fields()
    for column in _OLD_UNIQUE:
        op.drop_index(f"ix_customers_{column}", table_name="customers")
    # SQLite (3.35+) drops and renames columns in place; batch mode would copy the table,
    # which the foreign keys from contacts and tickets refuse.
    for column in _OLD_COLUMNS:
        op.execute(f"ALTER TABLE customers DROP COLUMN {column}")
    for table, old, new in _RENAMES:
        op.execute(f"ALTER TABLE {table} RENAME COLUMN {old} TO {new}")
    _rename_target_key("channel", "platform")


def _restore_customer_fields() -> None:
    bind = op.get_bind()
    select_refs = sa.text("SELECT conversation_id, reference FROM teams_conversation_refs")
    references = {key: reference for key, reference in bind.execute(select_refs).all()}
    rows = bind.execute(
        sa.text(
            "SELECT b.customer_id, c.name, b.platform, b.workspace, b.conversation "
            "FROM chat_bindings b JOIN customers c ON c.id = b.customer_id ORDER BY b.id"
        )
    ).all()
    for customer_id, name, platform, workspace, conversation in rows:
        if platform == "slack":
            values = {"slack_team": workspace, "slack_channel": conversation}
        elif platform == "teams":
            values = {
                "teams_tenant": workspace,
                "teams_channel": conversation,
                "teams_conversation": references.get(conversation),
            }
        else:
            _log.warning(
                "customer %r (id %s): %s binding has no column before 0005; dropped",
                name,
                customer_id,
                platform,
            )
            continue
        assignments = ", ".join(f"{k} = :{k}" for k in values)
        bind.execute(
            sa.text(f"UPDATE customers SET {assignments} WHERE id = :id"),
            {**values, "id": customer_id},
        )


def downgrade() -> None:
    """Back to the Slack and Teams columns on customers."""
    _rename_target_key("platform", "channel")
    for table, old, new in _RENAMES:
        op.execute(f"ALTER TABLE {table} RENAME COLUMN {new} TO {old}")
    for column in _OLD_COLUMNS:
        kind = sa.Text() if column == "teams_conversation" else sa.String()
        op.add_column("customers", sa.Column(column, kind, nullable=True))
    _restore_customer_fields()
    for column in _OLD_UNIQUE:
        op.create_index(f"ix_customers_{column}", "customers", [column], unique=True)
    op.drop_table("teams_conversation_refs")
    op.drop_index("ix_chat_bindings_workspace", table_name="chat_bindings")
    op.drop_index("ix_chat_bindings_workspace_only", table_name="chat_bindings")
    op.drop_table("chat_bindings")
