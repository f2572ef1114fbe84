"""One answer to "which questions apply": the form's, used by validation, the step-by-step
dialogue and every renderer."""

from __future__ import annotations

import pytest

from adapters.slack.blocks import form_view
from bot.app import dialogue
from bot.app.forms import Choice, Form, Question, QuestionKind
from bot.app.intake import intake_form, validate_answers
from bot.domain.calendar import BusinessCalendar
from bot.domain.policy import default_policy
from tests.app.conftest import MONDAY_9

AB = (Choice("a", "A"), Choice("b", "B"))
FORM = Form(
    key="f",
    title="Form",
    submit="Send",
    questions=(
        Question("kind", "Kind?", QuestionKind.CHOICE, choices=AB),
        Question("extra", "X?", QuestionKind.CHOICE, choices=AB[:1], when=("kind", ("a",))),
        Question("deeper", "Deeper?", QuestionKind.TEXT, when=("extra", ("a",))),
        Question("note", "Note", QuestionKind.LONG_TEXT, required=False),
    ),
)


@pytest.mark.parametrize(
    ("answers", "asked"),
    [
        ({}, ["kind", "note"]),
        ({"kind": "b"}, ["kind", "note"]),
        ({"kind": "a"}, ["kind", "extra", "note"]),
        ({"kind": "a", "extra": "a"}, ["kind", "extra", "deeper", "note"]),
        # An answer to a question not asked decides nothing after it.
        ({"kind": "b", "extra": "a"}, ["kind", "note"]),
    ],
)
def test_the_questions_asked_follow_the_answers_before_them(
    answers: dict[str, str], asked: list[str]
) -> None:
    assert [q.key for q in FORM.asked(answers)] == asked
    assert FORM.controlling == {"kind", "extra"}


def test_the_modal_the_dialogue_and_validation_ask_the_same_questions() -> None:
    policy = default_policy()
    form = intake_form(policy)
    for affected, asked in (("some", True), ("inquiry", False)):
        answers = {"summary": "s", "description": "d", "affected": affected, "category": "other"}
        modal = {b["block_id"] for b in form_view(form, callback_id="i", initial=answers)["blocks"]}
        assert ("data_loss" in modal) is asked
        step = dialogue.start(
            policy, BusinessCalendar(policy), now=MONDAY_9, prefill={**answers, "data_loss": "no"}
        )
        assert ("data_loss" in step.state.values) is asked
        answers["data_loss"] = "no"
        assert ("data_loss" in validate_answers(policy, answers).values) is asked
