"""The ticket intake: one form definition, its validation, and a pure step-by-step dialogue.

Slack and Teams render `intake_form(policy)` at once and submit all answers to
`validate_answers`; the console and direct messages walk the same questions with `start` and
`advance`, which take a state and an answer and return the next state and the replies.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from bot.app.forms import Choice, Form, Question, QuestionKind
from bot.app.messages import intake as msg
from bot.app.replies import Reply
from bot.domain.calendar import BusinessCalendar
from bot.domain.policy import Affected, Policy
from bot.domain.priority import Classification, classify
from bot.domain.sla import first_response_due, snapshot

__all__ = [
    "AFFECTED",
    "CATEGORY",
    "DATA_LOSS",
    "DESCRIPTION",
    "ENVIRONMENT",
    "INQUIRY",
    "OTHER",
    "SINCE",
    "SUMMARY",
    "USERS",
    "Assessment",
    "IntakeError",
    "IntakeState",
    "Phase",
    "Step",
    "advance",
    "assess",
    "intake_form",
    "normalize_answers",
    "parse_answer",
    "start",
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

INQUIRY = "inquiry"  # the AFFECTED answer for "just a question"
OTHER = "other"  # the CATEGORY answer for "something else"
YES, NO = "yes", "no"

SUMMARY_MAX = 150
DETAIL_MAX = 200
USERS_MAX = 1_000_000

_SKIP_WORDS = {"skip", "-", "spring over", "none", "ingen"}
_CANCEL_WORDS = {"cancel", "/cancel", "annuller", "afbryd", "stop"}
_BACK_WORDS = {"back", "/back", "tilbage"}
_CONFIRM_WORDS = {"yes", "y", "ok", "confirm", "file", "file it", "send", "ja", "j"}
_DECLINE_WORDS = {"no", "n", "nej"}
# Typed as a first word during intake, these are commands, not answers ('/ticket x' too).
_BOT_COMMANDS = {"/ticket", "/support", "/help", "/status", "/as", "/whoami", "/new"}
_COMMAND = re.compile(r"/[a-zæøå]+", re.IGNORECASE)
_ALIASES = {"ja": YES, "j": YES, "y": YES, "nej": NO, "n": NO}


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
                QuestionKind.TEXT,
                required=False,
                max_length=12,
                placeholder=msg.USERS_PLACEHOLDER,
            ),
        ),
    )


def applies(question: Question, answers: Mapping[str, str]) -> bool:
    """Whether a question is asked at all, given the answers so far."""
    if question.when is None:
        return True
    key, values = question.when
    return answers.get(key) in values


def parse_answer(question: Question, raw: str | None) -> tuple[str, str | None]:
    """Normalise one answer: (value, None) or ("", friendly error).

    Choices accept the value, the label (case-insensitively) or the 1-based number shown.
    An optional question left empty (or "skip") has the value "".
    """
    text = (raw or "").strip()
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
    if question.key == USERS:
        digits = text.replace(".", "").replace(",", "").replace(" ", "")
        if not (digits.isascii() and digits.isdigit()) or not 0 < int(digits) <= USERS_MAX:
            return "", msg.NOT_A_NUMBER
        return str(int(digits)), None
    return text, None


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


def validate_answers(policy: Policy, answers: Mapping[str, str]) -> dict[str, str]:
    """Question key -> friendly error for every bad answer; empty means all is well."""
    errors: dict[str, str] = {}
    normalised: dict[str, str] = {}
    for question in intake_form(policy).questions:
        if not applies(question, normalised):
            continue
        value, error = parse_answer(question, answers.get(question.key))
        if error is not None:
            errors[question.key] = error
        else:
            normalised[question.key] = value
    return errors


def normalize_answers(policy: Policy, answers: Mapping[str, str]) -> dict[str, str]:
    """The answers as stored values (questions that do not apply dropped); IntakeError if bad."""
    errors = validate_answers(policy, answers)
    if errors:
        raise IntakeError(errors)
    normalised: dict[str, str] = {}
    for question in intake_form(policy).questions:
        if applies(question, normalised):
            normalised[question.key] = parse_answer(question, answers.get(question.key))[0]
    return normalised


@dataclass(frozen=True, slots=True)
class Assessment:
    """What filing these answers now would mean: priority, reason, due, billing."""

    classification: Classification
    opened: datetime
    due: datetime
    left: timedelta
    consultancy: bool
    category_name: str


def assess(
    policy: Policy, calendar: BusinessCalendar, answers: Mapping[str, str], now: datetime
) -> Assessment:
    """Classify normalised answers and compute the first-response due instant from `now`."""
    inquiry = answers[AFFECTED] == INQUIRY
    classification = classify(
        policy,
        affected=None if inquiry else Affected(answers[AFFECTED]),
        data_loss=None if inquiry else answers[DATA_LOSS] == YES,
        inquiry=inquiry,
    )
    due = first_response_due(calendar, policy, opened=now, priority=classification.priority)
    left = snapshot(
        calendar, policy, opened=now, priority=classification.priority, now=now
    ).remaining
    category = answers[CATEGORY]
    return Assessment(
        classification=classification,
        opened=now,
        due=due,
        left=left,
        consultancy=policy.is_consultancy(category),
        category_name=policy.category_name(category) or msg.OTHER_CATEGORY,
    )


class Phase(StrEnum):
    """Where a step-by-step intake stands."""

    ASKING = "asking"
    CONFIRMING = "confirming"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class IntakeState:
    """The dialogue so far: answers in the order given and the question being asked."""

    phase: Phase
    answers: tuple[tuple[str, str], ...] = ()
    current: str | None = None

    @property
    def values(self) -> dict[str, str]:
        """The answers as a dict (question key -> stored value)."""
        return dict(self.answers)

    @property
    def finished(self) -> bool:
        """Confirmed or cancelled: nothing more to ask."""
        return self.phase in (Phase.CONFIRMED, Phase.CANCELLED)


@dataclass(frozen=True, slots=True)
class Step:
    """The next state and what to say."""

    state: IntakeState
    replies: tuple[Reply, ...]


def start(
    policy: Policy,
    calendar: BusinessCalendar,
    *,
    now: datetime,
    prefill: Mapping[str, str] | None = None,
) -> Step:
    """Begin the dialogue; valid prefilled answers (e.g. `/ticket the summary`) are kept, and
    one over its length limit is cut to fit, saying so."""
    form = intake_form(policy)
    kept: list[tuple[str, str]] = []
    notes: list[Reply] = []
    for question in form.questions:
        raw = (prefill or {}).get(question.key)
        if raw is None or not applies(question, dict(kept)):
            continue
        value, error = parse_answer(question, raw)
        if error is not None and question.kind is QuestionKind.TEXT:
            whole = " ".join(raw.split())
            if len(whole) > question.max_length:
                value, error = parse_answer(question, _cut(whole, question.max_length))
                if error is None:
                    notes.append(msg.shortened(question, value, len(whole)))
        if error is None and value:
            kept.append((question.key, value))
    state = IntakeState(Phase.ASKING, tuple(kept))
    intro = msg.intake_intro(len(form.questions))
    return _next(policy, calendar, state, now, (intro, *notes))


def _cut(text: str, limit: int) -> str:
    """The first part of `text` within `limit`, at a word boundary when one is near."""
    head = text[:limit]
    if len(text) > limit and " " in head[-30:]:
        head = head.rsplit(" ", 1)[0]
    return head.rstrip()


def advance(
    policy: Policy, calendar: BusinessCalendar, state: IntakeState, text: str, *, now: datetime
) -> Step:
    """Take one answer (or cancel / back / confirm) and return the next step."""
    word = " ".join(text.split()).casefold()
    if state.finished:
        return Step(state, ())
    if word in _CANCEL_WORDS:
        return Step(IntakeState(Phase.CANCELLED, state.answers), (msg.intake_cancelled(),))
    if word in _BACK_WORDS:
        return _back(policy, calendar, state, now)
    command = _slash_command(text)
    if command is not None:
        form = intake_form(policy)
        question = form.question(state.current) if state.current else None
        again = _ask(form, question, state) if question is not None else msg.confirm_reask()
        return Step(state, (msg.mid_ticket(command), again))
    if state.phase is Phase.CONFIRMING:
        if word in _CONFIRM_WORDS:
            return Step(replace(state, phase=Phase.CONFIRMED, current=None), ())
        if word in _DECLINE_WORDS:
            return Step(IntakeState(Phase.CANCELLED, state.answers), (msg.intake_cancelled(),))
        return Step(state, (msg.confirm_reask(),))
    form = intake_form(policy)
    question = form.question(state.current) if state.current else None
    if question is None:  # a state built by hand without a current question
        return _next(policy, calendar, state, now, ())
    value, error = parse_answer(question, text)
    if error is not None:
        return Step(state, (msg.reask(error), _ask(form, question, state)))
    answered = state.answers + ((question.key, value),)
    return _next(policy, calendar, IntakeState(Phase.ASKING, answered), now, ())


def _slash_command(text: str) -> str | None:
    """A bot command such as '/ticket' typed as an answer (a path like '/var/log' is not)."""
    words = text.split()
    if not words or not _COMMAND.fullmatch(words[0]):
        return None
    return words[0] if len(words) == 1 or words[0].casefold() in _BOT_COMMANDS else None


def _next(
    policy: Policy,
    calendar: BusinessCalendar,
    state: IntakeState,
    now: datetime,
    before: tuple[Reply, ...],
) -> Step:
    form = intake_form(policy)
    values = state.values
    for question in form.questions:
        if question.key not in values and applies(question, values):
            asking = IntakeState(Phase.ASKING, state.answers, question.key)
            return Step(asking, before + (_ask(form, question, asking),))
    assessment = assess(policy, calendar, values, now)
    confirming = IntakeState(Phase.CONFIRMING, state.answers)
    return Step(confirming, before + (msg.intake_summary(policy, form, values, assessment),))


def _back(policy: Policy, calendar: BusinessCalendar, state: IntakeState, now: datetime) -> Step:
    if not state.answers:
        return _next(policy, calendar, state, now, ())
    return _next(policy, calendar, IntakeState(Phase.ASKING, state.answers[:-1]), now, ())


def _ask(form: Form, question: Question, state: IntakeState) -> Reply:
    # Numbered by answers given, out of the most there can be (the intro says "at most"): a
    # question that turns out not to apply ends the walk early instead of making the count jump.
    return msg.ask(question, len(state.answers) + 1, len(form.questions))
