"""The Slack Web API client: one shared HTTP session, 429 honoured, 5xx retried with backoff."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from datetime import timedelta

import aiohttp
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

__all__ = [
    "MAX_RETRY_AFTER",
    "RETRYABLE_STATUSES",
    "Sleep",
    "build_client",
    "longest_call",
    "retry_handlers",
    "unambiguous_retries",
]

Sleep = Callable[[float], Awaitable[None]]
RETRYABLE_STATUSES = frozenset({500, 502, 503, 504})
# The longest Retry-After a call waits for before trying again (seconds). Slack asks for a few
# seconds; a longer pause is waited only this long, so that a call has a bounded duration and
# the outbox can lease a message for longer than any send takes (see `longest_call`).
MAX_RETRY_AFTER = 30.0
JITTER = 0.1  # at most this much (seconds) is added to each wait, so instances do not align


class _Sleeping(AsyncRetryHandler):
    """A retry handler that waits with an injected sleep (tests record waits, never sleep)."""

    def __init__(self, *, max_retry_count: int, sleep: Sleep) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self._sleep = sleep


class _Backoff(_Sleeping):
    """Waits 0.5 s, 1 s, 2 s ... (with jitter) between attempts."""

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        """Back off 0.5 s, 1 s, 2 s ... (with jitter) before the next attempt."""
        state.next_attempt_requested = True
        await self._sleep(_backoff(state.current_attempt) + random.random() * JITTER)
        state.increment_current_attempt()


def _backoff(attempt: int) -> float:
    """Seconds to wait before retry number `attempt` + 1 (jitter aside): 0.5, 1, 2, ..."""
    return 0.5 * 2.0**attempt


class ConnectionErrorRetry(_Backoff, AsyncConnectionErrorRetryHandler):
    """Retries a refused or reset connection with exponential backoff."""


class RateLimitRetry(_Sleeping, AsyncRateLimitErrorRetryHandler):
    """Waits the Retry-After Slack sent (plus jitter) before trying again."""

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        """Sleep for Retry-After seconds, then count the attempt."""
        if response is None:
            raise error or RuntimeError("rate limited without a response")
        header = next((v for k, v in response.headers.items() if k.lower() == "retry-after"), None)
        try:
            wait = float(header[0] if isinstance(header, list) else header) if header else 1.0
        except ValueError:
            wait = 1.0
        state.next_attempt_requested = True
        await self._sleep(min(max(wait, 0.0), MAX_RETRY_AFTER) + random.random() * JITTER)
        state.increment_current_attempt()


class ServerErrorRetry(_Backoff, AsyncServerErrorRetryHandler):
    """Retries 500/502/503/504 answers with exponential backoff."""

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return response is not None and response.status_code in RETRYABLE_STATUSES


def retry_handlers(sleep: Sleep = asyncio.sleep, *, attempts: int = 3) -> list[AsyncRetryHandler]:
    """Retry policy for every Web API call: connection errors, 429 and 5xx."""
    return [
        ConnectionErrorRetry(max_retry_count=attempts, sleep=sleep),
        RateLimitRetry(max_retry_count=attempts, sleep=sleep),
        ServerErrorRetry(max_retry_count=attempts, sleep=sleep),
    ]


def build_client(
    *,
    token: str | None,
    api_url: str,
    session: aiohttp.ClientSession | None = None,
    sleep: Sleep = asyncio.sleep,
    timeout: int = 10,
    attempts: int = 3,
) -> AsyncWebClient:
    """An AsyncWebClient on `api_url` sharing `session` (connection reuse) with our retries
    (`attempts` retries of each kind; 0: none)."""
    return AsyncWebClient(
        token=token,
        base_url=api_url,
        session=session,
        timeout=timeout,
        retry_handlers=retry_handlers(sleep, attempts=attempts),
    )


def unambiguous_retries(client: AsyncWebClient) -> AsyncWebClient:
    """`client` (same session, token and limits) retrying only answers that surely changed
    nothing: rate limits. A 5xx or a broken connection may come after Slack took a post, so
    the outbox retries those itself, after looking for the post by its key."""
    safe: list[AsyncRetryHandler] = [
        h for h in client.retry_handlers if isinstance(h, AsyncRateLimitErrorRetryHandler)
    ]
    return AsyncWebClient(
        token=client.token,
        base_url=client.base_url,
        session=client.session,
        timeout=client.timeout,
        headers=client.headers,
        retry_handlers=safe,
    )


def longest_call(client: AsyncWebClient) -> timedelta:
    """The most one Web API call through `client` can take: every attempt running into the
    time limit, and the longest wait before each retry (a capped Retry-After)."""
    limit: float | None = client.timeout
    if client.session is not None:
        # A shared session's own limit applies instead of the client's (slack_sdk passes it).
        limit = client.session.timeout.total
    if not limit:
        raise ValueError("a Web API call without a time limit has no longest duration")
    retries = max((h.max_retry_count for h in client.retry_handlers), default=0)
    # The handlers share one retry count, so a call makes at most `retries` + 1 attempts.
    wait = max(_backoff(retries - 1), MAX_RETRY_AFTER) + JITTER if retries else 0.0
    return timedelta(seconds=(retries + 1) * limit + retries * wait)
