"""What a failed outbox attempt leads to: a retry after a backoff, or parking.

An undeliverable message (bot.app.outbox.UndeliverableError) is parked after the policy's
`park_after_attempts`; one whose failures may pass (the chat down, 5xx, rate limits) is
retried through an outage and parked only once it has also been failing for the policy's
`give_up_after_hours` since it was queued, so that nothing is retried for ever. Parked
messages are counted on /healthz and listed by `supportbot outbox parked`.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.app.desk import Desk
from bot.domain.models import OutboxMessage
from bot.domain.policy import Policy

__all__ = ["backoff", "record_failure"]

log = logging.getLogger("bot.app.outbox")  # one logger for the outbox's lines


def backoff(policy: Policy, attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failure: the policy's first retry, doubling
    each time, at most its longest wait."""
    first = timedelta(seconds=policy.outbox_first_retry_seconds)
    longest = timedelta(minutes=policy.outbox_max_retry_minutes)
    delay: timedelta = first * (2 ** min(max(attempts, 0), 16))
    return min(delay, longest)


def _gives_up(desk: Desk, message: OutboxMessage, attempts: int, *, permanent: bool) -> bool:
    """Whether a failed message is parked now: an undeliverable one after the policy's
    attempts; one whose failures may pass only once it has also failed for the policy's
    `give_up_after_hours` since it was queued (an outage of a few hours is waited out)."""
    if attempts < desk.policy.outbox_park_after_attempts:
        return False
    if permanent:
        return True
    queued = message.created_at or message.next_attempt_at
    return desk.now() - queued >= timedelta(hours=desk.policy.outbox_give_up_after_hours)


async def record_failure(
    desk: Desk,
    message: OutboxMessage,
    owner: str,
    exc: Exception,
    *,
    permanent: bool,
    waiting: bool = False,
) -> None:
    """Record a failed attempt of `owner`'s: parked once the message used up its attempts
    (see `_gives_up`), else due again after the backoff. The error is kept on the message.
    A `waiting` one (bot.app.outbox.NotPostedYet) is never parked."""
    now = desk.now()
    error = f"{type(exc).__name__}: {exc}"
    attempts = message.attempts + 1
    # A post waiting for something still to come (its original to be posted, a chat that
    # cannot reach the customer yet) waits as long as it takes: it has not failed.
    async with desk.store.unit() as uow:
        if not waiting and _gives_up(desk, message, attempts, permanent=permanent):
            await uow.outbox.park(message_id=message.id, owner=owner, error=error, at=now)
            log.warning(
                "outbox message %s parked after %d attempts (%s)", message.id, attempts, error
            )
            return
        retry_at = now + backoff(desk.policy, message.attempts)
        await uow.outbox.mark_failed(
            message_id=message.id, owner=owner, error=error, retry_at=retry_at
        )
    log.warning("outbox message %s failed (%s); retry at %s", message.id, error, retry_at)
