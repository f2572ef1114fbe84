"""The ports the web server is built from: chat runtimes and start-up/shutdown hooks.

A chat runtime is one platform (Slack, Teams, ...) as `supportbot serve` runs it: the routes it
mounts on the shared aiohttp router, the Notifier the outbox posts through, and what it does
at start-up and shutdown. The server mounts whatever list the composition root gives it and
never names a platform. A hook is anything else that lives as long as the server (the outbox
pump, the scheduler).
"""

from __future__ import annotations

from typing import Any, Protocol

from aiohttp import web

from bot.app.ports import Notifier

__all__ = ["ChatRuntime", "Hook"]


class Hook(Protocol):
    """Something started with the server and stopped with it, in reverse order."""

    async def start(self) -> None:
        """Start (an error aborts start-up: `serve` reports it in one line)."""
        ...

    async def stop(self) -> None:
        """Stop; called only after `start` succeeded."""
        ...


class ChatRuntime(Hook, Protocol):
    """One chat platform served by `supportbot serve`."""

    @property
    def platform(self) -> str:
        """The platform's name, as stored with identities and outbox targets (e.g. "slack")."""
        ...

    @property
    def notifier(self) -> Notifier:
        """Posts the outbox's messages to this platform."""
        ...

    def describe(self) -> str:
        """How it is served, for the start-up line (e.g. "Slack: HTTP /slack/events")."""
        ...

    def health(self) -> dict[str, Any]:
        """What /healthz reports about it (JSON-ready)."""
        ...

    def add_routes(self, router: web.UrlDispatcher) -> None:
        """Mount its HTTP endpoints (none, e.g. in Slack's Socket Mode)."""
        ...
