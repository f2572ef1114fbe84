"""Each incoming chat event handled once, across restarts and every instance sharing the database.

A chat platform redelivers an event (a Slack event_id, a Bot Framework activity id) when it
thinks we missed it; with several instances behind a load balancer, or a restart in between,
the redelivery may reach a process that never saw the first. So the event is claimed in the
database before it is handled, and given back if handling fails, so that the next redelivery
runs it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from bot.app.ports import Clock, Store

__all__ = ["Inbox"]

log = logging.getLogger(__name__)

KEEP = timedelta(days=1)  # platforms retry within minutes; a day leaves room for long outages
PRUNE_EVERY = timedelta(hours=1)


class Inbox:
    """Claims events by key in the store; old claims are pruned now and then."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        *,
        keep: timedelta = KEEP,
        every: timedelta = PRUNE_EVERY,
        logger: logging.Logger = log,
    ) -> None:
        self._log = logger  # the adapter's own, so its operators find these lines there
        self._store = store
        self._clock = clock
        self._keep = keep
        self._every = every
        self._next_prune: datetime | None = None

    async def claimed(self, key: str | None, work: Callable[[], Awaitable[None]]) -> bool:
        """Run `work` unless event `key` was claimed before (here or by another instance);
        whether it ran. A key of None is run without a claim."""
        if key is None:
            await work()
            return True
        if not await self._claim(key):
            self._log.info("ignoring repeated event %s", key)
            return False
        try:
            await work()
        except BaseException:
            await self._release(key)
            raise
        return True

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
            # The handler's own error is what matters; this one only costs a redelivery.
            self._log.exception("could not release event %s for a retry", key)
