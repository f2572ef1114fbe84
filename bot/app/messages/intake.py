"""The wording of the intake form and its step-by-step dialogue."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from bot.app.forms import Question, QuestionKind
from bot.app.replies import Field, Reply
from bot.domain.policy import Policy

if TYPE_CHECKING:
    from bot.app.intake import Answers, Assessment
from bot.app.messages.text import (
    priority_name,
    time_left,
    when,
)

CONSULTANCY_NOTICE = (
    "This is a consultancy service: it is billable, outside the fixed fee, and work starts "
    "only after your organisation's approver has approved it."
)


FORM_TITLE = "New support ticket"
FORM_SUBMIT = "File ticket"
SUMMARY_PROMPT = "What is the problem, in one line?"
SUMMARY_PLACEHOLDER = "e.g. Users in the Aarhus segment cannot log in"
DESCRIPTION_PROMPT = "Describe what happens, what you expected, and what you have tried."
DESCRIPTION_HINT = "Steps to reproduce and error messages help us answer faster."
AFFECTED_PROMPT = "Who is affected?"
AFFECTED_LABELS = {
    "all": "All users",
    "some": "Some users",
    "single": "A single user",
    "inquiry": "Nobody, it is just a question",
}
DATA_LOSS_PROMPT = "Is there a risk of data loss?"
DATA_LOSS_YES = "Yes, there is a risk of data loss"
DATA_LOSS_NO = "No risk of data loss"
DATA_LOSS_HINT = "Together with who is affected, this sets the priority from the agreement."
CATEGORY_PROMPT = "What is it about?"
CATEGORY_HINT = "Consultancy services are billed separately and need your approver's consent."
OTHER_CATEGORY = "Something else"
ENVIRONMENT_PROMPT = "Which environment? (optional)"
ENVIRONMENT_PLACEHOLDER = "e.g. production, sandbox"
SINCE_PROMPT = "Since when? (optional)"
SINCE_PLACEHOLDER = "e.g. this morning around 9"
USERS_PROMPT = "How many users are affected? (optional)"
USERS_PLACEHOLDER = "e.g. 25"
NOT_A_NUMBER = "Sorry, that is not a number of users. Please give a whole number, e.g. 25."


def not_whole_users(text: str) -> str:
    """The re-ask for a count of users with a decimal mark, e.g. '2,5'."""
    return (
        f"Sorry, '{text}' is not a whole number of users. Please give the number in digits "
        "without a comma or point, e.g. 25 or 2500."
    )


UNSAFE_TEXT = (
    "Sorry, that has invisible characters that change the order text is shown in (often "
    "picked up by copy and paste), so I did not take it. Please type it again."
)
NEW_QUESTION = "Please answer this one too: it applies to your answers above."
CHOOSE = "Choose one"
FIX_ANSWERS = "Nothing was filed yet: please correct the answers marked below and submit again."


def only_when(prompt: str, labels: list[str]) -> str:
    """When a question shown with every other one (a one-shot form) needs an answer."""
    if not labels:
        return f"Answer this only if it applies to '{prompt}'."
    if len(labels) == 1:
        shown = labels[0]
    else:
        shown = ", ".join(labels[:-1]) + f" or {labels[-1]}"
    return f"Needed when the answer to '{prompt}' is {shown}; otherwise leave it empty."


CANNOT_SKIP = "Sorry, this one is required, so it cannot be skipped. Please give an answer."


def consultancy_choice_label(name: str) -> str:
    """How a consultancy service is offered as a category."""
    return f"{name} (consultancy, billable)"


# Answer errors are whole sentences: shown as re-asks in a dialogue and beside form fields.


def empty_answer(question: Question) -> str:
    """The re-ask for an empty required answer."""
    if question.kind is QuestionKind.CHOICE:
        return "Sorry, I did not get that. Please pick one of the options."
    return "Sorry, this one cannot be empty."


def too_long(length: int, limit: int) -> str:
    """The re-ask for an answer over the length limit."""
    return (
        f"Sorry, that is too long: this answer takes at most {limit} characters and yours "
        f"has {length}. Please shorten it."
    )


def not_a_choice(question: Question) -> str:
    """The re-ask for an answer that is not one of the choices."""
    return (
        "Sorry, I did not get that. Please answer with a number from 1 to "
        f"{len(question.choices)}, or one of the labels."
    )


def reask(error: str) -> Reply:
    """A friendly nudge before the same question again."""
    return Reply(text=error, private=True)


def shortened(question: Question, kept: str, length: int) -> Reply:
    """A prefilled answer over the limit was cut to fit."""
    return Reply(
        text=f"Your {ANSWER_LABELS.get(question.key, question.key).lower()} was {length} "
        f"characters; it takes at most {question.max_length}, so I kept the first part: "
        f"'{kept}'. Type 'back' to write it again.",
        private=True,
    )


def mid_ticket(command: str) -> Reply:
    """A slash command typed while a ticket is being filed is not taken as the answer."""
    return Reply(
        text=f"You are in the middle of filing a ticket, so I did not take '{command}' as your "
        "answer. Answer the question below, or type 'cancel' to stop this ticket first.",
        private=True,
    )


def intake_intro(questions: int) -> Reply:
    """The start of a step-by-step intake of at most `questions` questions."""
    return Reply(
        text=f"Let's file a ticket: at most {questions} questions, some optional. Type 'back' "
        "to change the previous answer or 'cancel' to stop at any time.",
        private=True,
    )


def ask(question: Question, number: int, total: int) -> Reply:
    """One question of the step-by-step intake, choices numbered."""
    lines = [f"({number}/{total}) {question.prompt}"]
    if question.hint:
        lines.append(question.hint)
    for index, choice in enumerate(question.choices, start=1):
        lines.append(f"  {index}. {choice.label}")
    if not question.required:
        lines.append("Press Enter or type 'skip' to leave it out.")
    return Reply(text="\n".join(lines), private=True)


def intake_cancelled() -> Reply:
    """The intake was cancelled."""
    return Reply(text="Cancelled. Nothing was filed.", private=True)


def confirm_reask() -> Reply:
    """An unclear answer to the confirmation."""
    return Reply(
        text="Type 'yes' to file the ticket, 'back' to change it or 'cancel'.", private=True
    )


ANSWER_LABELS = {
    "summary": "Summary",
    "description": "Description",
    "environment": "Environment",
    "since": "Since",
    "users": "Users affected",
}


def _answer_fields(answers: Mapping[str, str]) -> tuple[Field, ...]:
    return tuple(
        Field(label, answers[key]) for key, label in ANSWER_LABELS.items() if answers.get(key)
    )


def intake_summary(policy: Policy, answers: Answers, assessment: Assessment) -> Reply:
    """The confirmation before filing: priority, reason, due instant, business time left."""
    fields = [
        Field("Priority", priority_name(policy, assessment.priority)),
        Field("Why", assessment.reason),
        Field("First response due", when(assessment.due, policy)),
        Field("Business time left", time_left(assessment.left)),
        Field("Category", assessment.category_name),
    ]
    text = "Please check your ticket. File it? (yes / back / cancel)"
    if assessment.consultancy:
        text = f"{CONSULTANCY_NOTICE}\n{text}"
    return Reply(
        title="Your ticket",
        text=text,
        fields=tuple(fields) + _answer_fields(answers.values),
        private=True,
    )
