"""The wording of answers to free-text questions: help, uptime, windows, tickets, hypercare."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING

from bot.app.replies import Field, Reply
from bot.domain.calendar import MAX_YEAR, MIN_YEAR
from bot.domain.hypercare import HypercareStatus, Phase
from bot.domain.models import Customer, Ticket
from bot.domain.policy import Policy
from bot.domain.sla import SlaSnapshot, SlaState

if TYPE_CHECKING:
    from bot.app.monitoring import PlannedWindow, Uptime
from bot.app.messages.text import (
    APPROVAL_LABELS,
    STATUS_LABELS,
    day,
    plural,
    priority_name,
    time_left,
    when,
)


def help_text(prefix: str, agent: bool, *, can_file: bool = True) -> Reply:
    """What the bot understands, with examples; how to report a problem depends on who asks
    (`can_file`: a registered customer contact; end users go to their 1st-level support)."""
    ref = f"{prefix}-1001"
    lines = [
        "I can help with these (English or Danish):",
        "  what's current uptime?  /  hvad er oppetiden?",
        f"  status of {ref}",
        f"  when is {ref} due?",
        "  my open tickets  /  mine åbne sager",
        "  any service windows planned?",
        "  hypercare status",
    ]
    if can_file and not agent:  # agents act on tickets; customers' contacts file them
        lines.append("To report a problem, use /ticket.")
    elif not agent:
        lines.append(
            "To report a problem, contact your organisation's own IT support (1st-level "
            "support) first; they file a ticket with us when it needs 2nd-level support."
        )
    if agent:
        lines += [
            "As an agent: ack, start, wait, resolve, close, reopen, reply, priority, log, e.g.",
            f"  ack {ref}   reply {ref} We are on it   priority {ref} high all stores down",
            f"  log {ref} 1.5h restored the deleted locations",
            "Service windows: window add 2026-12-01 20:00-23:00 reason Database upgrade",
            "  window change ID ..., window cancel ID, window list (type 'window' for more)",
        ]
    return Reply(title="Help", text="\n".join(lines), private=True)


def didnt_understand(prefix: str, agent: bool, *, can_file: bool = True) -> Reply:
    """Anything the bot cannot answer gets help with examples."""
    base = help_text(prefix, agent, can_file=can_file)
    return Reply(title=base.title, text="I didn't catch that.\n" + base.text, private=True)


def not_found(ref: str) -> Reply:
    """The same answer for a missing ticket and for another customer's ticket."""
    return Reply(text=f"I can't find a ticket {ref.upper()}.", private=True)


def no_measurements(policy: Policy) -> Reply:
    """Uptime asked before any availability sample exists."""
    return Reply(
        text="No availability measurements exist yet, so I can't give an uptime figure. "
        f"The agreement's target is {policy.availability_target_percent:g}% per calendar "
        "month within operating hours, measured every "
        f"{policy.sample_interval_minutes} minutes.",
        private=True,
    )


def uptime(policy: Policy, figure: Uptime) -> Reply:
    """This month's availability against the target."""
    target = policy.availability_target_percent
    verdict = "meets" if figure.percent >= target else "is below"
    return Reply(
        text=f"Uptime this month so far: {figure.percent:.2f}% ({figure.samples} measurements "
        f"since {day(figure.start, policy)}), which {verdict} the {target:g}% target.",
        private=True,
    )


def no_windows() -> Reply:
    """No service windows planned."""
    return Reply(text="No extraordinary service windows are planned.", private=True)


_SPAN = f"the supported years {MIN_YEAR}-{MAX_YEAR}"


def windows(policy: Policy, planned: Sequence[PlannedWindow], *, unreadable: int = 0) -> Reply:
    """Planned service windows, and how many on record have dates that cannot be shown."""
    lines = [
        f"- {when(w.start, policy)} to {when(w.end, policy)}"
        + (f" ({w.service})" if w.service else "")
        + f": {w.reason}"
        for w in planned
    ]
    if unreadable:
        lines.append(
            f"{plural(unreadable, 'service window')} on record cannot be shown: a date lies "
            f"outside {_SPAN}. The service provider can correct it."
        )
    return Reply(title="Planned service windows", text="\n".join(lines), private=True)


def ticket_unreadable(ref: str) -> Reply:
    """A ticket whose stored dates cannot be shown (written before dates were checked)."""
    return Reply(
        text=f"{ref} cannot be shown: a date stored on it lies outside {_SPAN}. The service "
        "provider can correct it.",
        private=True,
    )


def sla_line(policy: Policy, ticket: Ticket, snap: SlaSnapshot) -> str:
    """The first-response clock of a ticket, in words."""
    due = when(ticket.first_response_due, policy)
    if ticket.first_responded_at is not None:
        given = when(ticket.first_responded_at, policy, zone=False)
        # The stored due instant is the one it was measured against (a later priority
        # change does not move it), so the outcome is read from it, not recomputed.
        late = ", late" if ticket.first_responded_at > ticket.first_response_due else ""
        return f"first response given {given}{late} (due {due})"
    if snap.state is SlaState.BREACHED:
        return f"first response overdue since {due}"
    risk = ", at risk" if snap.state is SlaState.AT_RISK else ""
    left = time_left(snap.remaining)
    return f"first response due {due}, {left} of business time left{risk}"


def ticket_status(
    policy: Policy, ticket: Ticket, customer: Customer | None, snap: SlaSnapshot
) -> Reply:
    """The answer to 'status of SUP-12'."""
    fields = [
        Field("Status", STATUS_LABELS[ticket.status]),
        Field("Priority", priority_name(policy, ticket.priority)),
        Field("Opened", when(ticket.opened_at, policy)),
        Field("SLA", sla_line(policy, ticket, snap)),
    ]
    if customer is not None:
        fields.insert(0, Field("Customer", customer.name))
    if ticket.consultancy:
        fields.append(Field("Consultancy approval", APPROVAL_LABELS[ticket.approval]))
    return Reply(
        title=f"{ticket.ref}: {ticket.summary}",
        text=f"{ticket.ref} is {STATUS_LABELS[ticket.status].lower()}.",
        fields=tuple(fields),
        private=True,
    )


def ticket_due(policy: Policy, ticket: Ticket, snap: SlaSnapshot) -> Reply:
    """The answer to 'when is SUP-12 due'."""
    return Reply(text=f"{ticket.ref}: {sla_line(policy, ticket, snap)}.", private=True)


def ticket_list(
    policy: Policy,
    tickets: Sequence[tuple[Ticket, SlaSnapshot]],
    *,
    everyone: bool,
    total: int | None = None,
    customers: Mapping[int, str] | None = None,
    unreadable: Sequence[str] = (),
) -> Reply:
    """The answer to 'my open tickets': `total` open of which `tickets` are listed, each with
    its customer's name when `customers` (id -> name) is given (an agent's list); the tickets
    whose dates cannot be shown are named in `unreadable`."""
    unshown = (
        [f"Not shown, a stored date lies outside {_SPAN}: {', '.join(unreadable)}."]
        if unreadable
        else []
    )
    if not tickets:
        none = "There are no open tickets." if everyone else "You have no open tickets."
        return Reply(text="\n".join([none, *unshown]), private=True)
    lines = [
        f"- {t.ref} [{policy.priority(t.priority).name}, {STATUS_LABELS[t.status].lower()}] "
        + (f"{customers.get(t.customer_id, '?')}: " if customers is not None else "")
        + f"{t.summary} ({sla_line(policy, t, s)})"
        for t, s in tickets
    ]
    total = len(tickets) if total is None else total
    if total > len(tickets):
        lines.append(
            f"Showing the {len(tickets)} most urgent of {total} open tickets; ask about one "
            f"by its reference, e.g. 'status of {tickets[0][0].ref}'."
        )
    lines += unshown
    title = "Open tickets" if everyone else "Your organisation's open tickets"
    count = f"{len(tickets)} of {total}" if total > len(tickets) else f"{total}"
    return Reply(title=f"{title} ({count})", text="\n".join(lines), private=True)


def end_user_no_tickets() -> Reply:
    """End users have no tickets with the service provider."""
    return Reply(
        text="Tickets are filed by your organisation's support contacts, so I have none "
        "for you. Please ask your own IT support about your request.",
        private=True,
    )


def hypercare_unknown(customer: Customer | None) -> Reply:
    """No go-live date recorded."""
    who = customer.name if customer is not None else "your organisation"
    return Reply(
        text=f"No go-live date is recorded for {who}, so hypercare has not been scheduled.",
        private=True,
    )


def date_text(value: date) -> str:
    """A calendar date, e.g. 'Mon 30 Nov 2026'."""
    return f"{value:%a %d %b %Y}"


def _extended(status: HypercareStatus) -> str:
    if not status.extended_by:
        return ""
    return f", extended by {plural(status.extended_by, 'week')}"


def hypercare_line(customer: Customer, status: HypercareStatus) -> str:
    """One customer's hypercare as of today: not yet started, running, or over."""
    if status.phase is Phase.BEFORE:
        return (
            f"{customer.name}: hypercare starts at go-live on {date_text(status.start)} and lasts "
            f"{plural(status.weeks, 'week')}{_extended(status)}, until {date_text(status.end)}."
        )
    if status.phase is Phase.DURING:
        return (
            f"{customer.name}: in hypercare since go-live on {date_text(status.start)}, week "
            f"{status.week} of {status.weeks}{_extended(status)}; it is planned to end "
            f"{date_text(status.end)} ({plural(status.days_left or 0, 'day')} left), once the "
            "system is stable and the move to standard support is agreed."
        )
    return (
        f"{customer.name}: hypercare ended on {date_text(status.end)}; standard support under "
        "the agreement applies."
    )


def hypercare_unreadable(customer: Customer, start: date) -> str:
    """A hypercare period on record whose dates cannot be worked with."""
    return (
        f"{customer.name}: the hypercare on record (go-live {start.isoformat()}) lies outside "
        f"{_SPAN}; the service provider can correct it with `supportbot customer set`."
    )


def hypercare(lines: Sequence[str]) -> Reply:
    """One or more hypercare lines."""
    return Reply(title="Hypercare", text="\n".join(lines), private=True)
