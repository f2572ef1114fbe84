"""Names that only look different are one: customers' name keys NFKC-normalised with invisible
characters dropped, and contacts' display names unique per organisation the same way.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28

customers.name_key is recomputed (it was only case-folded), and contacts get a name_key with a
unique index per customer (nameless contacts are exempt). Rows that already clash under the
new key are kept as they are: a customer keeps its old key with "#<id>" appended, a contact
keeps no key; the migration log names them so an admin can rename one.

The normalisation is copied here rather than imported: a migration must keep doing what it
did when it shipped.
"""

import logging
import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_log = logging.getLogger("alembic.runtime.migration")

_customers = sa.table(
    "customers",
    sa.column("id", sa.Integer()),
    sa.column("name", sa.String()),
    sa.column("name_key", sa.String()),
)
_contacts = sa.table(
    "contacts",
    sa.column("id", sa.Integer()),
    sa.column("customer_id", sa.Integer()),
    sa.column("display_name", sa.String()),
    sa.column("name_key", sa.String()),
)


def _key(name: str) -> str:
    """bot.domain.text.name_key as of this revision."""
    normal = unicodedata.normalize("NFKC", name)
    visible = "".join(
        ch for ch in normal if unicodedata.category(ch) not in ("Cc", "Cf") or ch.isspace()
    )
    return " ".join(visible.split()).casefold()


def _old_key(name: str) -> str:
    """customers.name_key before this revision."""
    return " ".join(name.split()).casefold()


def _set_customer_key(customer_id: int, key: str) -> None:
    op.get_bind().execute(
        _customers.update().where(_customers.c.id == customer_id).values(name_key=key)
    )


def upgrade() -> None:
    """Recompute customers' keys, add and fill contacts' keys, then index them."""
    bind = op.get_bind()
    c = _customers.c
    rows = bind.execute(sa.select(c.id, c.name).order_by(c.id)).all()
    # Two passes: a key freed by one row may be the new key of another (meanwhile each holds
    # a key no name can have).
    for customer_id, _ in rows:
        _set_customer_key(customer_id, f"\x01{customer_id}")
    taken: dict[str, str] = {}
    for customer_id, name in rows:
        key = _key(name)
        if key in taken:
            _log.warning(
                "customer %r (id %s) looks the same as %r; kept apart, rename one of them",
                name,
                customer_id,
                taken[key],
            )
            key = f"{_old_key(name)}#{customer_id}"
        taken[key] = name
        _set_customer_key(customer_id, key)

    op.add_column("contacts", sa.Column("name_key", sa.String(), nullable=False, server_default=""))
    k = _contacts.c
    seen: dict[tuple[int, str], str] = {}
    contacts = bind.execute(sa.select(k.id, k.customer_id, k.display_name).order_by(k.id)).all()
    for contact_id, customer_id, display_name in contacts:
        key = _key(display_name or "")
        if not key:
            continue
        if (customer_id, key) in seen:
            _log.warning(
                "contact %r (id %s) looks the same as %r of the same customer; rename one",
                display_name,
                contact_id,
                seen[customer_id, key],
            )
            continue
        seen[customer_id, key] = display_name
        bind.execute(_contacts.update().where(k.id == contact_id).values(name_key=key))
    op.create_index(
        "ix_contacts_one_name",
        "contacts",
        ["customer_id", "name_key"],
        unique=True,
        sqlite_where=sa.text("name_key <> ''"),
        postgresql_where=sa.text("name_key <> ''"),
    )


def downgrade() -> None:
    """Back to case-folded customer keys and contacts without keys."""
    op.drop_index("ix_contacts_one_name", table_name="contacts")
    # SQLite (3.35+) drops columns in place; batch mode would copy the table, which the
    # foreign keys from tickets refuse.
    op.execute("ALTER TABLE contacts DROP COLUMN name_key")
    bind = op.get_bind()
    c = _customers.c
    rows = bind.execute(sa.select(c.id, c.name).order_by(c.id)).all()
    for customer_id, _ in rows:
        _set_customer_key(customer_id, f"\x01{customer_id}")
    for customer_id, name in rows:
        _set_customer_key(customer_id, _old_key(name))
