"""The wording of the SLA countdown: thread posts, the announcement's SLA line, escalations."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.app.messages.text import duration, time_left, when
from bot.app.replies import Field, Reply
from bot.domain.countdown import Milestone, MilestoneKind
from bot.domain.models import Customer, Ticket
from bot.domain.policy import Policy
from bot.domain.sla import SlaSnapshot, SlaState

__all__ = [
    "STATE_LABELS",
    "countdown_post",
    "due_moved",
    "escalation",
    "sla_field",
]

_ZERO = timedelta(0)

STATE_LABELS = {
    SlaState.ON_TRACK: "On track",
    SlaState.AT_RISK: "At risk",
    SlaState.BREACHED: "Breached",
    SlaState.MET: "Met",
}


def sla_field(policy: Policy, ticket: Ticket, snap: SlaSnapshot, at: datetime) -> Field:
    """The announcement's SLA line: the state and the time left as of `at` (when it was drawn)."""
    if ticket.first_responded_at is not None:
        given = when(ticket.first_responded_at, policy, zone=False)
        # The stored due instant is what the response was measured against.
        if ticket.first_responded_at <= ticket.first_response_due:
            return Field("SLA", f"{STATE_LABELS[SlaState.MET]}: first response given {given}")
        late = duration(snap.remaining) if snap.remaining < _ZERO else ""
        text = f"{STATE_LABELS[SlaState.BREACHED]}: first response given {given}"
        return Field("SLA", f"{text}, {late} late" if late else text)
    as_of = when(at, policy, zone=False)
    # The countdown's breach falls at the due instant itself: no time left is breached.
    if snap.state is SlaState.BREACHED or snap.remaining <= _ZERO:
        if snap.remaining >= _ZERO:  # drawn at the due instant itself
            return Field("SLA", f"{STATE_LABELS[SlaState.BREACHED]}: no time left as of {as_of}")
        late = duration(snap.remaining)
        return Field("SLA", f"{STATE_LABELS[SlaState.BREACHED]}: {late} late as of {as_of}")
    left = time_left(snap.remaining)
    return Field("SLA", f"{STATE_LABELS[snap.state]}: {left} left as of {as_of}")


def countdown_post(
    policy: Policy, ticket: Ticket, milestone: Milestone, snap: SlaSnapshot, now: datetime
) -> Reply:
    """The post in the ticket's thread at a threshold, the breach or a reminder.

    Said with the state as of `now`: after downtime the newest crossed milestone is posted
    late, and the figures are the current ones, not those of the moment it was crossed.
    """
    due = when(snap.due, policy)
    breached = milestone.kind is not MilestoneKind.THRESHOLD or snap.state is SlaState.BREACHED
    state = STATE_LABELS[SlaState.BREACHED if breached else snap.state]
    if milestone.kind is MilestoneKind.THRESHOLD:
        text = (
            f"{milestone.label} % of the first-response time of {ticket.ref} has passed without "
            f"a first response. {time_left(snap.remaining).capitalize()} of business time left; "
            f"the first response is due {due}."
        )
        if snap.state is SlaState.BREACHED:  # a catch-up that came after the due instant
            text = (
                f"{ticket.ref} has had no first response and is now "
                f"{duration(snap.remaining)} of business time late (due {due})."
            )
    elif milestone.kind is MilestoneKind.BREACH:
        text = (
            f"{ticket.ref} breached its first-response time: it was due {due} and has had no "
            f"first response. {_late(snap)}"
        )
    else:
        text = (
            f"Reminder: {ticket.ref} still has no first response, "
            f"{duration(snap.remaining)} of business time after it was due ({due})."
        )
    return Reply(text=text, footer=f"SLA: {state}, as of {when(now, policy)}")


def _late(snap: SlaSnapshot) -> str:
    if snap.remaining >= _ZERO:
        return "No business time is left."
    return f"It is {duration(snap.remaining)} of business time late."


def escalation(
    policy: Policy,
    ticket: Ticket,
    customer: Customer,
    milestone: Milestone,
    snap: SlaSnapshot,
    now: datetime,
) -> Reply:
    """The post in the provider's own channel at a breach and at each reminder after it."""
    late = duration(snap.remaining) if snap.remaining < _ZERO else "less than a minute"
    priority = policy.priority(ticket.priority).name
    what = "Breach" if milestone.kind is MilestoneKind.BREACH else "Still breached"
    return Reply(
        title=f"{what}: {ticket.ref} has no first response",
        text=(
            f"{ticket.ref} for {customer.name} ({priority}) was "
            f"due {when(snap.due, policy)} and is {late} of business time late."
        ),
        fields=(
            Field("Ticket", ticket.ref),
            Field("Customer", customer.name),
            Field("Priority", priority),
            Field("Late", late),
        ),
        footer=f"As of {when(now, policy)}",
    )


def due_moved(policy: Policy, ticket: Ticket, before: datetime, after: datetime) -> Reply:
    """Posted in the thread when a change of the business calendar moves the due instant."""
    return Reply(
        text=(
            f"The support calendar changed, so the first response to {ticket.ref} is now due "
            f"{when(after, policy)} (it was {when(before, policy)})."
        ),
    )
