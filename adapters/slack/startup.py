"""Meeting Slack at start-up: check the tokens once, fail in one line, never per request.

`supportbot serve` asks Slack who its bot token belongs to (auth.test) and, in Socket Mode,
for a websocket URL (apps.connections.open) before it serves anything. Either failing is a
start-up error (exit 2), not a retry loop. The verified bot identity then authorises every
request, so an event that arrives while Slack's Web API is down is still accepted.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Iterator
from typing import Any

import aiohttp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.async_authorize import AsyncAuthorize
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

__all__ = [
    "UNREACHABLE",
    "SingleWorkspace",
    "SlackUnavailableError",
    "handle_error",
    "quiet_token_warning",
    "verified",
]

log = logging.getLogger(__name__)

# What a Web API call raises when Slack cannot be reached (refused, reset, DNS, timeout).
UNREACHABLE = (aiohttp.ClientError, TimeoutError, OSError)


class SlackUnavailableError(RuntimeError):
    """Slack refused our tokens or could not be reached at start-up (one line, for the CLI)."""


async def verified(call: Awaitable[AsyncSlackResponse], what: str, api_url: str) -> Any:
    """The response of a start-up Web API call, or SlackUnavailableError saying what failed."""
    try:
        return await call
    except SlackApiError as exc:
        error = exc.response.get("error") or exc.response.status_code
        raise SlackUnavailableError(f"Slack refused {what}: {error}") from None
    except UNREACHABLE as exc:
        reason = str(exc) or type(exc).__name__
        raise SlackUnavailableError(f"cannot reach Slack at {api_url}: {reason}") from None


class SingleWorkspace(AsyncAuthorize):
    """Bolt's authorisation for one workspace: the bot token and the identity auth.test gave
    at start-up (Bolt's own would call auth.test on the first request, and fail if Slack is
    unreachable just then)."""

    def __init__(self, bot_token: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.bot_token = bot_token
        self.result: AuthorizeResult | None = None

    async def verify(self, client: AsyncWebClient, api_url: str) -> None:
        """Ask Slack whose token this is; SlackUnavailableError if it cannot say."""
        response = await verified(
            client.auth_test(token=self.bot_token), "SLACK_BOT_TOKEN", api_url
        )
        self.result = AuthorizeResult.from_auth_test_response(
            bot_token=self.bot_token, auth_test_response=response
        )

    async def __call__(
        self,
        *,
        context: AsyncBoltContext,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        actor_enterprise_id: str | None = None,
        actor_team_id: str | None = None,
        actor_user_id: str | None = None,
    ) -> AuthorizeResult | None:
        """The verified identity (None before start-up: Bolt then refuses the request)."""
        return self.result


async def handle_error(
    error: Exception, response: BoltResponse | None = None
) -> BoltResponse | None:
    """Bolt's error handler: Slack unreachable is one log line and a 503 (Slack retries the
    event later); anything else is logged in full and stays a 500. After the ack (Bolt passes
    no `response` then) the answer is already given: only the log line remains."""
    if isinstance(error, UNREACHABLE):
        log.warning("Slack Web API unreachable: %s", str(error) or type(error).__name__)
        if response is None:
            return None
        return BoltResponse(status=503, body="Slack Web API unreachable; try again")
    log.error("unexpected error handling a Slack request", exc_info=error)
    return None


@contextlib.contextmanager
def quiet_token_warning() -> Iterator[None]:
    """While building the AsyncApp: Bolt reads SLACK_BOT_TOKEN from the environment itself
    and then warns that our client wins; it is meant to."""
    logger = logging.getLogger("slack_bolt.AsyncApp")
    unwanted = warning_client_prioritized_and_token_skipped()

    def keep(record: logging.LogRecord) -> bool:
        return record.getMessage() != unwanted

    logger.addFilter(keep)
    try:
        yield
    finally:
        logger.removeFilter(keep)
