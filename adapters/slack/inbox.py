"""Each Slack event handled once: claimed by "slack:<team>:<event_id>" (adapters/web/inbox.py).

Slack redelivers an event (same event_id, X-Slack-Retry-Num) when it thinks we missed it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from adapters.web.inbox import Inbox
from bot.app.ports import Clock, Store

__all__ = ["EventInbox", "event_key"]


def event_key(body: Mapping[str, Any], team: str | None = None) -> str | None:
    """The claim key of an Events API callback, "slack:<team>:<event_id>" (ids are per team)."""
    event_id = body.get("event_id") if body.get("type") == "event_callback" else None
    if not event_id:
        return None
    return f"slack:{body.get('team_id') or team or '-'}:{event_id}"


class EventInbox(Inbox):
    """Claims Slack events in the store; old claims are pruned now and then."""

    def __init__(self, store: Store, clock: Clock) -> None:
        super().__init__(store, clock, logger=logging.getLogger(__name__))

    async def once(
        self,
        body: Mapping[str, Any],
        team: str | None,
        work: Callable[[], Awaitable[None]],
    ) -> None:
        """Run `work` unless this event was claimed before (here or by another instance)."""
        await self.claimed(event_key(body, team), work)
