"""Composition of the Slack adapter: Bolt app, clients, OAuth stores, handlers, notifier."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.slack.background import Background
from adapters.slack.client import Sleep, build_client
from adapters.slack.handlers import SlackHandlers
from adapters.slack.http import SlackHttp
from adapters.slack.inbox import EventInbox
from adapters.slack.listeners import register
from adapters.slack.notifier import SlackNotifier
from adapters.slack.settings import PLATFORM, SlackSettings
from adapters.slack.startup import (
    SingleWorkspace,
    handle_error,
    quiet_token_warning,
    verified,
)
from adapters.slack.surface import BOT_SCOPES
from adapters.slack.workspaces import Workspaces
from bot.app.desk import Desk
from bot.domain.models import Destination, Identity

__all__ = ["SlackRuntime", "build_slack"]


@dataclass
class SlackRuntime:
    """Slack as `supportbot serve` runs it (a chat runtime: see adapters/web/runtime.py)."""

    settings: SlackSettings
    app: AsyncApp
    http: SlackHttp
    handlers: SlackHandlers
    notifier: SlackNotifier
    background: Background
    workspaces: Workspaces
    checker: AsyncWebClient  # the Web API without retries: start-up fails fast
    single: SingleWorkspace | None = None
    socket: Any = None  # the Socket Mode handler, once connected
    platform: str = PLATFORM

    def describe(self) -> str:
        """How Slack is served: over HTTP or Socket Mode."""
        return "Slack: " + ("Socket Mode" if self.settings.socket_mode else "HTTP /slack/events")

    def health(self) -> dict[str, Any]:
        """Transport and installation mode, for /healthz."""
        return {
            "mode": "socket" if self.settings.socket_mode else "http",
            "workspaces": "oauth" if self.settings.oauth else "single",
        }

    def add_routes(self, router: web.UrlDispatcher) -> None:
        """POST /slack/events and the install pages; none in Socket Mode."""
        if not self.settings.socket_mode:
            self.http.add_routes(router, oauth=self.settings.oauth)

    async def start(self) -> None:
        """Check the tokens with Slack and connect Socket Mode (when SLACK_APP_TOKEN is set);
        SlackUnavailableError if Slack refuses them or cannot be reached."""
        api_url = self.settings.api_url
        if self.single is not None:
            await self.single.verify(self.checker, api_url)
        if not self.settings.socket_mode:
            return
        from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

        opened = await verified(
            self.checker.apps_connections_open(app_token=self.settings.app_token),
            "SLACK_APP_TOKEN",
            api_url,
        )
        handler = AsyncSocketModeHandler(self.app, self.settings.app_token)
        handler.client.wss_uri = opened["url"]  # use the URL just issued; don't ask again
        self.socket = handler
        await handler.connect_async()  # type: ignore[no-untyped-call]

    async def stop(self) -> None:
        """Disconnect Socket Mode and stop background work."""
        socket, self.socket = self.socket, None
        if socket is not None:
            await socket.close_async()
        await self.background.close()


async def build_slack(
    desk: Desk,
    settings: SlackSettings,
    *,
    session: aiohttp.ClientSession,
    engine: AsyncEngine | None = None,
    wake: Callable[[], None] = lambda: None,
    sleep: Sleep = asyncio.sleep,
) -> SlackRuntime:
    """Build the Slack adapter (OAuth stores need `engine`: the desk's own database)."""
    # No token in the client: every call names its workspace's token (see Workspaces).
    client = build_client(token=None, api_url=settings.api_url, session=session, sleep=sleep)
    checker = build_client(token=None, api_url=settings.api_url, session=session, attempts=0)
    common: dict[str, Any] = {
        "client": client,
        "signing_secret": settings.signing_secret or None,
        # SlackHttp verifies every HTTP request before dispatching; Socket Mode needs none.
        "request_verification_enabled": False,
        "process_before_response": False,
    }
    single: SingleWorkspace | None = None
    if settings.oauth:
        if engine is None:
            raise ValueError("OAuth installs need the database engine")
        installations = AsyncSQLAlchemyInstallationStore(settings.client_id, engine)
        states = AsyncSQLAlchemyOAuthStateStore(expiration_seconds=600, engine=engine)
        await installations.create_tables()  # type: ignore[no-untyped-call]
        await states.create_tables()  # type: ignore[no-untyped-call]
        with quiet_token_warning():
            app = AsyncApp(
                oauth_settings=AsyncOAuthSettings(
                    client_id=settings.client_id,
                    client_secret=settings.client_secret,
                    scopes=list(BOT_SCOPES),
                    installation_store=installations,
                    state_store=states,
                ),
                installation_store=installations,
                **common,
            )
        workspaces = Workspaces(installations=installations)
    else:
        single = SingleWorkspace(settings.bot_token)
        with quiet_token_warning():
            # Bolt uses an AsyncAuthorize instance as is, though its annotation wants a function.
            app = AsyncApp(authorize=single, **common)  # type: ignore[arg-type]
        workspaces = Workspaces(bot_token=settings.bot_token)
    app.error(handle_error)
    background = Background()
    handlers = SlackHandlers(
        desk, client=client, workspaces=workspaces, session=session, wake=wake, sleep=sleep
    )
    register(app, handlers, background, EventInbox(desk.store, desk.clock))

    async def token_for(destination: Destination) -> str | None:
        if not settings.oauth:
            return settings.bot_token
        return await workspaces.token(await _team_of(desk, destination))

    notifier = SlackNotifier(client, token_for)
    http = SlackHttp(
        app, handlers, signing_secret=settings.signing_secret or "-", background=background
    )
    return SlackRuntime(
        settings, app, http, handlers, notifier, background, workspaces, checker, single
    )


async def _team_of(desk: Desk, destination: Destination) -> str | None:
    """The Slack team a destination belongs to (a customer's channel, or a contact's DM)."""
    async with desk.store.unit() as uow:
        if destination.conversation:
            customer = await uow.customers.by_binding(
                platform=PLATFORM, conversation=destination.conversation
            )
            binding = customer.binding(PLATFORM) if customer is not None else None
            if binding is not None:
                return binding.workspace
        if destination.user:
            contact = await uow.contacts.find(identity=Identity(PLATFORM, destination.user))
            if contact is not None:
                owner = await uow.customers.get(customer_id=contact.customer_id)
                binding = owner.binding(PLATFORM) if owner is not None else None
                return binding.workspace if binding is not None else None
    return None
