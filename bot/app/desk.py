"""The dependencies every use case takes first, bundled once in the composition root."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.app.monitoring import Monitoring, NoMonitoring
from bot.app.ports import Clock, Store
from bot.domain.calendar import BusinessCalendar
from bot.domain.models import require_aware
from bot.domain.policy import Policy

__all__ = ["Desk"]


@dataclass(frozen=True, slots=True)
class Desk:
    """Storage, time, the agreement and its calendar (plus monitoring, when it exists)."""

    store: Store
    clock: Clock
    policy: Policy
    calendar: BusinessCalendar
    monitoring: Monitoring = field(default_factory=NoMonitoring)
    # Chats that show every customer's support channel without a binding (the console):
    # notices to all customers go there too while such a chat runs in this process.
    implicit_platforms: tuple[str, ...] = ()

    @classmethod
    def create(
        cls, *, store: Store, clock: Clock, policy: Policy, monitoring: Monitoring | None = None
    ) -> Desk:
        """A desk with a calendar built from `policy`."""
        return cls(
            store=store,
            clock=clock,
            policy=policy,
            calendar=BusinessCalendar(policy),
            monitoring=monitoring if monitoring is not None else NoMonitoring(),
        )

    def now(self) -> datetime:
        """The clock's current instant; a naive clock is a wiring bug and fails loudly."""
        return require_aware(self.clock.now(), "clock.now()")
