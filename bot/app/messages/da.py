"""The main answers to questions asked in Danish, in Danish.

A `Phrasebook` (bot.app.messages.phrasebook) like its English original
bot.app.messages.questions, so bot.app.questions picks one per question. Only the everyday
answers are here (uptime, service windows, ticket status, due time and lists); the rest stays
English. The agreement's own names (e.g.
priority names, categories) are data and shown as the policy gives them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.app.messages.text import duration
from bot.app.replies import Field, Reply
from bot.domain.calendar import MAX_YEAR, MIN_YEAR
from bot.domain.models import ApprovalState, Customer, Ticket, TicketStatus
from bot.domain.policy import Policy
from bot.domain.sla import SlaSnapshot, SlaState

if TYPE_CHECKING:
    from bot.app.monitoring import PlannedWindow, Uptime

__all__ = [
    "end_user_no_tickets",
    "no_measurements",
    "no_windows",
    "not_found",
    "ticket_due",
    "ticket_list",
    "ticket_status",
    "ticket_unreadable",
    "uptime",
    "when",
    "windows",
]

_DAYS = ("man", "tir", "ons", "tor", "fre", "lør", "søn")
_MONTHS = ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec")

STATUS_LABELS = {
    TicketStatus.OPEN: "Åben",
    TicketStatus.ACKNOWLEDGED: "Kvitteret",
    TicketStatus.IN_PROGRESS: "I gang",
    TicketStatus.WAITING_ON_CUSTOMER: "Afventer kunden",
    TicketStatus.RESOLVED: "Løst",
    TicketStatus.CLOSED: "Lukket",
}

APPROVAL_LABELS = {
    ApprovalState.NOT_REQUIRED: "ikke nødvendig (fast pris)",
    ApprovalState.PENDING: "afventer kundens godkendelse",
    ApprovalState.APPROVED: "godkendt",
    ApprovalState.DECLINED: "afvist",
}


def when(at: datetime, policy: Policy, *, zone: bool = True) -> str:
    """An instant in Danish, e.g. 'man 30 nov 2026 10:00 (dansk tid)'; seconds if not whole."""
    local = at.astimezone(policy.timezone)
    clock = "%H:%M:%S" if local.second or local.microsecond else "%H:%M"
    shown = (
        f"{_DAYS[local.weekday()]} {local.day:02d} {_MONTHS[local.month - 1]} {local.year} "
        f"{local.strftime(clock)}"
    )
    return f"{shown} (dansk tid)" if zone else shown


def _day(at: datetime, policy: Policy) -> str:
    return when(at, policy, zone=False).rsplit(" ", 1)[0]


def _time_left(delta: timedelta) -> str:
    # The English rule and rounding (bot.app.messages.time_left), in Danish units.
    if timedelta(0) <= delta < timedelta(minutes=1):
        return "under et minut"
    return duration(delta).replace(" h", " t")


def not_found(ref: str) -> Reply:
    """The same answer for a missing ticket and for another customer's ticket."""
    return Reply(text=f"Jeg kan ikke finde en sag {ref.upper()}.", private=True)


def no_measurements(policy: Policy) -> Reply:
    """Uptime asked before any availability sample exists."""
    return Reply(
        text="Der findes endnu ingen målinger af tilgængeligheden, så jeg kan ikke give et tal "
        f"for oppetiden. Aftalens mål er {policy.availability_target_percent:g}% pr. "
        "kalendermåned inden for åbningstiden, målt hvert "
        f"{policy.sample_interval_minutes}. minut.",
        private=True,
    )


def uptime(policy: Policy, figure: Uptime) -> Reply:
    """This month's availability against the target."""
    target = policy.availability_target_percent
    verdict = "opfylder" if figure.percent >= target else "er under"
    return Reply(
        text=f"Oppetid i denne måned indtil nu: {figure.percent:.2f}% ({figure.samples} "
        f"målinger siden {_day(figure.start, policy)}), hvilket {verdict} målet på "
        f"{target:g}%.",
        private=True,
    )


def no_windows() -> Reply:
    """No service windows planned."""
    return Reply(text="Der er ingen ekstraordinære servicevinduer planlagt.", private=True)


_SPAN = f"de understøttede år {MIN_YEAR}-{MAX_YEAR}"


def windows(policy: Policy, planned: Sequence[PlannedWindow], *, unreadable: int = 0) -> Reply:
    """Planned service windows, and how many on record have dates that cannot be shown."""
    lines = [
        f"- {when(w.start, policy)} til {when(w.end, policy)}"
        + (f" ({w.service})" if w.service else "")
        + f": {w.reason}"
        for w in planned
    ]
    if unreadable:
        noun = "servicevindue" if unreadable == 1 else "servicevinduer"
        lines.append(
            f"{unreadable} {noun} kan ikke vises: en dato ligger uden for {_SPAN}. "
            "Serviceleverandøren kan rette det."
        )
    return Reply(title="Planlagte servicevinduer", text="\n".join(lines), private=True)


def sla_line(policy: Policy, ticket: Ticket, snap: SlaSnapshot) -> str:
    """The first-response clock of a ticket, in Danish."""
    due = when(ticket.first_response_due, policy)
    if ticket.first_responded_at is not None:
        given = when(ticket.first_responded_at, policy, zone=False)
        late = ", for sent" if ticket.first_responded_at > ticket.first_response_due else ""
        return f"første svar givet {given}{late} (frist {due})"
    if snap.state is SlaState.BREACHED:
        return f"første svar overskredet siden {due}"
    risk = ", i fare" if snap.state is SlaState.AT_RISK else ""
    return f"første svar senest {due}, {_time_left(snap.remaining)} arbejdstid tilbage{risk}"


def ticket_status(
    policy: Policy, ticket: Ticket, customer: Customer | None, snap: SlaSnapshot
) -> Reply:
    """The answer to 'status på SUP-12'."""
    fields = [
        Field("Status", STATUS_LABELS[ticket.status]),
        Field("Prioritet", policy.priority(ticket.priority).name),
        Field("Oprettet", when(ticket.opened_at, policy)),
        Field("SLA", sla_line(policy, ticket, snap)),
    ]
    if customer is not None:
        fields.insert(0, Field("Kunde", customer.name))
    if ticket.consultancy:
        fields.append(Field("Godkendelse af konsulentydelse", APPROVAL_LABELS[ticket.approval]))
    return Reply(
        title=f"{ticket.ref}: {ticket.summary}",
        text=f"{ticket.ref} er {STATUS_LABELS[ticket.status].lower()}.",
        fields=tuple(fields),
        private=True,
    )


def ticket_unreadable(ref: str) -> Reply:
    """A ticket whose stored dates cannot be shown (written before dates were checked)."""
    return Reply(
        text=f"{ref} kan ikke vises: en dato på sagen ligger uden for {_SPAN}. "
        "Serviceleverandøren kan rette det.",
        private=True,
    )


def ticket_due(policy: Policy, ticket: Ticket, snap: SlaSnapshot) -> Reply:
    """The answer to 'hvornår er SUP-12 due'."""
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
    """The answer to 'mine åbne sager' (the sager in `unreadable` cannot be shown)."""
    unshown = (
        [f"Ikke vist, en gemt dato ligger uden for {_SPAN}: {', '.join(unreadable)}."]
        if unreadable
        else []
    )
    if not tickets:
        none = "Der er ingen åbne sager." if everyone else "I har ingen åbne sager."
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
            f"Viser de {len(tickets)} mest presserende af {total} åbne sager; spørg om en "
            f"bestemt med dens nummer, fx 'status på {tickets[0][0].ref}'."
        )
    lines += unshown
    title = "Åbne sager" if everyone else "Jeres åbne sager"
    count = f"{len(tickets)} af {total}" if total > len(tickets) else f"{total}"
    return Reply(title=f"{title} ({count})", text="\n".join(lines), private=True)


def end_user_no_tickets() -> Reply:
    """End users have no tickets with the service provider."""
    return Reply(
        text="Sager oprettes af jeres organisations supportkontakter, så jeg har ingen til dig. "
        "Spørg jeres egen IT-support om din henvendelse.",
        private=True,
    )
