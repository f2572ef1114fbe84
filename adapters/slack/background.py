"""Work after the ack: tracked background tasks."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

__all__ = ["Background"]

log = logging.getLogger(__name__)


class Background:
    """Runs coroutines after the HTTP answer went out; keeps references, logs failures.

    Acks come first: while requests keep arriving (a burst), new work waits until `quiet`
    seconds pass without another spawn, but never longer than `max_defer` (Slack's trigger
    ids live 3 s; opening a modal takes far less). A lone request waits only `quiet`.
    """

    def __init__(self, *, limit: int = 64, quiet: float = 0.005, max_defer: float = 0.25) -> None:
        self._tasks: set[asyncio.Task[None]] = set()
        self._slots = asyncio.Semaphore(limit)
        self._idle = asyncio.Event()
        self._idle.set()
        self._quiet = quiet
        self._max_defer = max_defer
        self._last_spawn = 0.0

    def spawn(self, work: Coroutine[Any, Any, None], *, name: str = "slack") -> None:
        """Start `work` soon (bounded concurrency); errors are logged, never raised."""
        loop = asyncio.get_running_loop()
        self._last_spawn = loop.time()
        task = loop.create_task(self._run(work, name, self._last_spawn), name=name)
        self._tasks.add(task)
        self._idle.clear()
        task.add_done_callback(self._done)

    async def _after_burst(self, queued: float) -> None:
        loop = asyncio.get_running_loop()
        while True:
            now = loop.time()
            wait = min(self._last_spawn + self._quiet, queued + self._max_defer) - now
            if wait <= 0:
                return
            await asyncio.sleep(wait)

    async def _run(self, work: Coroutine[Any, Any, None], name: str, queued: float) -> None:
        try:
            await self._after_burst(queued)
        except asyncio.CancelledError:
            work.close()
            raise
        async with self._slots:
            try:
                await work
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("background work %s failed", name)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not self._tasks:
            self._idle.set()

    async def idle(self) -> None:
        """Wait until no background work is left (tests, shutdown)."""
        await self._idle.wait()

    async def close(self) -> None:
        """Cancel what is left and wait for it."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
