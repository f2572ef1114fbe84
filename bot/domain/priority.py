"""Classify a ticket's priority from the agreement's incident table."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.policy import Affected, Policy, PriorityKey

__all__ = ["Classification", "classify"]

_AFFECTED_WORDS = {
    Affected.ALL: "all users affected",
    Affected.SOME: "some users affected",
    Affected.SINGLE: "a single user affected",
}


@dataclass(frozen=True, slots=True)
class Classification:
    """A priority with its first-response target and a one-line human reason."""

    priority: PriorityKey
    name: str
    first_response_hours: int
    reason: str


def _hours(n: int) -> str:
    return f"{n} business hour" if n == 1 else f"{n} business hours"


def classify(
    policy: Policy,
    *,
    affected: Affected | None = None,
    data_loss: bool | None = None,
    inquiry: bool = False,
) -> Classification:
    """Map who is affected and the risk of data loss (or an inquiry) to a priority and reason."""
    if inquiry:
        key = policy.inquiry_priority
        why = "an inquiry"
    else:
        if affected is None or data_loss is None:
            raise ValueError("affected and data_loss are required unless it is an inquiry")
        rule = next(r for r in policy.rules if r.affected is affected and r.data_loss is data_loss)
        key = rule.priority
        loss = "with risk of data loss" if data_loss else "without risk of data loss"
        why = f"{_AFFECTED_WORDS[affected]} {loss}"
        if not rule.agreement:
            why += f" ({rule.note})"
    prio = policy.priority(key)
    hours = prio.first_response_hours
    return Classification(
        priority=key,
        name=prio.name,
        first_response_hours=hours,
        reason=f"{prio.name}: {why}, first response within {_hours(hours)}",
    )
