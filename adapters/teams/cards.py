"""Adaptive Card 1.5 rendering of neutral replies and of the intake form, all text shown as typed.

A TextBlock (and a FactSet, drawn with TextBlocks) reads markdown, so the text of a reply goes
into RichTextBlock/TextRun, which reads none; what must be a fact is markdown-escaped. Either
way a typed Teams mention (`<at>name</at>`) shows as '@name' and pings nobody, and a typed
`{{DATE(...)}}` stays text. Pure: dicts in, dicts out; no botbuilder here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from bot.app.forms import Form, Question, QuestionKind
from bot.app.messages import intake as msg
from bot.app.replies import ButtonStyle, Reply

__all__ = [
    "CARD_CONTENT_TYPE",
    "CARD_VERSION",
    "ELLIPSIS",
    "INTAKE_ACTION",
    "answers_from_value",
    "escape_markdown",
    "form_card",
    "plain",
    "reply_card",
]

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
CARD_VERSION = "1.5"  # what Teams renders
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
INTAKE_ACTION = "intake.submit"  # `data.action` of the intake card's submit button
ELLIPSIS = "…"

# A Teams message holds about 28 KB; a reply's text is cut well before that, saying so.
TEXT_MAX = 16_000
FACT_MAX = 2_000
KEPT_MAX = 4_000  # an answer kept on a redrawn card (the inputs cap what people type)
EXPANDED_CHOICES_MAX = 4  # more choices than this: a drop-down rather than radio buttons

_MENTION = re.compile(r"<at\b[^>]*>(.*?)</at\s*>", re.IGNORECASE | re.DOTALL)
_MENTION_TAG = re.compile(r"</?at\b", re.IGNORECASE)
_DATE_FUNCTION = re.compile(r"\{\{(?=\s*(?:DATE|TIME)\s*\()", re.IGNORECASE)
# CommonMark lets a backslash escape any ASCII punctuation. Escaped: the marks that open or
# close markup anywhere (emphasis, links, code, HTML, entities), and a list or heading
# marker at the start (escaping every '.' and '-' would be noise where a client shows it).
_MARKDOWN = re.compile(r"([\\`*_\[\]<>&~])")
_LEADING = re.compile(r"^(\s*)(\d+)([.)])|^(\s*)([-+#>=|])")
_STYLES = {ButtonStyle.PRIMARY: "positive", ButtonStyle.DANGER: "destructive"}


def plain(text: str) -> str:
    """Text safe to show in a TextRun: mentions as '@name', no date functions."""
    text = _MENTION.sub(lambda m: "@" + m.group(1), text)
    text = _MENTION_TAG.sub(lambda m: m.group(0).replace("<", "‹"), text)
    return _DATE_FUNCTION.sub("{ {", text)


def escape_markdown(text: str) -> str:
    """Text safe to show where Teams reads markdown (a fact): every markup mark escaped."""
    escaped = _MARKDOWN.sub(r"\\\1", plain(text).replace("\n", " "))
    return _LEADING.sub(_leading, escaped)


def _leading(found: re.Match[str]) -> str:
    if found.group(2) is not None:  # "1." or "1)" would start a numbered list
        return f"{found.group(1)}{found.group(2)}\\{found.group(3)}"
    return f"{found.group(4)}\\{found.group(5)}"


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - len(ELLIPSIS)].rstrip() + ELLIPSIS


def _runs(text: str, **style: Any) -> list[dict[str, Any]]:
    """`text` as RichTextBlocks of TextRuns, one block a line (a TextRun's line breaks are not
    shown by every client)."""
    blocks: list[dict[str, Any]] = []
    gap = False
    for line in plain(text).split("\n"):
        if not line.strip():
            gap = bool(blocks)
            continue
        block: dict[str, Any] = {
            "type": "RichTextBlock",
            "inlines": [{"type": "TextRun", "text": line, **style}],
        }
        if blocks:
            block["spacing"] = "Medium" if gap else "None"
        blocks.append(block)
        gap = False
    return blocks


def _text(reply_text: str) -> list[dict[str, Any]]:
    if len(reply_text) > TEXT_MAX:
        shown = reply_text[:TEXT_MAX].rstrip()
        note = f" {ELLIPSIS} [cut here: the first {len(shown):,} of {len(reply_text):,} characters]"
        reply_text = shown + note
    return _runs(reply_text) if reply_text.strip() else []


def _card(body: list[dict[str, Any]], actions: list[dict[str, Any]]) -> dict[str, Any]:
    card: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": SCHEMA,
        "version": CARD_VERSION,
        "body": body,
        # Full width in Teams: a ticket's facts and an intake form need the room.
        "msteams": {"width": "Full"},
    }
    if actions:
        card["actions"] = actions
    return card


def reply_card(reply: Reply) -> dict[str, Any]:
    """A reply as a card: title, text, fields as a FactSet, footer, buttons (Action.Submit
    with data {"action", "value"})."""
    body: list[dict[str, Any]] = []
    if reply.title:
        body.extend(_runs(reply.title, weight="Bolder", size="Medium"))
    body.extend(_text(reply.text))
    if reply.fields:
        facts = [
            {
                "title": escape_markdown(_cut(f.label, FACT_MAX)),
                "value": escape_markdown(_cut(f.value, FACT_MAX)) or " ",
            }
            for f in reply.fields
        ]
        body.append({"type": "FactSet", "facts": facts})
    if reply.footer:
        body.extend(_runs(reply.footer, isSubtle=True, size="Small"))
    if not body:
        body = _runs(" ") or [{"type": "RichTextBlock", "inlines": []}]
    actions = []
    for button in reply.buttons:
        action: dict[str, Any] = {
            "type": "Action.Submit",
            "title": button.label,
            "data": {"action": button.action, "value": button.value},
        }
        if button.style in _STYLES:
            action["style"] = _STYLES[button.style]
        actions.append(action)
    return _card(body, actions)


def _input(question: Question, kept: str | None, conditional: bool) -> dict[str, Any]:
    """The input of one question, holding `kept` (the answer as submitted, if any)."""
    element: dict[str, Any]
    if question.kind is QuestionKind.CHOICE:
        many = len(question.choices) > EXPANDED_CHOICES_MAX
        element = {
            "type": "Input.ChoiceSet",
            "style": "compact" if many else "expanded",
            "isMultiSelect": False,
            "choices": [{"title": c.label, "value": c.value} for c in question.choices],
        }
        if kept and any(c.value == kept for c in question.choices):
            element["value"] = kept
        if many:
            element["placeholder"] = msg.CHOOSE  # a drop-down shows nothing chosen yet
    elif question.kind is QuestionKind.COUNT:
        element = {"type": "Input.Number", "min": 1}
        number = _number(kept)
        if number is not None:
            element["value"] = number
    else:
        element = {
            "type": "Input.Text",
            "isMultiline": question.kind is QuestionKind.LONG_TEXT,
            "maxLength": question.max_length,
        }
        if kept:
            # Raw, not escaped: an input's value is the user's own text, not rendered markup.
            element["value"] = kept[:KEPT_MAX]
    element["id"] = question.key
    element["label"] = question.prompt
    if question.placeholder:
        element["placeholder"] = question.placeholder
    if question.required and not conditional:
        element["isRequired"] = True
        element["errorMessage"] = msg.empty_answer(question)
    elif question.kind is QuestionKind.COUNT:
        element["errorMessage"] = msg.NOT_A_NUMBER  # below `min`
    return element


def _number(kept: str | None) -> int | float | None:
    """A kept count as the number an Input.Number holds (None if it is no number)."""
    if not kept:
        return None
    try:
        number = float(kept)
    except ValueError:
        return None
    if not math.isfinite(number):
        return None
    return int(number) if number.is_integer() else number


def form_card(
    form: Form,
    *,
    form_id: str,
    answers: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The intake form as one card: every question shown at once (a follow-up says when it
    is needed, since a card cannot redraw itself as answers change), pre-filled from
    `answers`, each error under its question. Submitting sends the answers with
    {"action": INTAKE_ACTION, "form": form_id}."""
    answers = answers or {}
    errors = errors or {}
    body: list[dict[str, Any]] = _runs(form.title, weight="Bolder", size="Medium")
    if errors:
        body.extend(_runs(msg.FIX_ANSWERS, color="Attention"))
    prompts = {q.key: q for q in form.questions}
    for question in form.questions:
        conditional = question.when is not None
        body.append(_input(question, answers.get(question.key), conditional))
        notes = [question.hint] if question.hint else []
        if question.when is not None and question.when[0] in prompts:
            controller = prompts[question.when[0]]
            labels = [c.label for c in controller.choices if c.value in question.when[1]]
            notes.append(msg.only_when(controller.prompt, labels))
        for note in notes:
            body.extend(_runs(note, isSubtle=True, size="Small"))
        if question.key in errors:
            body.extend(_runs(errors[question.key], color="Attention"))
    submit = {
        "type": "Action.Submit",
        "title": form.submit,
        "style": "positive",
        "data": {"action": INTAKE_ACTION, "form": form_id},
    }
    return _card(body, [submit])


def answers_from_value(form: Form, value: Mapping[str, Any]) -> dict[str, str]:
    """The answers of a submitted intake card (`activity.value`) keyed by question, as
    stripped strings (validation drops those to questions that do not apply)."""
    answers: dict[str, str] = {}
    for question in form.questions:
        raw = value.get(question.key)
        if raw is None or isinstance(raw, bool | dict | list):
            continue
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)  # Input.Number may send 25.0
        text = str(raw).strip()
        if text:
            answers[question.key] = text[:KEPT_MAX]
    return answers
