"""The ticket intake: one form definition, its validation, and what filing the answers means.

Slack and Teams render `intake_form(policy)` at once and submit all answers to
`validate_answers`; the console and direct messages walk the same questions step by step
(bot/app/dialogue.py). Both end in `Answers`, each answer parsed once, which `assess` turns
into everything filing needs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType

from bot.app.forms import Choice, Form, Question, QuestionKind
from bot.app.messages import intake as msg
from bot.domain.calendar import BusinessCalendar
from bot.domain.policy import Affected, Policy, PriorityKey
from bot.domain.priority import classify
from bot.domain.sla import first_response_due, snapshot
from bot.domain.text import UnsafeTextError, clean

__all__ = [
    "AFFECTED",
    "CATEGORY",
    "DATA_LOSS",
    "DESCRIPTION",
    "DETAILS",
    "ENVIRONMENT",
    "INQUIRY",
    "OTHER",
    "SINCE",
    "SUMMARY",
    "USERS",
    "Answers",
    "Assessment",
    "IntakeError",
    "assess",
    "intake_form",
    "parse_answer",
    "validate_answers",
]

SUMMARY = "summary"
DESCRIPTION = "description"
AFFECTED = "affected"
DATA_LOSS = "data_loss"
CATEGORY = "category"
ENVIRONMENT = "environment"
SINCE = "since"
USERS = "users"
DETAILS = (ENVIRONMENT, SINCE, USERS)  # optional; kept with the ticket when given

INQUIRY = "inquiry"  # the AFFECTED answer for "just a question"
OTHER = "other"  # the CATEGORY answer for "something else"
YES, NO = "yes", "no"

SUMMARY_MAX = 150
DETAIL_MAX = 200
USERS_MAX = 1_000_000

_SKIP_WORDS = {"skip", "-", "spring over", "none", "ingen"}
_ALIASES = {"ja": YES, "j": YES, "y": YES, "nej": NO, "n": NO}
# A whole number, digits grouped in threes by one separator ("1.200", "1,200", "1 200").
_GROUPED = re.compile(r"\d{1,3}(?:([.,\s])\d{3})(?:\1\d{3})*")


class IntakeError(ValueError):
    """Answers that cannot be filed: question key -> friendly error."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = dict(errors)


def intake_form(policy: Policy) -> Form:
    """The intake questions, in the order they are asked."""
    incidents = tuple(a.value for a in Affected)
    categories = (
        tuple(Choice(item.key, item.name) for item in policy.second_level_scope)
        + tuple(
            Choice(item.key, msg.consultancy_choice_label(item.name))
            for item in policy.consultancy_services
        )
        + (Choice(OTHER, msg.OTHER_CATEGORY),)
    )
    return Form(
        key="ticket",
        title=msg.FORM_TITLE,
        submit=msg.FORM_SUBMIT,
        questions=(
            Question(
                SUMMARY,
                msg.SUMMARY_PROMPT,
                QuestionKind.TEXT,
                max_length=SUMMARY_MAX,
                placeholder=msg.SUMMARY_PLACEHOLDER,
            ),
            Question(
                DESCRIPTION,
                msg.DESCRIPTION_PROMPT,
                QuestionKind.LONG_TEXT,
                hint=msg.DESCRIPTION_HINT,
            ),
            Question(
                AFFECTED,
                msg.AFFECTED_PROMPT,
                QuestionKind.CHOICE,
                choices=tuple(Choice(a.value, msg.AFFECTED_LABELS[a.value]) for a in Affected)
                + (Choice(INQUIRY, msg.AFFECTED_LABELS[INQUIRY]),),
            ),
            Question(
                DATA_LOSS,
                msg.DATA_LOSS_PROMPT,
                QuestionKind.CHOICE,
                choices=(Choice(YES, msg.DATA_LOSS_YES), Choice(NO, msg.DATA_LOSS_NO)),
                hint=msg.DATA_LOSS_HINT,
                when=(AFFECTED, incidents),
            ),
            Question(
                CATEGORY,
                msg.CATEGORY_PROMPT,
                QuestionKind.CHOICE,
                choices=categories,
                hint=msg.CATEGORY_HINT,
            ),
            Question(
                ENVIRONMENT,
                msg.ENVIRONMENT_PROMPT,
                QuestionKind.TEXT,
                required=False,
                max_length=DETAIL_MAX,
                placeholder=msg.ENVIRONMENT_PLACEHOLDER,
            ),
            Question(
                SINCE,
                msg.SINCE_PROMPT,
                QuestionKind.TEXT,
                required=False,
                max_length=DETAIL_MAX,
                placeholder=msg.SINCE_PLACEHOLDER,
            ),
            Question(
                USERS,
                msg.USERS_PROMPT,
                QuestionKind.COUNT,
                required=False,
                max_length=12,
                placeholder=msg.USERS_PLACEHOLDER,
            ),
        ),
    )


def parse_answer(question: Question, raw: str | None) -> tuple[str, str | None]:
    """Normalise one answer: (value, None) or ("", friendly error).

    Choices accept the value, the label (case-insensitively) or the 1-based number shown.
    An optional question left empty (or "skip") has the value "". What cannot be stored or
    shown is removed, or refused with a re-ask (bot.domain.text).
    """
    try:
        text = clean(raw or "").strip()
    except UnsafeTextError:
        return "", msg.UNSAFE_TEXT
    if question.kind is not QuestionKind.LONG_TEXT:
        text = " ".join(text.split())
    if text.casefold() in _SKIP_WORDS and question.kind is not QuestionKind.CHOICE:
        if question.required:  # 'skip' is no description
            return "", msg.CANNOT_SKIP
        return "", None
    if not text:
        if question.required:
            return "", msg.empty_answer(question)
        return "", None
    if question.kind is QuestionKind.CHOICE:
        return _choose(question, text)
    if len(text) > question.max_length:
        return "", msg.too_long(len(text), question.max_length)
    if question.kind is QuestionKind.COUNT:
        return _users(text)
    return text, None


def _users(text: str) -> tuple[str, str | None]:
    """A whole number of users; '2,5' or '2.5' is no count (nor 25), '1.200' is 1200."""
    digits = text
    grouped = _GROUPED.fullmatch(text)
    if grouped is not None:
        digits = re.sub(r"[.,\s]", "", text)
    elif any(mark in text for mark in ".,"):
        return "", msg.not_whole_users(text)
    if not (digits.isascii() and digits.isdigit()) or not 0 < int(digits) <= USERS_MAX:
        return "", msg.NOT_A_NUMBER
    return str(int(digits)), None


def _choose(question: Question, text: str) -> tuple[str, str | None]:
    folded = _ALIASES.get(text.casefold(), text.casefold()).rstrip(".")
    if re.fullmatch(r"\d{1,3}", folded):
        index = int(folded)
        if 1 <= index <= len(question.choices):
            return question.choices[index - 1].value, None
        return "", msg.not_a_choice(question)
    for choice in question.choices:
        if folded in (choice.value.casefold(), choice.label.casefold()):
            return choice.value, None
    return "", msg.not_a_choice(question)


@dataclass(frozen=True, slots=True)
class Answers:
    """Valid intake answers: the stored value of every question asked (an optional one left
    out is ""). Made by `validate_answers` or the step-by-step dialogue, each answer parsed
    once; nothing after them parses an answer again."""

    values: Mapping[str, str]

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", MappingProxyType(dict(self.values)))

    @property
    def summary(self) -> str:
        """The one-line summary."""
        return self.values[SUMMARY]

    @property
    def description(self) -> str:
        """What happens, in the reporter's words."""
        return self.values[DESCRIPTION]

    @property
    def category(self) -> str:
        """The category key (a scope item, a consultancy service, or OTHER)."""
        return self.values[CATEGORY]

    @property
    def details(self) -> dict[str, str]:
        """The optional details given (environment, since, users)."""
        return {key: self.values[key] for key in DETAILS if self.values.get(key)}


def validate_answers(policy: Policy, raw: Mapping[str, str]) -> Answers:
    """The answers of a one-shot form, each parsed once; IntakeError with every question's
    error if any is bad. Answers to questions that do not apply are dropped."""
    form = intake_form(policy)
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    for question in form.questions:
        if not form.applies(question, values):
            continue
        value, error = parse_answer(question, raw.get(question.key))
        if error is not None:
            errors[question.key] = error
        else:
            values[question.key] = value
    if errors:
        raise IntakeError(errors)
    return Answers(values)


@dataclass(frozen=True, slots=True)
class Assessment:
    """Everything filing these answers at `opened` means, derived once: who is affected, the
    risk of data loss or an inquiry, the priority and its reason, the first-response due
    instant and business time left, and billing."""

    affected: Affected | None
    data_loss: bool | None
    inquiry: bool
    priority: PriorityKey
    reason: str
    opened: datetime
    due: datetime
    left: timedelta
    consultancy: bool
    category_name: str


def assess(
    policy: Policy, calendar: BusinessCalendar, answers: Answers, now: datetime
) -> Assessment:
    """Classify the answers and compute the first-response due instant from `now`."""
    inquiry = answers.values[AFFECTED] == INQUIRY
    affected = None if inquiry else Affected(answers.values[AFFECTED])
    data_loss = None if inquiry else answers.values[DATA_LOSS] == YES
    classification = classify(policy, affected=affected, data_loss=data_loss, inquiry=inquiry)
    priority = classification.priority
    return Assessment(
        affected=affected,
        data_loss=data_loss,
        inquiry=inquiry,
        priority=priority,
        reason=classification.reason,
        opened=now,
        due=first_response_due(calendar, policy, opened=now, priority=priority),
        left=snapshot(calendar, policy, opened=now, priority=priority, now=now).remaining,
        consultancy=policy.is_consultancy(answers.category),
        category_name=policy.category_name(answers.category) or msg.OTHER_CATEGORY,
    )
