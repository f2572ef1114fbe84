"""Composition of the Teams adapter: the endpoint POST /api/messages, the bot, the notifier.

Each request is read, its token checked (401 for anything botbuilder cannot verify, never a
500), claimed by activity id so a redelivered activity is handled once, and only then run
through botbuilder's CloudAdapter and the bot.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.teams import PLATFORM
from adapters.teams.auth import authenticate, build_authentication
from adapters.teams.bot import Conversation, TeamsBot
from adapters.teams.conversation import TeamsConversation
from adapters.teams.delivery import RetryingAdapter, Sleep
from adapters.teams.notifier import TeamsNotifier
from adapters.teams.refs import ConversationRefs
from adapters.teams.settings import TeamsSettings
from adapters.web.inbox import Inbox
from bot.app.desk import Desk

__all__ = ["ANONYMOUS_NOTICE", "ROUTE", "TeamsRuntime", "activity_key", "build_teams"]

log = logging.getLogger(__name__)

ROUTE = "/api/messages"
ANONYMOUS_NOTICE = (
    f"Teams: no MICROSOFT_APP_ID, so {ROUTE} is anonymous: for the Bot Framework Emulator "
    "or the Teams App Test Tool on this machine only"
)
MAX_BODY = 1024 * 1024  # Bot Framework activities are far smaller; a card submit is a few KB


def activity_key(activity: Activity) -> str | None:
    """The claim key of an activity, "teams:<conversation>:<activity id>" (ids are per
    conversation), or None when it has no id (nothing to deduplicate by)."""
    if not activity.id or activity.conversation is None or not activity.conversation.id:
        return None
    return f"teams:{activity.conversation.id}:{activity.id}"


@dataclass
class TeamsRuntime:
    """Teams as `supportbot serve` runs it (a chat runtime: see adapters/web/runtime.py)."""

    settings: TeamsSettings
    adapter: CloudAdapter
    bot: TeamsBot
    notifier: TeamsNotifier
    inbox: Inbox
    platform: str = PLATFORM

    def describe(self) -> str:
        """How Teams is served."""
        mode = "anonymous, local use only" if self.settings.anonymous else self.settings.app_type
        return f"Teams: HTTP {ROUTE} ({mode})"

    def health(self) -> dict[str, Any]:
        """Whether requests are authenticated, for /healthz."""
        return {"mode": "anonymous" if self.settings.anonymous else "authenticated"}

    def add_routes(self, router: web.UrlDispatcher) -> None:
        """POST /api/messages."""
        router.add_post(ROUTE, self.handle)

    async def start(self) -> None:
        """Say so when the bot runs without an app id (nothing to check otherwise)."""
        if self.settings.anonymous:
            log.warning(ANONYMOUS_NOTICE)

    async def stop(self) -> None:
        """Nothing runs in the background."""

    async def handle(self, request: web.Request) -> web.Response:
        """One activity from the Bot Framework: 401 unless verified, 200 once handled."""
        if request.content_length is not None and request.content_length > MAX_BODY:
            return web.Response(status=413)
        try:
            body = json.loads(await request.read())
            activity = Activity().deserialize(body)
        except Exception:  # not JSON, or not an activity
            return web.Response(status=400, text="expected an activity as JSON")
        if not isinstance(body, dict) or not activity.type:
            return web.Response(status=400, text="expected an activity as JSON")
        header = request.headers.get("Authorization")
        auth = self.adapter.bot_framework_authentication
        identity = await authenticate(auth, self.settings, activity, header)
        if identity is None:
            return web.Response(status=401)
        answer: list[Any] = []

        async def work() -> None:
            answer.append(await self.adapter.process_activity(identity, activity, self.bot.on_turn))

        await self.inbox.claimed(activity_key(activity), work)
        invoke = answer[0] if answer else None
        if invoke is not None:
            return web.json_response(invoke.body, status=invoke.status)
        return web.Response(status=200)


async def build_teams(
    desk: Desk,
    settings: TeamsSettings,
    *,
    engine: AsyncEngine,
    wake: Callable[[], None] = lambda: None,
    sleep: Sleep = asyncio.sleep,
    conversation: Conversation | None = None,
) -> TeamsRuntime:
    """Build the Teams adapter on the desk's database (`conversation`: what the bot says,
    TeamsConversation unless given)."""
    adapter = RetryingAdapter(build_authentication(settings, settings.credentials), sleep=sleep)
    refs = ConversationRefs(engine)
    talk = conversation or TeamsConversation(desk, wake=wake, sleep=sleep)
    bot = TeamsBot(desk, refs, talk)
    notifier = TeamsNotifier(adapter, refs, desk.store, app_id=settings.app_id, sleep=sleep)
    inbox = Inbox(desk.store, desk.clock)
    return TeamsRuntime(settings, adapter, bot, notifier, inbox)
