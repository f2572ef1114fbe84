"""Hypercare has one record: hypercare_periods. customers.go_live/hypercare_weeks move into it.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28

A customer with a go-live date gets a period starting on it, lasting its agreed weeks. One
without agreed weeks (the admin CLI never allowed that) gets the agreement's minimum in the
packaged policy, and the migration log says so.
"""

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_log = logging.getLogger("alembic.runtime.migration")

_customers = sa.table(
    "customers",
    sa.column("id", sa.Integer()),
    sa.column("name", sa.String()),
    sa.column("go_live", sa.Date()),
    sa.column("hypercare_weeks", sa.Integer()),
)
_periods = sa.table(
    "hypercare_periods",
    sa.column("id", sa.Integer()),
    sa.column("customer_id", sa.Integer()),
    sa.column("start", sa.Date()),
    sa.column("weeks", sa.Integer()),
    sa.column("extensions", sa.JSON()),
    sa.column("sign_offs", sa.JSON()),
)


def upgrade() -> None:
    """Move go-live and weeks into hypercare_periods, then drop the customer columns."""
    from bot.domain.policy import default_policy

    bind = op.get_bind()
    c = _customers.c
    rows = bind.execute(
        sa.select(c.id, c.name, c.go_live, c.hypercare_weeks)
        .where(c.go_live.is_not(None))
        .order_by(c.id)
    ).all()
    for customer_id, name, go_live, weeks in rows:
        if weeks is None:
            weeks = default_policy().hypercare_minimum_weeks
            _log.warning(
                "customer %r (id %s): no agreed hypercare weeks; the agreement's minimum %s "
                "recorded",
                name,
                customer_id,
                weeks,
            )
        bind.execute(
            _periods.insert().values(
                customer_id=customer_id, start=go_live, weeks=weeks, extensions=[], sign_offs=[]
            )
        )
    # SQLite (3.35+) drops columns in place; batch mode would copy the table, which the
    # foreign keys from contacts and tickets refuse.
    op.execute("ALTER TABLE customers DROP COLUMN go_live")
    op.execute("ALTER TABLE customers DROP COLUMN hypercare_weeks")


def downgrade() -> None:
    """Back to customers.go_live/hypercare_weeks, from each customer's latest period."""
    op.add_column("customers", sa.Column("go_live", sa.Date(), nullable=True))
    op.add_column("customers", sa.Column("hypercare_weeks", sa.Integer(), nullable=True))
    bind = op.get_bind()
    p = _periods.c
    rows = bind.execute(
        sa.select(p.customer_id, p.start, p.weeks, p.extensions, p.sign_offs).order_by(
            p.start, p.id
        )
    ).all()
    latest = {customer_id: (start, weeks) for customer_id, start, weeks, _, _ in rows}
    for customer_id, (start, weeks) in latest.items():
        bind.execute(
            _customers.update()
            .where(_customers.c.id == customer_id)
            .values(go_live=start, hypercare_weeks=weeks)
        )
    for customer_id, _, _, extensions, sign_offs in rows:
        if extensions or sign_offs:
            _log.warning(
                "customer id %s: hypercare extensions and sign-offs have no column before "
                "0006; dropped",
                customer_id,
            )
    op.execute("DELETE FROM hypercare_periods")
