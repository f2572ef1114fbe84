"""Builders for storage tests."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from adapters.slack.settings import PLATFORM as SLACK
from bot.domain.models import ApprovalState, Identity, NewTicket
from bot.domain.policy import Affected, PriorityKey

CPH = ZoneInfo("Europe/Copenhagen")
OPENED = datetime(2026, 11, 27, 10, 30, tzinfo=CPH)
REPORTER = Identity(SLACK, "U0REPORTER")


def new_ticket(customer_id: int, **overrides: Any) -> NewTicket:
    """A medium-priority incident as intake would hand it to storage."""
    values: dict[str, Any] = {
        "customer_id": customer_id,
        "reporter": REPORTER,
        "summary": "Sync stopped",
        "description": "Users from Entra no longer appear since this morning.",
        "category": "synchronization",
        "affected": Affected.SOME,
        "data_loss": False,
        "inquiry": False,
        "priority": PriorityKey.MEDIUM,
        "priority_reason": "Some users affected, no data loss",
        "opened_at": OPENED,
        "first_response_due": OPENED + timedelta(hours=8),
        "consultancy": False,
        "approval": ApprovalState.NOT_REQUIRED,
    }
    values.update(overrides)
    return NewTicket(**values)


async def downgrade(engine: Any, revision: str) -> None:
    """Migrate `engine`'s database down to `revision` (the product itself only upgrades)."""
    from alembic import command

    from storage.migrate import alembic_config

    def run(connection: Any) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, revision)

    async with engine.begin() as conn:
        await conn.run_sync(run)
