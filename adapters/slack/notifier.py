"""Every Slack post leaves through `send`: direct answers and the outbox's posts alike."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Iterator
from datetime import timedelta
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.blocks import reply_message
from adapters.slack.client import longest_call, unambiguous_retries
from adapters.slack.settings import PLATFORM
from bot.app.outbox import UndeliverableError
from bot.app.replies import Reply
from bot.domain.models import Customer, Destination, ThreadRef

__all__ = ["EVENT_TYPE", "LOOKUP_PAGES", "PERMANENT_ERRORS", "SlackNotifier", "TokenFor", "send"]

# Which bot token posts to a destination (one per workspace when installed through OAuth).
TokenFor = Callable[[Destination], Awaitable[str | None]]
# Web API calls one delivery makes at most (a direct message: conversations.open, then post).
CALLS_PER_DELIVERY = 2
# The message metadata event type of the outbox's posts; its payload is {"key": dedupe key}.
EVENT_TYPE = "supportbot_post"
# How far `find` looks back: this many pages of 200 messages (newest first in a channel, from
# the start of a thread). A post whose outcome is unknown is looked up when its lease ends,
# minutes after it was sent, so it is among the newest messages; time bounds are not used,
# because the bot's clock may be set (SUPPORTBOT_NOW) while Slack's timestamps are real.
LOOKUP_PAGES = 3
PAGE_SIZE = 200
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


def _direct(destination: Destination) -> bool:
    """A destination naming only a user (no channel, or the user as channel): their DM."""
    return bool(destination.user) and destination.conversation in ("", destination.user)


async def send(
    client: AsyncWebClient,
    *,
    destination: Destination,
    reply: Reply,
    token: str | None,
    key: str | None = None,
) -> ThreadRef:
    """Post `reply` at a Slack destination and return the thread it now lives in.

    A destination naming only a user (no channel, or the user as channel) is their direct
    message with the app, opened first; a private reply to a user in a channel is ephemeral
    (only they see it); anything else is posted for everyone, links not unfurled. A post with
    a `key` (the outbox's dedupe key) carries it in its message metadata.
    """
    if destination.platform != PLATFORM:
        raise ValueError(f"not a Slack destination: {destination.platform}")
    message = reply_message(reply)
    if key is not None:
        message["metadata"] = {"event_type": EVENT_TYPE, "event_payload": {"key": key}}
    auth: dict[str, Any] = {"token": token} if token else {}
    channel = destination.conversation
    if _direct(destination):
        opened = await client.conversations_open(users=destination.user, **auth)
        channel = opened["channel"]["id"]
    elif reply.private and destination.user:
        message.pop("metadata", None)  # ephemeral messages carry none and leave no history
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


def _carries(message: dict[str, Any], key: str) -> bool:
    """Whether a message from the history carries the outbox key `key` in its metadata."""
    metadata = message.get("metadata") or {}
    payload = metadata.get("event_payload") or {}
    return bool(metadata.get("event_type") == EVENT_TYPE and payload.get("key") == key)


class SlackNotifier:
    """Implements bot.app.ports.Notifier for Slack; raises on failure so the outbox retries."""

    def __init__(self, client: AsyncWebClient, token_for: TokenFor | None = None) -> None:
        self._client = client
        # Posts are not retried blindly on a 5xx or a broken connection (Slack may have taken
        # them): the outbox retries them after looking for them. Lookups and edits change
        # nothing twice, so they keep every retry.
        self._posting = unambiguous_retries(client)
        self._token_for = token_for

    def announces_in(self, customer: Customer) -> str | None:
        """The customer's Slack support channel, if it has one."""
        binding = customer.binding(PLATFORM)
        return binding.conversation if binding is not None else None

    @property
    def longest_send(self) -> timedelta:
        """The most one attempt can take: looking for an earlier post (a conversations.open and
        LOOKUP_PAGES pages) and then the delivery's Web API calls, each with every retry."""
        lookup = (1 + LOOKUP_PAGES) * longest_call(self._client)
        return lookup + CALLS_PER_DELIVERY * longest_call(self._posting)

    async def deliver(
        self, *, destination: Destination, content: dict[str, Any], key: str
    ) -> ThreadRef:
        """Post `content` (a Reply as JSON) to the destination, `key` in its metadata (see
        `send`)."""
        with _permanent_errors():
            return await self._deliver(destination, content, key)

    async def _deliver(
        self, destination: Destination, content: dict[str, Any], key: str
    ) -> ThreadRef:
        token = await self._token_for(destination) if self._token_for else None
        return await send(
            self._posting,
            destination=destination,
            reply=Reply.from_json(content),
            token=token,
            key=key,
        )

    async def find(self, *, destination: Destination, key: str) -> ThreadRef | None:
        """Where the post carrying `key` in its metadata landed: looked up among the newest
        messages of the channel (conversations.history) or of the thread
        (conversations.replies), at most LOOKUP_PAGES pages. A direct message is looked up
        in the DM channel (conversations.open answers its id again); an ephemeral reply
        leaves no history, so it is never found."""
        with _permanent_errors():
            return await self._find(destination, key)

    async def _find(self, destination: Destination, key: str) -> ThreadRef | None:
        if destination.platform != PLATFORM:
            raise ValueError(f"not a Slack destination: {destination.platform}")
        token = await self._token_for(destination) if self._token_for else None
        auth: dict[str, Any] = {"token": token} if token else {}
        channel = destination.conversation
        if _direct(destination):
            opened = await self._client.conversations_open(users=destination.user, **auth)
            channel = opened["channel"]["id"]
        cursor: str | None = None
        for _ in range(LOOKUP_PAGES):
            page: dict[str, Any] = {"limit": PAGE_SIZE, "include_all_metadata": True, **auth}
            if cursor:
                page["cursor"] = cursor
            if destination.thread:
                answer = await self._client.conversations_replies(
                    channel=channel, ts=destination.thread, **page
                )
            else:
                answer = await self._client.conversations_history(channel=channel, **page)
            for message in answer.get("messages") or []:
                if _carries(message, key):
                    return ThreadRef(PLATFORM, channel, destination.thread or message["ts"])
            cursor = (answer.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
        return None

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
