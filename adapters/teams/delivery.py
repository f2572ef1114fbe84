"""Every Teams post leaves through here (RetryingAdapter): direct answers and the outbox's
posts alike.

The Bot Framework connector throttles (429, with Retry-After) and has bad moments (5xx): a
call is tried again after a wait, a few times, before the error is left to the caller (the
outbox then retries later, with its own backoff). botbuilder's own retries (msrest's, which
sleep inside a worker thread and skip 429) are turned off, so there is one policy.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from typing import Any, TypeVar

from botbuilder.core import BotAdapter, CardFactory, MessageFactory, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity, ResourceResponse
from botframework.connector.auth import BotFrameworkAuthentication
from msrest.exceptions import HttpOperationError

from adapters.teams.cards import reply_card
from bot.app.replies import Reply

__all__ = [
    "ATTEMPTS",
    "CALL_TIMEOUT",
    "RetryingAdapter",
    "Sleep",
    "card_activity",
    "longest_call",
    "quiet_client",
    "reply_activity",
    "status_of",
    "with_retries",
]

log = logging.getLogger(__name__)

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]

ATTEMPTS = 4  # tries of one connector call
FIRST_WAIT = 1.0  # seconds before the second try; doubling after
LONGEST_WAIT = 30.0  # at most this long between tries, whatever Retry-After says
CALL_TIMEOUT = 30  # seconds one connector request may take
SUMMARY_MAX = 200  # what a notification shows for a card


def card_activity(card: Mapping[str, Any], *, summary: str | None = None) -> Activity:
    """A message activity carrying one Adaptive Card (`summary`: its notification text)."""
    activity = MessageFactory.attachment(CardFactory.adaptive_card(dict(card)))
    if summary:
        activity.summary = summary[:SUMMARY_MAX]
    return activity


def reply_activity(reply: Reply) -> Activity:
    """A neutral reply as a Teams message: its Adaptive Card (all text shown as typed)."""
    summary = " — ".join(part for part in (reply.title, reply.text) if part)
    return card_activity(reply_card(reply), summary=summary)


def status_of(exc: BaseException) -> int | None:
    """The HTTP status of a failed connector call, if it got an answer."""
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    return status if isinstance(status, int) else None


def _retry_after(exc: BaseException) -> float | None:
    headers: Any = getattr(getattr(exc, "response", None), "headers", None) or {}
    raw = headers.get("Retry-After")
    try:
        return max(float(raw), 0.0) if raw is not None else None
    except (TypeError, ValueError):
        return None  # an HTTP date: wait as for any other failure


def _retryable(status: int | None) -> bool:
    return status is not None and (status == 429 or status >= 500)


async def with_retries(call: Callable[[], Awaitable[T]], *, sleep: Sleep, what: str) -> T:
    """Run one connector call, trying again after throttling (429) or a server error (5xx)."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return await call()
        except HttpOperationError as exc:
            status = status_of(exc)
            if attempt == ATTEMPTS or not _retryable(status):
                raise
            wait = _retry_after(exc)
            if wait is None:
                wait = FIRST_WAIT * 2 ** (attempt - 1)
            wait = min(wait, LONGEST_WAIT)
            log.info("Teams %s got %s; trying again in %.1f s", what, status, wait)
            await sleep(wait)
    raise AssertionError("unreachable")  # the loop returns or raises


def longest_call() -> timedelta:
    """The most one call through `with_retries` can take: every try and every wait."""
    waits = sum(min(FIRST_WAIT * 2**i, LONGEST_WAIT) for i in range(ATTEMPTS - 1))
    return timedelta(seconds=ATTEMPTS * CALL_TIMEOUT + max(waits, LONGEST_WAIT * (ATTEMPTS - 1)))


def quiet_client(turn_context: TurnContext) -> None:
    """Turn off msrest's own retries on this turn's connector client, and bound its waits."""
    client = turn_context.turn_state.get(BotAdapter.BOT_CONNECTOR_CLIENT_KEY)
    config = getattr(client, "config", None)
    if config is None:
        return
    config.retry_policy.retries = 0
    config.connection.timeout = CALL_TIMEOUT


class RetryingAdapter(CloudAdapter):  # type: ignore[misc]
    """botbuilder's CloudAdapter, every send and update tried again after throttling or a
    server error: direct answers in a turn and the outbox's proactive posts alike."""

    def __init__(self, auth: BotFrameworkAuthentication, *, sleep: Sleep) -> None:
        super().__init__(auth)
        self._sleep = sleep

    async def send_activities(
        self, context: TurnContext, activities: list[Activity]
    ) -> list[ResourceResponse]:
        """Send, trying again after 429 or 5xx."""
        quiet_client(context)
        send = super().send_activities
        sent: list[ResourceResponse] = await with_retries(
            lambda: send(context, activities), sleep=self._sleep, what="post"
        )
        return sent

    async def update_activity(
        self, context: TurnContext, activity: Activity
    ) -> ResourceResponse | None:
        """Update, trying again after 429 or 5xx."""
        quiet_client(context)
        update = super().update_activity
        updated: ResourceResponse | None = await with_retries(
            lambda: update(context, activity), sleep=self._sleep, what="update"
        )
        return updated
