"""The console's Notifier: posts from the outbox appear in the terminal."""

from __future__ import annotations

import itertools
from typing import Any

from adapters.console.view import View
from bot.app.replies import Reply
from bot.domain.models import Channel, Destination, ThreadRef

__all__ = ["ConsoleNotifier"]


class ConsoleNotifier:
    """Shows each post in the view; a new post starts a thread numbered in order."""

    def __init__(self, view: View, *, run_id: str) -> None:
        self.view = view
        # Thread ids are stored on tickets, so they must not repeat across runs on one database.
        self._run_id = run_id
        self._numbers = itertools.count(1)

    async def deliver(self, *, destination: Destination, content: dict[str, Any]) -> ThreadRef:
        """Render the post and return where it landed."""
        self.view.posted(destination, Reply.from_json(content))
        thread = destination.thread or f"{self._run_id}.{next(self._numbers)}"
        return ThreadRef(Channel.CONSOLE, destination.conversation, thread)
