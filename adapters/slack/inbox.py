"""Each Slack event handled once, across restarts and every instance sharing the database.

Slack redelivers an event (same event_id, X-Slack-Retry-Num) when it thinks we missed it; with
several instances behind a load balancer, or a restart in between, the redelivery may reach a
process that never saw the first. So the event is claimed in the database before it is
handled, and given back if handling fails, so that Slack's next retry runs it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from bot.app.ports import Clock, Store

__all__ = ["EventInbox", "event_key"]

log = logging.getLogger(__name__)

KEEP = timedelta(days=1)  # Slack retries within minutes; a day leaves room for long outages
PRUNE_EVERY = timedelta(hours=1)


def event_key(body: Mapping[str, Any], team: str | None = None) -> str | None:
    """The claim key of an Events API callback, "slack:<team>:<event_id>" (ids are per team)."""
    event_id = body.get("event_id") if body.get("type") == "event_callback" else None
    if not event_id:
        return None
    return f"slack:{body.get('team_id') or team or '-'}:{event_id}"


class EventInbox:
    """Claims Slack events in the store; old claims are pruned now and then."""

    def __init__(
        self, store: Store, clock: Clock, *, keep: timedelta = KEEP, every: timedelta = PRUNE_EVERY
    ) -> None:
        self._store = store
        self._clock = clock
        self._keep = keep
        self._every = every
        self._next_prune: datetime | None = None

    async def once(
        self,
        body: Mapping[str, Any],
        team: str | None,
        work: Callable[[], Awaitable[None]],
    ) -> None:
        """Run `work` unless this event was claimed before (here or by another instance)."""
        key = event_key(body, team)
        if key is None:
            await work()
            return
        if not await self._claim(key):
            log.info("ignoring repeated event %s", key)
            return
        try:
            await work()
        except BaseException:
            await self._release(key)
            raise

    async def _claim(self, key: str) -> bool:
        now = self._clock.now()
        async with self._store.unit() as uow:
            if not await uow.inbox.claim(key=key, at=now):
                return False
            if self._next_prune is None or now >= self._next_prune:
                self._next_prune = now + self._every
                await uow.inbox.prune(before=now - self._keep)
        return True

    async def _release(self, key: str) -> None:
        try:
            async with self._store.unit() as uow:
                await uow.inbox.release(key=key)
        except Exception:
            # The handler's own error is what matters; this one only costs Slack's retry.
            log.exception("could not release event %s for a retry", key)
