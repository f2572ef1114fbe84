"""Who may file, remembered briefly: a burst of `/ticket` costs one database lookup, not hundreds.

Only "may file" is remembered, for `TTL` by the desk's clock, and never a refusal. The memory
only speeds up showing the form: filing asks the database again in the unit of work that
stores the ticket, so a contact removed meanwhile (by any instance) can at most see a form
whose submission is then refused.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from bot.app.callers import Origin
from bot.app.desk import Desk
from bot.app.filing import may_file
from bot.app.replies import Reply
from bot.domain.models import Identity

__all__ = ["TTL", "FilerCache"]

# Long enough for a burst of requests, short enough that a new contact's refusal-free
# form and a removed contact's form both settle quickly.
TTL = timedelta(seconds=15)
# Forget expired entries once this many people are remembered.
PRUNE_AT = 1024

_Key = tuple[Identity, Origin]


class FilerCache:
    """Slack's wrapper around the `may_file` use case."""

    def __init__(self, desk: Desk, *, ttl: timedelta = TTL) -> None:
        self._desk = desk
        self._ttl = ttl
        self._allowed: dict[_Key, datetime] = {}  # -> when the memory expires
        self._pending: dict[_Key, asyncio.Future[Reply | None]] = {}

    async def refusal(self, reporter: Identity, origin: Origin) -> Reply | None:
        """None if `reporter` may file (remembered, or looked up once for all who ask at the
        same time), else the refusal to show."""
        key = (reporter, origin)
        expires = self._allowed.get(key)
        if expires is not None:
            if self._desk.now() < expires:
                return None
            del self._allowed[key]
        pending = self._pending.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[Reply | None] = asyncio.get_running_loop().create_future()
        self._pending[key] = future
        try:
            refused = await may_file(self._desk, reporter=reporter, origin=origin)
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: waiters re-raise it, nobody logs it as lost
            raise
        finally:
            self._pending.pop(key, None)
        if refused is None:
            self._remember(key)
        future.set_result(refused)
        return refused

    def _remember(self, key: _Key) -> None:
        now = self._desk.now()
        if len(self._allowed) >= PRUNE_AT:
            for old in [k for k, expires in self._allowed.items() if expires <= now]:
                del self._allowed[old]
        self._allowed[key] = now + self._ttl
