"""Free-text questions, English or Danish: uptime, ticket status and due time, open tickets,
service windows, hypercare, help. Anything else gets help with examples.

A customer sees only its own organisation's tickets; another customer's ticket is answered
exactly like one that does not exist. Agents see all.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from bot.app.callers import Caller, Origin, identify_in
from bot.app.commands import find_ref
from bot.app.desk import Desk
from bot.app.messages import da
from bot.app.messages import questions as msg
from bot.app.messages.phrasebook import Phrasebook
from bot.app.ports import UnitOfWork
from bot.app.replies import Reply
from bot.domain import hypercare
from bot.domain.calendar import supported
from bot.domain.models import HypercarePeriod, Identity, Ticket, TicketStatus
from bot.domain.sla import SlaSnapshot, snapshot

__all__ = ["UPCOMING_WINDOWS", "answer"]

UPCOMING_WINDOWS = timedelta(days=60)
MAX_LISTED = 25

_I = re.IGNORECASE
_HELP = re.compile(r"^\W*(help|hjælp|hjaelp|what can you do|hvad kan du( gøre)?)\W*$", _I)
_UPTIME = re.compile(
    r"up[\s-]?time|availab|oppetid|tilgængelig|is (it|the (service|system)) (up|down)|"
    r"kører (det|systemet)|er (det|systemet) nede",
    _I,
)
_WINDOWS = re.compile(
    r"service[\s-]?windows?|maintenance|servicevindue|vedligehold|planned downtime|"
    r"planlagt nedetid",
    _I,
)
_HYPERCARE = re.compile(r"hyper[\s-]?care", _I)
_TICKETS = re.compile(r"\b(tickets?|sager?|issues?|cases?)\b", _I)
_BARE_NUMBER = re.compile(
    r"(?:\bstatus\s+(?:of|for|on|på|af)\s+|\b(?:ticket|sag|case|when\s+is|hvornår\s+er)\s+"
    r"|#)#?(\d{1,9})\b",
    _I,
)
# Words that mark a question as Danish; its main answers then come in Danish (da).
_DANISH = re.compile(
    r"[æøå]|\b(hvad|hvornår|hvordan|hvilke|hvor|nogen|nogle|mine|vores|sager?|sagen|er|"
    r"nede|kører|planlagt\w*|nedetid|oppetid\w*|servicevind\w*|frist|svartid|af|for|på)\b",
    _I,
)
_DUE = re.compile(r"\b(due|deadline|when|frist|hvornår|sla|svartid)\b", _I)


async def answer(desk: Desk, *, asker: Identity, text: str, origin: Origin | None = None) -> Reply:
    """Answer one free-text question for `asker`."""
    now = desk.now()
    async with desk.store.unit() as uow:
        caller = await identify_in(uow, asker, origin)
        say = phrasebook(text)
        ref = find_ref(desk.policy, text) or _bare_ref(desk, text)
        if ref is not None:
            return await _ticket(desk, uow, caller, ref, now, say, due=bool(_DUE.search(text)))
        if _HELP.match(text):
            return msg.help_text(
                desk.policy.ticket_prefix, caller.is_agent, can_file=caller.can_file
            )
        if _UPTIME.search(text):
            return await _uptime(desk, caller, now, say)
        if _WINDOWS.search(text):
            return await _windows(desk, caller, now, say)
        if _HYPERCARE.search(text):
            return await _hypercare(desk, uow, caller, now)
        if _TICKETS.search(text):
            return await _open_tickets(desk, uow, caller, now, say)
    return msg.didnt_understand(
        desk.policy.ticket_prefix, caller.is_agent, can_file=caller.can_file
    )


# The modules are checked against the protocol here, where they are typed as it.
ENGLISH: Phrasebook = msg
DANISH: Phrasebook = da


def phrasebook(text: str) -> Phrasebook:
    """The main answers' language for this question: Danish if it is asked in Danish.

    'for' alone is English too, so it counts only beside another Danish word.
    """
    words = {m.group(0).casefold() for m in _DANISH.finditer(text)}
    return DANISH if words - {"for"} else ENGLISH


def _bare_ref(desk: Desk, text: str) -> str | None:
    """'status of 1002', 'ticket #1002', 'when is 1002 due': a number where a ticket is meant."""
    found = _BARE_NUMBER.search(text)
    return f"{desk.policy.ticket_prefix}-{int(found.group(1))}" if found else None


def _readable(ticket: Ticket) -> bool:
    """Whether a stored ticket's dates fit the calendar (rows older than the checks may not)."""
    instants = (ticket.opened_at, ticket.first_response_due, ticket.first_responded_at)
    return all(at is None or supported(at) for at in instants)


def _snap(desk: Desk, ticket: Ticket, now: datetime) -> SlaSnapshot:
    return snapshot(
        desk.calendar,
        desk.policy,
        opened=ticket.opened_at,
        priority=ticket.priority,
        now=now,
        responded_at=ticket.first_responded_at,
    )


async def _ticket(
    desk: Desk,
    uow: UnitOfWork,
    caller: Caller,
    ref: str,
    now: datetime,
    say: Phrasebook,
    *,
    due: bool,
) -> Reply:
    ticket = await uow.tickets.get(ref=ref)
    if ticket is None or not caller.can_see(ticket):
        return say.not_found(ref)
    if not _readable(ticket):
        return say.ticket_unreadable(ticket.ref)
    snap = _snap(desk, ticket, now)
    if due:
        return say.ticket_due(desk.policy, ticket, snap)
    customer = await uow.customers.get(customer_id=ticket.customer_id) if caller.is_agent else None
    return say.ticket_status(desk.policy, ticket, customer, snap)


async def _open_tickets(
    desk: Desk, uow: UnitOfWork, caller: Caller, now: datetime, say: Phrasebook
) -> Reply:
    if not (caller.is_agent or (caller.can_file and caller.customer is not None)):
        return say.end_user_no_tickets()
    open_statuses = [
        s for s in TicketStatus if s not in (TicketStatus.RESOLVED, TicketStatus.CLOSED)
    ]
    customer_id = None if caller.is_agent or caller.customer is None else caller.customer.id
    found = await uow.tickets.query(customer_id=customer_id, statuses=open_statuses)
    tickets = [t for t in found if _readable(t)]
    unreadable = [t.ref for t in found if not _readable(t)]
    tickets.sort(key=lambda t: (t.first_responded_at is not None, t.first_response_due))
    listed = [(t, _snap(desk, t, now)) for t in tickets[:MAX_LISTED]]
    customers = None
    if caller.is_agent:  # agents see every customer's tickets: say whose each one is
        customers = {c.id: c.name for c in await uow.customers.all()}
    return say.ticket_list(
        desk.policy,
        listed,
        everyone=caller.is_agent,
        total=len(tickets),
        customers=customers,
        unreadable=unreadable,
    )


def _month_start(desk: Desk, now: datetime) -> datetime:
    local = now.astimezone(desk.policy.timezone)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


async def _uptime(desk: Desk, caller: Caller, now: datetime, say: Phrasebook) -> Reply:
    customer_id = caller.customer.id if caller.customer is not None else None
    figure = await desk.monitoring.uptime(
        customer_id=customer_id, start=_month_start(desk, now), end=now
    )
    if figure is None:
        return say.no_measurements(desk.policy)
    return say.uptime(desk.policy, figure)


async def _windows(desk: Desk, caller: Caller, now: datetime, say: Phrasebook) -> Reply:
    customer_id = caller.customer.id if caller.customer is not None else None
    planned = await desk.monitoring.service_windows(
        customer_id=customer_id, start=now, end=now + UPCOMING_WINDOWS
    )
    shown = [w for w in planned if supported(w.start) and supported(w.end)]
    if not planned:
        return say.no_windows()
    return say.windows(desk.policy, shown, unreadable=len(planned) - len(shown))


async def _hypercare(desk: Desk, uow: UnitOfWork, caller: Caller, now: datetime) -> Reply:
    if caller.is_agent:
        periods = {p.customer_id: p for p in await uow.hypercare.all_current()}
        customers = [c for c in await uow.customers.all() if c.id in periods]
        if not customers:
            return msg.hypercare_unknown(None)
    elif caller.customer is not None:
        period = await uow.hypercare.current(customer_id=caller.customer.id)
        if period is None:
            return msg.hypercare_unknown(caller.customer)
        periods, customers = {caller.customer.id: period}, [caller.customer]
    else:
        return msg.hypercare_unknown(None)
    today = now.astimezone(desk.policy.timezone).date()
    lines = []
    for customer in customers:
        period = periods[customer.id]
        status = _hypercare_status(period, today)
        if status is None:
            lines.append(msg.hypercare_unreadable(customer, period.start))
        else:
            lines.append(msg.hypercare_line(customer, status))
    return msg.hypercare(lines)


def _hypercare_status(period: HypercarePeriod, today: date) -> hypercare.HypercareStatus | None:
    """Where today falls in a period, or None if its stored dates do not fit the calendar."""
    if not supported(period.start):
        return None
    try:
        return hypercare.status(period, today)
    except OverflowError:  # extended by millions of weeks: a broken row
        return None
