"""The console's Notifier: posts from the outbox appear in the terminal."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from adapters.console import PLATFORM
from adapters.console.view import View
from bot.app.replies import Reply
from bot.domain.models import Customer, Destination, ThreadRef

__all__ = ["ConsoleNotifier"]


class ConsoleNotifier:
    """Shows the posts the person at the keyboard may see; a new post starts a thread.

    `visible` decides per destination, so a customer at the console never sees another
    customer's channel; such posts land in a console channel nobody here is watching.
    """

    def __init__(
        self,
        view: View,
        *,
        run_id: str,
        visible: Callable[[Destination], bool] | None = None,
        aside: Callable[[Destination], str | None] | None = None,
    ) -> None:
        self.view = view
        self.visible = visible or (lambda _: True)
        # A console line in place of a post not shown here, e.g. pointing to `/as approver`.
        self.aside = aside or (lambda _: None)
        # Thread ids are stored on tickets, so they must not repeat across runs on one database.
        self._run_id = run_id
        self._numbers = itertools.count(1)

    def announces_in(self, customer: Customer) -> str | None:
        """The console shows every customer's support channel, under the customer's name."""
        return customer.name

    @property
    def longest_send(self) -> timedelta:
        """Printing waits for nothing."""
        return timedelta(0)

    async def deliver(
        self, *, destination: Destination, content: dict[str, Any], key: str
    ) -> ThreadRef:
        """Render the post (if visible here) and return where it landed."""
        if self.visible(destination):
            self.view.posted(destination, Reply.from_json(content))
        elif (note := self.aside(destination)) is not None:
            self.view.info(note)
        thread = destination.thread or f"{self._run_id}.{next(self._numbers)}"
        return ThreadRef(PLATFORM, destination.conversation, thread)

    async def find(self, *, destination: Destination, key: str) -> ThreadRef | None:
        """Nothing to look up: a terminal keeps no history the bot can read."""
        return None

    async def edit(self, *, destination: Destination, content: dict[str, Any]) -> None:
        """A post was redrawn: one line saying which and how it reads now (if visible here)."""
        if not self.visible(destination):
            return
        reply = Reply.from_json(content)
        place = (
            f"direct message to {destination.user}"
            if destination.user
            else f"#{destination.conversation}"
        )
        what = reply.title or (reply.text.splitlines() or [""])[0]
        status = f" -- {reply.footer}" if reply.footer else ""
        self.view.info(f"[updated in {place}] {what}{status}")
