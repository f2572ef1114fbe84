"""Parsing what people type: ticket references, action verbs, durations, statuses, priorities.

Shared by the console and by direct messages in chats, so "ack SUP-1001" means the same
everywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.domain.lifecycle import Action
from bot.domain.models import TicketStatus
from bot.domain.policy import Policy, PriorityKey

__all__ = [
    "VERBS",
    "Command",
    "duration_text",
    "find_ref",
    "parse_command",
    "parse_priority",
    "parse_status",
    "priority_words",
    "read_duration",
]

_A = Action
# Verb -> the action it names.
VERBS: dict[str, Action] = {
    "ack": _A.ACKNOWLEDGE,
    "acknowledge": _A.ACKNOWLEDGE,
    "kvitter": _A.ACKNOWLEDGE,
    "start": _A.START,
    "begin": _A.START,
    "wait": _A.WAIT,
    "resolve": _A.RESOLVE,
    "solve": _A.RESOLVE,
    "løs": _A.RESOLVE,
    "close": _A.CLOSE,
    "luk": _A.CLOSE,
    "reopen": _A.REOPEN,
    "genåbn": _A.REOPEN,
    "set": _A.SET_STATUS,
    "approve": _A.APPROVE,
    "godkend": _A.APPROVE,
    "decline": _A.DECLINE,
    "reject": _A.DECLINE,
    "afvis": _A.DECLINE,
    "reply": _A.REPLY,
    "answer": _A.REPLY,
    "svar": _A.REPLY,
    "priority": _A.REPRIORITISE,
    "prio": _A.REPRIORITISE,
    "reprioritise": _A.REPRIORITISE,
    "reprioritize": _A.REPRIORITISE,
    "log": _A.LOG_TIME,
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

# '1.5h', '1,5 t', '2 hours', '1h30m', '1 h 30 min', '90m' or clock style '1:30'; a sign is
# read only to refuse it by name. A unit must not run on into a word ('1 hotfix' is no hour).
_NOT_LETTER = r"(?![^\W\d_])"
_DANISH_PRIORITIES = {
    "kritisk": PriorityKey.HIGHEST,
    "højest": PriorityKey.HIGHEST,
    "højeste": PriorityKey.HIGHEST,
    "høj": PriorityKey.HIGH,
    "mellem": PriorityKey.MEDIUM,
    "middel": PriorityKey.MEDIUM,
    "lav": PriorityKey.LOW,
    "lavest": PriorityKey.LOWEST,
    "laveste": PriorityKey.LOWEST,
    "forespørgsel": PriorityKey.LOWEST,
}

_DURATION = re.compile(
    r"^(?P<sign>[-−+])?\s*(?:"
    r"(?P<ch>\d{1,3}):(?P<cm>[0-5]\d)(?!\d)"
    r"|(?:(?P<h>\d+(?:[.,]\d+)?)\s*(?:hours?|hrs|hr|h|timer|time|t)" + _NOT_LETTER + r"\s*)?"
    r"(?:(?P<m>\d+)\s*(?:minutes?|minutter|minut|mins|min|m)" + _NOT_LETTER + r")?"
    r")",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Command:
    """An action typed as text: the action name, the ticket reference and the rest."""

    action: Action
    ref: str | None
    text: str


def ref_pattern(policy: Policy) -> re.Pattern[str]:
    """Ticket references of this deployment, e.g. SUP-1001, also typed 'SUP 1001' or
    'sup1001' (case-insensitive); the number is group 1."""
    return re.compile(rf"\b{re.escape(policy.ticket_prefix)}[-\s]?(\d+)\b", re.IGNORECASE)


def find_ref(policy: Policy, text: str) -> str | None:
    """The first ticket reference in `text` in its canonical form (SUP-1001), or None."""
    found = ref_pattern(policy).search(text)
    return f"{policy.ticket_prefix}-{found.group(1)}" if found else None


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


def read_duration(text: str) -> tuple[int, str] | None:
    """Minutes (any amount, negative if signed so) and the remaining note from a leading
    duration such as '1.5h note', '1h30m', '1:30', '90m', '1,5 t'; None if none leads."""
    stripped = text.strip()
    found = _DURATION.match(stripped)
    if found is None or not any(found.group(g) for g in ("h", "m", "ch")):
        return None
    minutes = 0.0
    if found.group("ch"):
        minutes = int(found.group("ch")) * 60 + int(found.group("cm"))
    if found.group("h"):
        minutes += float(found.group("h").replace(",", ".")) * 60
    if found.group("m"):
        minutes += int(found.group("m"))
    whole = round(minutes)
    if found.group("sign") in ("-", "\u2212"):
        whole = -whole
    return whole, stripped[found.end() :].strip()


def duration_text(text: str) -> str:
    """The leading duration of `text` as typed (for naming it in an error), else all of it."""
    found = _DURATION.match(text.strip())
    return found.group(0).strip() if found is not None and found.group(0).strip() else text


def parse_status(text: str) -> TicketStatus | None:
    """A ticket status from its value or a common phrase."""
    return _STATUS_WORDS.get(" ".join(text.replace("-", " ").split()).casefold())


def priority_words(policy: Policy) -> dict[str, PriorityKey]:
    """Every word that names a priority: its key and name, its agreement label where only one
    priority has it (e.g. 'critical', 'inquiry'), and the Danish names."""
    words: dict[str, PriorityKey] = dict(_DANISH_PRIORITIES)
    labels: dict[str, list[PriorityKey]] = {}
    for rule in policy.priorities:
        labels.setdefault(rule.label.casefold(), []).append(rule.key)
    words.update({label: keys[0] for label, keys in labels.items() if len(keys) == 1})
    for rule in policy.priorities:
        words[rule.key.value] = rule.key
        words[rule.name.casefold()] = rule.key
    return words


def parse_priority(policy: Policy, text: str) -> tuple[PriorityKey, str] | None:
    """A priority (key, name, label or Danish name, case-insensitive) at the start of `text`,
    and the rest."""
    words = text.strip().split(maxsplit=1)
    if not words:
        return None
    key = priority_words(policy).get(words[0].casefold().rstrip(":,."))
    if key is None:
        return None
    return key, words[1].strip() if len(words) > 1 else ""
