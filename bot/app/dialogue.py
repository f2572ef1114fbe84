"""The intake asked step by step (console, direct messages): a pure state machine.

`start` and `advance` take a state and a line and return the next state and what to say. Each
answer is parsed once, by the form's own `parse_answer`; a confirmed dialogue carries the
`Answers` to file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from bot.app.forms import Form, Question, QuestionKind
from bot.app.intake import Answers, assess, intake_form, parse_answer
from bot.app.messages import intake as msg
from bot.app.replies import Reply
from bot.domain.calendar import BusinessCalendar
from bot.domain.policy import Policy

__all__ = ["IntakeState", "Phase", "Step", "advance", "reask", "start"]

_CANCEL_WORDS = {"cancel", "/cancel", "annuller", "afbryd", "stop"}
_BACK_WORDS = {"back", "/back", "tilbage"}
_CONFIRM_WORDS = {"yes", "y", "ok", "confirm", "file", "file it", "send", "ja", "j"}
_DECLINE_WORDS = {"no", "n", "nej"}
# Typed as a first word during intake, these are commands, not answers ('/ticket x' too).
_BOT_COMMANDS = {"/ticket", "/support", "/help", "/status", "/as", "/whoami", "/new"}
_COMMAND = re.compile(r"/[a-zæøå]+", re.IGNORECASE)


class Phase(StrEnum):
    """Where a step-by-step intake stands."""

    ASKING = "asking"
    CONFIRMING = "confirming"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class IntakeState:
    """The dialogue so far: answers (stored values) in the order given and the question being
    asked."""

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

    @property
    def started(self) -> bool:
        """Whether anything was answered yet (a draft that would be lost)."""
        return bool(self.answers)


@dataclass(frozen=True, slots=True)
class Step:
    """The next state and what to say; once confirmed, the answers to file."""

    state: IntakeState
    replies: tuple[Reply, ...]
    answers: Answers | None = None


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
    kept: dict[str, str] = {}
    notes: list[Reply] = []
    for question in form.questions:
        raw = (prefill or {}).get(question.key)
        if raw is None or not form.applies(question, kept):
            continue
        value, error = parse_answer(question, raw)
        if error is not None and question.kind is QuestionKind.TEXT:
            whole = " ".join(raw.split())
            if len(whole) > question.max_length:
                value, error = parse_answer(question, _cut(whole, question.max_length))
                if error is None:
                    notes.append(msg.shortened(question, value, len(whole)))
        if error is not None and raw.strip():
            notes.append(msg.reask(error))  # said why it is asked after all
        if error is None and value:
            kept[question.key] = value
    state = IntakeState(Phase.ASKING, tuple(kept.items()))
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
    form = intake_form(policy)
    command = _slash_command(text)
    if command is not None:
        question = form.question(state.current) if state.current else None
        again = _ask(form, question, state) if question is not None else msg.confirm_reask()
        return Step(state, (msg.mid_ticket(command), again))
    if state.phase is Phase.CONFIRMING:
        if word in _CONFIRM_WORDS:
            confirmed = replace(state, phase=Phase.CONFIRMED, current=None)
            return Step(confirmed, (), _answers(form, state.values))
        if word in _DECLINE_WORDS:
            return Step(IntakeState(Phase.CANCELLED, state.answers), (msg.intake_cancelled(),))
        return Step(state, (msg.confirm_reask(),))
    question = form.question(state.current) if state.current else None
    if question is None:  # a state built by hand without a current question
        return _next(policy, calendar, state, now, ())
    value, error = parse_answer(question, text)
    if error is not None:
        return Step(state, (msg.reask(error), _ask(form, question, state)))
    answered = state.answers + ((question.key, value),)
    return _next(policy, calendar, IntakeState(Phase.ASKING, answered), now, ())


def reask(policy: Policy, state: IntakeState) -> tuple[Reply, ...]:
    """Where the dialogue stands, asked again (after an interruption)."""
    if state.finished:
        return ()
    if state.phase is Phase.CONFIRMING or state.current is None:
        return (msg.confirm_reask(),)
    form = intake_form(policy)
    return (_ask(form, form.question(state.current), state),)


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
    for question in form.asked(values):
        if question.key not in values:
            asking = IntakeState(Phase.ASKING, state.answers, question.key)
            return Step(asking, before + (_ask(form, question, asking),))
    answers = _answers(form, values)
    assessment = assess(policy, calendar, answers, now)
    confirming = IntakeState(Phase.CONFIRMING, state.answers)
    return Step(confirming, before + (msg.intake_summary(policy, answers, assessment),))


def _answers(form: Form, values: Mapping[str, str]) -> Answers:
    """The answers of every question asked: all of them were parsed on the way."""
    return Answers({q.key: values[q.key] for q in form.asked(values)})


def _back(policy: Policy, calendar: BusinessCalendar, state: IntakeState, now: datetime) -> Step:
    if not state.answers:
        return _next(policy, calendar, state, now, ())
    return _next(policy, calendar, IntakeState(Phase.ASKING, state.answers[:-1]), now, ())


def _ask(form: Form, question: Question, state: IntakeState) -> Reply:
    # Numbered by answers given, out of the most there can be (the intro says "at most"): a
    # question that turns out not to apply ends the walk early instead of making the count jump.
    return msg.ask(question, len(state.answers) + 1, len(form.questions))
