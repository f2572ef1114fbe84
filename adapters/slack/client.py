"""The Slack Web API client: one shared HTTP session, 429 honoured, 5xx retried with backoff."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable

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

__all__ = ["RETRYABLE_STATUSES", "Sleep", "build_client", "retry_handlers"]

Sleep = Callable[[float], Awaitable[None]]
RETRYABLE_STATUSES = frozenset({500, 502, 503, 504})


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
        await self._sleep(0.5 * 2**state.current_attempt + random.random() / 10)
        state.increment_current_attempt()


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
        await self._sleep(max(wait, 0.0) + random.random() / 10)
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
