"""The answers to everyday questions that come in more than one language.

`bot.app.messages.questions` (English) and `bot.app.messages.da` (Danish) each implement it as
a module; `bot.app.questions` picks one per question.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Protocol

from bot.app.replies import Reply
from bot.domain.models import Customer, Ticket
from bot.domain.policy import Policy
from bot.domain.sla import SlaSnapshot

if TYPE_CHECKING:
    from bot.app.monitoring import PlannedWindow, Uptime

__all__ = ["Phrasebook"]


class Phrasebook(Protocol):
    """One language's answers about tickets, uptime and service windows."""

    def not_found(self, ref: str) -> Reply:
        """The same answer for a missing ticket and for another customer's ticket."""
        ...

    def ticket_status(
        self, policy: Policy, ticket: Ticket, customer: Customer | None, snap: SlaSnapshot
    ) -> Reply:
        """One ticket's status, priority, opening and SLA (`customer` named for agents)."""
        ...

    def ticket_due(self, policy: Policy, ticket: Ticket, snap: SlaSnapshot) -> Reply:
        """When a ticket's first response is due, or when it came."""
        ...

    def ticket_list(
        self,
        policy: Policy,
        tickets: Sequence[tuple[Ticket, SlaSnapshot]],
        *,
        everyone: bool,
        total: int | None = None,
        customers: Mapping[int, str] | None = None,
        unreadable: Sequence[str] = (),
    ) -> Reply:
        """Open tickets, the most urgent first (those in `unreadable` cannot be shown)."""
        ...

    def ticket_unreadable(self, ref: str) -> Reply:
        """A ticket whose stored dates lie outside the supported years."""
        ...

    def end_user_no_tickets(self) -> Reply:
        """An end user asked for their tickets: they file through their own IT support."""
        ...

    def no_measurements(self, policy: Policy) -> Reply:
        """Uptime asked before any measurement exists."""
        ...

    def uptime(self, policy: Policy, figure: Uptime) -> Reply:
        """This month's uptime against the agreement's target."""
        ...

    def no_windows(self) -> Reply:
        """No extraordinary service windows are planned."""
        ...

    def windows(
        self, policy: Policy, planned: Sequence[PlannedWindow], *, unreadable: int = 0
    ) -> Reply:
        """The planned extraordinary service windows (`unreadable` more cannot be shown)."""
        ...
