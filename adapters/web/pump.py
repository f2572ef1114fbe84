"""The outbox pump: drains the outbox when woken (a ticket was filed) and on a steady tick."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

__all__ = ["OutboxPump"]

log = logging.getLogger(__name__)


class OutboxPump:
    """Runs `drain()` promptly after `wake()`, and every `interval` seconds regardless.

    The tick picks up retries that came due and messages queued by other processes (the
    scheduler, the CLI); the wake-up makes a fresh announcement appear at once.
    """

    def __init__(
        self, drain: Callable[[], Awaitable[int]], *, interval: float = 5.0, batch: int = 50
    ) -> None:
        self._drain = drain
        self._interval = interval
        self._batch = batch
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._draining = False
        self.rounds = 0  # completed drain rounds, for health checks and tests
        self._round_done = asyncio.Condition()

    def wake(self) -> None:
        """Ask for a drain as soon as possible (cheap; safe to call often)."""
        self._wakeup.set()

    async def next_round(self) -> None:
        """Wake the pump and wait until a drain round that started after this call is done."""
        async with self._round_done:
            target = self.rounds + 2 if self._draining else self.rounds + 1
            self.wake()
            await self._round_done.wait_for(lambda: self.rounds >= target)

    async def start(self) -> None:
        """Start draining in the background."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="outbox-pump")

    async def stop(self) -> None:
        """Stop after the current round."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        while True:
            self._wakeup.clear()
            self._draining = True
            try:
                sent = await self._drain()
            except Exception:
                log.exception("outbox drain failed; retrying on the next tick")
                sent = 0
            self._draining = False
            async with self._round_done:
                self.rounds += 1
                self._round_done.notify_all()
            if sent >= self._batch:
                continue  # more may be waiting
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), self._interval)
