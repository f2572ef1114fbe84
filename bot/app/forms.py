"""One definition of a form's questions, rendered as a one-shot form or asked step by step."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Choice", "Form", "Question", "QuestionKind"]


class QuestionKind(StrEnum):
    """How a question is answered."""

    TEXT = "text"  # one line
    LONG_TEXT = "long_text"  # a paragraph
    COUNT = "count"  # a whole number, typed as text where a chat has no number input
    CHOICE = "choice"  # exactly one of `choices`


@dataclass(frozen=True, slots=True)
class Choice:
    """One allowed answer: the stored value and what the user sees."""

    value: str
    label: str


@dataclass(frozen=True, slots=True)
class Question:
    """A question of a form. `when` names a (key, values) condition for asking it at all."""

    key: str
    prompt: str
    kind: QuestionKind
    required: bool = True
    max_length: int = 3000
    choices: tuple[Choice, ...] = ()
    hint: str = ""
    placeholder: str = ""
    when: tuple[str, tuple[str, ...]] | None = None


@dataclass(frozen=True, slots=True)
class Form:
    """A titled list of questions."""

    key: str
    title: str
    submit: str
    questions: tuple[Question, ...]

    def question(self, key: str) -> Question:
        """The question with this key."""
        for q in self.questions:
            if q.key == key:
                return q
        raise KeyError(key)

    def applies(self, question: Question, answers: Mapping[str, str]) -> bool:
        """Whether `question` is asked at all, given the answers (stored values) before it."""
        if question.when is None:
            return True
        key, values = question.when
        return answers.get(key) in values

    def asked(self, answers: Mapping[str, str]) -> tuple[Question, ...]:
        """The questions asked, in order, given these answers: a question whose condition
        fails is skipped, and its answer, if any, decides nothing after it."""
        asked: list[Question] = []
        kept: dict[str, str] = {}
        for question in self.questions:
            if not self.applies(question, kept):
                continue
            asked.append(question)
            if question.key in answers:
                kept[question.key] = answers[question.key]
        return tuple(asked)

    @property
    def controlling(self) -> frozenset[str]:
        """Keys of the questions whose answers decide whether others are asked."""
        return frozenset(q.when[0] for q in self.questions if q.when is not None)
