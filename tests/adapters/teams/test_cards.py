"""Adaptive Cards drawn from neutral replies and the intake form: version 1.5, the inputs
Teams validates itself, errors beside their fields, and text that is never markup."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from adapters.teams.cards import (
    INTAKE_ACTION,
    answers_from_value,
    escape_markdown,
    form_card,
    plain,
    reply_card,
)
from bot.app.intake import intake_form
from bot.app.messages import intake as msg
from bot.app.replies import Button, ButtonStyle, Field, Reply
from bot.domain.policy import default_policy

FORM = intake_form(default_policy())
REQUIRED = ["summary", "description", "affected", "category"]


def walk(node: Any) -> Iterator[dict[str, Any]]:
    """Every element of a card, depth first."""
    if isinstance(node, dict):
        if "type" in node:
            yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk(item)


def inputs(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["id"]: e for e in card["body"] if e["type"].startswith("Input.")}


def shown_text(card: dict[str, Any]) -> list[str]:
    """What a person reads on the card, run by run."""
    return [e["text"] for e in walk(card) if e["type"] in ("TextRun", "TextBlock")]


def notes_under(card: dict[str, Any], key: str) -> list[str]:
    """The text between the input `key` and the next input."""
    body = card["body"]
    start = next(i for i, e in enumerate(body) if e.get("id") == key)
    notes = []
    for element in body[start + 1 :]:
        if element["type"].startswith("Input."):
            break
        notes.extend(run["text"] for run in element.get("inlines", []))
    return notes


def test_the_intake_card_is_version_1_5_and_teams_checks_the_required_answers() -> None:
    card = form_card(FORM, form_id="f1")

    assert card["type"] == "AdaptiveCard" and card["version"] == "1.5"
    fields = inputs(card)
    assert list(fields) == [q.key for q in FORM.questions]  # every question, in order
    for key in REQUIRED:
        assert fields[key]["isRequired"] is True, key
        assert fields[key]["errorMessage"], key
    for key in ("environment", "since", "users"):
        assert not fields[key].get("isRequired"), key
    assert fields["users"]["type"] == "Input.Number" and fields["users"]["min"] == 1
    for key in ("affected", "data_loss", "category"):
        question = FORM.question(key)
        assert fields[key]["type"] == "Input.ChoiceSet"
        assert fields[key]["choices"] == [
            {"title": c.label, "value": c.value} for c in question.choices
        ]
        assert fields[key]["isMultiSelect"] is False
    assert fields["category"]["style"] == "compact"  # many choices: a drop-down
    assert fields["category"]["placeholder"] == msg.CHOOSE
    assert fields["affected"]["style"] == "expanded"  # a few: radio buttons
    assert fields["summary"]["maxLength"] == FORM.question("summary").max_length
    assert fields["description"]["isMultiline"] is True
    assert card["actions"] == [
        {
            "type": "Action.Submit",
            "title": FORM.submit,
            "style": "positive",
            "data": {"action": INTAKE_ACTION, "form": "f1"},
        }
    ]
    json.dumps(card)  # what goes on the wire


def test_the_data_loss_question_is_always_on_the_card_and_says_when_it_is_needed() -> None:
    # A card cannot redraw itself when "Who is affected?" is answered, so the follow-up is
    # there from the start, not required by the client (a question needs no answer to it).
    card = form_card(FORM, form_id="f1")

    data_loss = inputs(card)["data_loss"]
    assert "isRequired" not in data_loss
    assert not any(e["type"] == "Action.ToggleVisibility" for e in walk(card))
    note = msg.only_when("Who is affected?", ["All users", "Some users", "A single user"])
    assert note in notes_under(card, "data_loss")


def test_errors_stand_under_their_fields_and_the_answers_are_kept() -> None:
    answers = {"summary": "Login fails", "affected": "some", "users": "2,5", "category": "nope"}
    errors = {"description": "Sorry, this one cannot be empty.", "users": "not whole"}

    card = form_card(FORM, form_id="f1", answers=answers, errors=errors)

    fields = inputs(card)
    assert fields["summary"]["value"] == "Login fails"
    assert fields["affected"]["value"] == "some"
    assert "value" not in fields["users"]  # '2,5' is no number an Input.Number can hold
    assert "value" not in fields["category"]  # not one of the choices
    assert "Sorry, this one cannot be empty." in notes_under(card, "description")
    assert "not whole" in notes_under(card, "users")
    assert "not whole" not in notes_under(card, "summary")
    assert msg.FIX_ANSWERS in shown_text(card)
    assert card["actions"][0]["data"] == {"action": INTAKE_ACTION, "form": "f1"}  # same card


def test_a_kept_count_is_a_number() -> None:
    assert inputs(form_card(FORM, form_id="f", answers={"users": "25"}))["users"]["value"] == 25


def test_submitted_values_become_answers() -> None:
    value = {
        "action": INTAKE_ACTION,
        "form": "f1",
        "summary": "  Login fails ",
        "users": 25.0,
        "since": "",
        "environment": True,
        "category": {"x": 1},
        "description": "a\nb",
    }
    assert answers_from_value(FORM, value) == {
        "summary": "Login fails",
        "users": "25",
        "description": "a\nb",
    }


def test_a_reply_card_has_title_text_facts_footer_and_buttons() -> None:
    reply = Reply(
        title="SUP-1001: Sync stopped",
        text="First line\n\nSecond paragraph",
        fields=(Field("Priority", "Medium"), Field("Due", "tue 01 Dec 2026 09:00 (Danish time)")),
        buttons=(
            Button("Acknowledge", "ticket.acknowledge", "SUP-1001", ButtonStyle.PRIMARY),
            Button("Decline", "ticket.decline", "SUP-1001", ButtonStyle.DANGER),
            Button("Resolve", "ticket.resolve", "SUP-1001"),
        ),
        footer="Acme A/S",
    )

    card = reply_card(reply)

    assert card["version"] == "1.5"
    assert shown_text(card) == [
        "SUP-1001: Sync stopped",
        "First line",
        "Second paragraph",
        "Acme A/S",
    ]
    facts = next(e for e in card["body"] if e["type"] == "FactSet")["facts"]
    assert facts == [
        {"title": "Priority", "value": "Medium"},
        {"title": "Due", "value": "tue 01 Dec 2026 09:00 (Danish time)"},
    ]
    assert card["actions"] == [
        {
            "type": "Action.Submit",
            "title": "Acknowledge",
            "data": {"action": "ticket.acknowledge", "value": "SUP-1001"},
            "style": "positive",
        },
        {
            "type": "Action.Submit",
            "title": "Decline",
            "data": {"action": "ticket.decline", "value": "SUP-1001"},
            "style": "destructive",
        },
        {
            "type": "Action.Submit",
            "title": "Resolve",
            "data": {"action": "ticket.resolve", "value": "SUP-1001"},
        },
    ]


def test_typed_text_is_never_markup() -> None:
    typed = "**urgent** <at>Agnes</at> [click](https://evil.example) {{DATE(2026-12-01T09:00:00Z)}}"
    reply = Reply(title=typed, text=typed, fields=(Field("Summary", typed),), footer=typed)

    card = reply_card(reply)

    # Text goes in TextRuns, which read no markdown; nothing is a TextBlock.
    assert not any(e["type"] == "TextBlock" for e in walk(card))
    runs = [e["text"] for e in walk(card) if e["type"] == "TextRun"]
    seen = "**urgent** @Agnes [click](https://evil.example) { {DATE(2026-12-01T09:00:00Z)}}"
    assert runs == [seen, seen, seen]
    # A fact is read as markdown: every mark is escaped, the mention and date are defused.
    fact = next(e for e in card["body"] if e["type"] == "FactSet")["facts"][0]["value"]
    assert fact == (
        "\\*\\*urgent\\*\\* @Agnes \\[click\\](https://evil.example) "
        "{ {DATE(2026-12-01T09:00:00Z)}}"
    )
    assert "<at>" not in json.dumps(card)


def test_markdown_escapes() -> None:
    assert escape_markdown("1. first") == "1\\. first"
    assert escape_markdown("- item") == "\\- item"
    assert escape_markdown("# head") == "\\# head"
    assert escape_markdown("a_b `c` ~d~ <b>&amp;") == "a\\_b \\`c\\` \\~d\\~ \\<b\\>\\&amp;"
    assert escape_markdown("two\nlines") == "two lines"
    assert escape_markdown("plain text, 3.5 - fine") == "plain text, 3.5 - fine"
    assert plain("<AT id='1'>Bo</at> and </at> <at") == "@Bo and ‹/at> ‹at"


def test_an_empty_reply_is_still_a_valid_card() -> None:
    card = reply_card(Reply(text=""))
    assert card["body"] and card["version"] == "1.5"


def test_a_very_long_text_is_cut_saying_so() -> None:
    card = reply_card(Reply(text="x" * 50_000))
    text = "".join(shown_text(card))
    assert len(text) < 17_000 and "of 50,000 characters" in text
