"""Which bot token speaks for a workspace: the one token, or the OAuth installation's."""

from __future__ import annotations

import time
from collections.abc import Callable

from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore

__all__ = ["NotInstalledError", "Workspaces"]


class NotInstalledError(LookupError):
    """No installation of the app in that workspace."""


class Workspaces:
    """Bot tokens per Slack team, cached briefly so a burst does not hit the database each time."""

    def __init__(
        self,
        *,
        bot_token: str | None = None,
        installations: AsyncInstallationStore | None = None,
        ttl: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not bot_token and installations is None:
            raise ValueError("need a bot token or an installation store")
        self._bot_token = bot_token
        self._installations = installations
        self._ttl = ttl
        self._clock = clock
        self._cache: dict[tuple[str | None, str | None], tuple[float, str]] = {}

    async def token(self, team_id: str | None, enterprise_id: str | None = None) -> str:
        """The bot token for a workspace; NotInstalledError if the app is not installed there."""
        if self._installations is None:
            assert self._bot_token is not None
            return self._bot_token
        key = (enterprise_id, team_id)
        cached = self._cache.get(key)
        now = self._clock()
        if cached is not None and now - cached[0] < self._ttl:
            return cached[1]
        bot = await self._installations.async_find_bot(enterprise_id=enterprise_id, team_id=team_id)
        if bot is None or not bot.bot_token:
            raise NotInstalledError(f"supportbot is not installed in Slack team {team_id}")
        self._cache[key] = (now, bot.bot_token)
        return bot.bot_token
