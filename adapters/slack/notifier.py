"""Every Slack post leaves through `send`: direct answers and the outbox's posts alike."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.blocks import reply_message
from adapters.slack.settings import PLATFORM
from bot.app.replies import Reply
from bot.domain.models import Customer, Destination, ThreadRef

__all__ = ["SlackNotifier", "TokenFor", "send"]

# Which bot token posts to a destination (one per workspace when installed through OAuth).
TokenFor = Callable[[Destination], Awaitable[str | None]]


async def send(
    client: AsyncWebClient, *, destination: Destination, reply: Reply, token: str | None
) -> ThreadRef:
    """Post `reply` at a Slack destination and return the thread it now lives in.

    A destination naming only a user (no channel, or the user as channel) is their direct
    message with the app, opened first; a private reply to a user in a channel is ephemeral
    (only they see it); anything else is posted for everyone, links not unfurled.
    """
    if destination.platform != PLATFORM:
        raise ValueError(f"not a Slack destination: {destination.platform}")
    message = reply_message(reply)
    auth: dict[str, Any] = {"token": token} if token else {}
    channel = destination.conversation
    direct = bool(destination.user) and channel in ("", destination.user)
    if direct:
        opened = await client.conversations_open(users=destination.user, **auth)
        channel = opened["channel"]["id"]
    elif reply.private and destination.user:
        await client.chat_postEphemeral(
            channel=channel,
            user=destination.user,
            thread_ts=destination.thread,
            **message,
            **auth,
        )
        return ThreadRef(PLATFORM, channel, destination.thread or "")
    posted = await client.chat_postMessage(
        channel=channel,
        thread_ts=destination.thread,
        unfurl_links=False,
        unfurl_media=False,
        **message,
        **auth,
    )
    ts = posted["ts"]
    return ThreadRef(PLATFORM, posted.get("channel") or channel, destination.thread or ts)


class SlackNotifier:
    """Implements bot.app.ports.Notifier for Slack; raises on failure so the outbox retries."""

    def __init__(self, client: AsyncWebClient, token_for: TokenFor | None = None) -> None:
        self._client = client
        self._token_for = token_for

    def announces_in(self, customer: Customer) -> str | None:
        """The customer's Slack support channel, if it has one."""
        binding = customer.binding(PLATFORM)
        return binding.conversation if binding is not None else None

    async def deliver(self, *, destination: Destination, content: dict[str, Any]) -> ThreadRef:
        """Post `content` (a Reply as JSON) to the destination (see `send`)."""
        token = await self._token_for(destination) if self._token_for else None
        return await send(
            self._client, destination=destination, reply=Reply.from_json(content), token=token
        )

    async def edit(self, *, destination: Destination, content: dict[str, Any]) -> None:
        """Redraw the message at `destination` (its channel and ts) with chat.update."""
        if destination.platform != PLATFORM:
            raise ValueError(f"not a Slack destination: {destination.platform}")
        if not destination.thread:
            raise ValueError("an edit needs the ts of the message to redraw")
        token = await self._token_for(destination) if self._token_for else None
        auth: dict[str, Any] = {"token": token} if token else {}
        await self._client.chat_update(
            channel=destination.conversation,
            ts=destination.thread,
            **reply_message(Reply.from_json(content)),
            **auth,
        )
