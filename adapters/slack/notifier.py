"""Every Slack post leaves through `send`: direct answers and the outbox's posts alike."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Iterator
from datetime import timedelta
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.blocks import reply_message
from adapters.slack.client import longest_call
from adapters.slack.settings import PLATFORM
from bot.app.outbox import UndeliverableError
from bot.app.replies import Reply
from bot.domain.models import Customer, Destination, ThreadRef

__all__ = ["PERMANENT_ERRORS", "SlackNotifier", "TokenFor", "send"]

# Which bot token posts to a destination (one per workspace when installed through OAuth).
TokenFor = Callable[[Destination], Awaitable[str | None]]
# Web API calls one delivery makes at most (a direct message: conversations.open, then post).
CALLS_PER_DELIVERY = 2
# Slack errors that trying again will not mend: the message cannot be delivered as addressed
# until someone acts (invites the bot, unarchives the channel, reinstalls the app).
PERMANENT_ERRORS = frozenset(
    {
        "not_in_channel",
        "channel_not_found",
        "is_archived",
        "account_inactive",
        "user_not_found",
        "user_disabled",
        "cannot_dm_bot",
        "restricted_action",
        "message_not_found",
        "cant_update_message",
        "edit_window_closed",
        "invalid_auth",
        "not_authed",
        "token_revoked",
        "missing_scope",
        "team_access_not_granted",
        "invalid_blocks",
        "msg_too_long",
        "no_text",
    }
)


@contextlib.contextmanager
def _permanent_errors() -> Iterator[None]:
    """A Slack error that retrying cannot mend becomes UndeliverableError (parked in the end)."""
    try:
        yield
    except SlackApiError as exc:
        error = exc.response.get("error")
        if error in PERMANENT_ERRORS:
            raise UndeliverableError(f"Slack refused it: {error}") from exc
        raise


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

    @property
    def longest_send(self) -> timedelta:
        """The most one delivery can take: its Web API calls, each with every retry."""
        return CALLS_PER_DELIVERY * longest_call(self._client)

    async def deliver(self, *, destination: Destination, content: dict[str, Any]) -> ThreadRef:
        """Post `content` (a Reply as JSON) to the destination (see `send`)."""
        with _permanent_errors():
            return await self._deliver(destination, content)

    async def _deliver(self, destination: Destination, content: dict[str, Any]) -> ThreadRef:
        token = await self._token_for(destination) if self._token_for else None
        return await send(
            self._client, destination=destination, reply=Reply.from_json(content), token=token
        )

    async def edit(self, *, destination: Destination, content: dict[str, Any]) -> None:
        """Redraw the message at `destination` (its channel and ts) with chat.update."""
        with _permanent_errors():
            await self._edit(destination, content)

    async def _edit(self, destination: Destination, content: dict[str, Any]) -> None:
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
