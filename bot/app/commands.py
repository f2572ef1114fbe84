"""Parsing what people type: ticket references, action verbs, durations, statuses, priorities.

Shared by the console and by direct messages in chats, so "ack SUP-1001" means the same
everywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.domain.models import TicketStatus
from bot.domain.policy import Policy, PriorityKey

__all__ = [
    "Command",
    "find_ref",
    "parse_command",
    "parse_duration",
    "parse_priority",
    "parse_status",
]

MAX_MINUTES = 24 * 60

# Verb -> action name (the constants of bot.app.actions; strings here to avoid an import cycle).
VERBS = {
    "ack": "ticket.acknowledge",
    "acknowledge": "ticket.acknowledge",
    "kvitter": "ticket.acknowledge",
    "start": "ticket.start",
    "begin": "ticket.start",
    "wait": "ticket.wait",
    "resolve": "ticket.resolve",
    "solve": "ticket.resolve",
    "løs": "ticket.resolve",
    "close": "ticket.close",
    "luk": "ticket.close",
    "reopen": "ticket.reopen",
    "genåbn": "ticket.reopen",
    "set": "ticket.status",
    "approve": "ticket.approve",
    "godkend": "ticket.approve",
    "decline": "ticket.decline",
    "reject": "ticket.decline",
    "afvis": "ticket.decline",
    "reply": "ticket.reply",
    "answer": "ticket.reply",
    "svar": "ticket.reply",
    "priority": "ticket.reprioritise",
    "prio": "ticket.reprioritise",
    "reprioritise": "ticket.reprioritise",
    "reprioritize": "ticket.reprioritise",
    "log": "ticket.log_time",
}

_STATUS_WORDS = {
    "open": TicketStatus.OPEN,
    "acknowledged": TicketStatus.ACKNOWLEDGED,
    "in progress": TicketStatus.IN_PROGRESS,
    "in_progress": TicketStatus.IN_PROGRESS,
    "started": TicketStatus.IN_PROGRESS,
    "waiting": TicketStatus.WAITING_ON_CUSTOMER,
    "waiting on customer": TicketStatus.WAITING_ON_CUSTOMER,
    "waiting_on_customer": TicketStatus.WAITING_ON_CUSTOMER,
    "resolved": TicketStatus.RESOLVED,
    "closed": TicketStatus.CLOSED,
}

_DURATION = re.compile(
    r"^(?:(?P<h>\d+(?:[.,]\d+)?)\s*(?:h|hr|hrs|hours?|t|timer?)\b\s*)?"
    r"(?:(?P<m>\d+)\s*(?:m|min|mins|minutes?|minutter)\b)?",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Command:
    """An action typed as text: the action name, the ticket reference and the rest."""

    action: str
    ref: str | None
    text: str


def ref_pattern(policy: Policy) -> re.Pattern[str]:
    """Ticket references of this deployment, e.g. SUP-1001 (case-insensitive)."""
    return re.compile(rf"\b{re.escape(policy.ticket_prefix)}-\d+\b", re.IGNORECASE)


def find_ref(policy: Policy, text: str) -> str | None:
    """The first ticket reference in `text`, upper-cased, or None."""
    found = ref_pattern(policy).search(text)
    return found.group(0).upper() if found else None


def parse_command(policy: Policy, text: str) -> Command | None:
    """An action command ('ack SUP-1001', 'log 1.5h SUP-1001 note'), or None if not one."""
    words = text.strip().split(maxsplit=1)
    if not words:
        return None
    action = VERBS.get(words[0].casefold())
    if action is None:
        return None
    rest = words[1] if len(words) > 1 else ""
    ref = find_ref(policy, rest)
    if ref is None:
        if not rest:
            return Command(action, None, "")
        return None  # "log in problems" is not a command without a reference
    remaining = " ".join(ref_pattern(policy).sub(" ", rest, count=1).split())
    return Command(action, ref, remaining)


def parse_duration(text: str) -> tuple[int, str] | None:
    """Minutes and the remaining note from '1.5h note', '1h 30m', '90m', '2 hours'."""
    stripped = text.strip()
    found = _DURATION.match(stripped)
    if found is None or not (found.group("h") or found.group("m")):
        return None
    minutes = 0.0
    if found.group("h"):
        minutes += float(found.group("h").replace(",", ".")) * 60
    if found.group("m"):
        minutes += int(found.group("m"))
    whole = round(minutes)
    if not 0 < whole <= MAX_MINUTES:
        return None
    return whole, stripped[found.end() :].strip()


def parse_status(text: str) -> TicketStatus | None:
    """A ticket status from its value or a common phrase."""
    return _STATUS_WORDS.get(" ".join(text.replace("-", " ").split()).casefold())


def parse_priority(policy: Policy, text: str) -> tuple[PriorityKey, str] | None:
    """A priority (key or name, case-insensitive) at the start of `text`, and the rest."""
    words = text.strip().split(maxsplit=1)
    if not words:
        return None
    wanted = words[0].casefold()
    for rule in policy.priorities:
        if wanted in (rule.key.value, rule.name.casefold()):
            return rule.key, words[1].strip() if len(words) > 1 else ""
    return None
