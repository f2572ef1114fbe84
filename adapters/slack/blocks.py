"""Block Kit rendering of neutral replies and forms, within Slack's limits, all text escaped.

Every string that reaches Slack passes through `fit`, which escapes `&`, `<` and `>` (so a
typed `<!channel>` or `<http://evil|click>` stays plain text) and truncates with an ellipsis
so that the *escaped* text stays within the field's limit.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any

from bot.app.forms import Form, Question, QuestionKind
from bot.app.replies import Button, ButtonStyle, Field, Reply

__all__ = [
    "ELLIPSIS",
    "VALUE_ACTION",
    "DATE_TOKEN_FORMAT",
    "answers_from_state",
    "date_token",
    "escape",
    "fit",
    "form_view",
    "notice_view",
    "reply_blocks",
    "reply_message",
]

ELLIPSIS = "…"
VALUE_ACTION = "value"  # action_id of every input element; the block_id is the question key

# Slack's documented limits (https://docs.slack.dev/reference/block-kit/).
MESSAGE_TEXT_MAX = 4000  # top-level fallback text: Slack truncates beyond 40k; keep it readable
MESSAGE_BLOCKS_MAX = 50
VIEW_BLOCKS_MAX = 100
HEADER_MAX = 150
SECTION_TEXT_MAX = 3000
TEXT_SECTIONS_MAX = 13  # 39,000 characters: within a message's 40,000
FIELD_MAX = 2000
FIELDS_PER_SECTION = 10
CONTEXT_TEXT_MAX = 3000
BUTTON_TEXT_MAX = 75
BUTTON_VALUE_MAX = 2000
ACTION_ID_MAX = 255
BUTTONS_PER_ACTIONS = 25
VIEW_TITLE_MAX = 24
VIEW_BUTTON_MAX = 24
LABEL_MAX = 2000
HINT_MAX = 2000
PLACEHOLDER_MAX = 150
INPUT_MAX = 3000
OPTION_TEXT_MAX = 75
OPTION_VALUE_MAX = 150
OPTIONS_MAX = 100
METADATA_MAX = 3000

_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def escape(text: str) -> str:
    """Escape the three characters Slack treats as markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def fit(text: str, limit: int) -> str:
    """Escape `text` and truncate it with an ellipsis so the escaped result has <= limit chars."""
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    out: list[str] = []
    used = 0
    for ch in text:
        piece = _ESCAPES.get(ch, ch)
        if used + len(piece) > limit - len(ELLIPSIS):
            break
        out.append(piece)
        used += len(piece)
    return "".join(out).rstrip() + ELLIPSIS


def _plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": fit(text, limit) or " ", "emoji": True}


def _button(button: Button) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "text": _plain(button.label, BUTTON_TEXT_MAX),
        "action_id": button.action[:ACTION_ID_MAX],
        "value": button.value[:BUTTON_VALUE_MAX],
    }
    if button.style is not ButtonStyle.DEFAULT:
        element["style"] = button.style.value
    return element


# Slack's date token: the reader's own date and time, e.g. "Dec 1st, 2026 at 8:00 PM".
DATE_TOKEN_FORMAT = "{date_short_pretty} {time}"


def date_token(at: datetime, fallback: str) -> str:
    """`<!date^EPOCH^FORMAT|fallback>`: Slack shows each reader `at` in their own time zone,
    and `fallback` (escaped; no `|` or `>` can end the token early) where it cannot."""
    epoch = int(at.timestamp())
    shown = fit(fallback.replace("|", "/"), FIELD_MAX // 2)
    return f"<!date^{epoch}^{DATE_TOKEN_FORMAT}|{shown}>"


def _field(field: Field) -> dict[str, Any]:
    """A field as plain text, or (with an instant) as mrkdwn adding the reader's own time."""
    plain = f"{field.label}: {field.value}"
    if field.at is None:
        return _plain(plain, FIELD_MAX)
    token = date_token(field.at, field.value)
    # Everything but the token is escaped text; cut the text, never the token.
    room = max(1, FIELD_MAX - len(token) - len("\nYour time: "))
    return {"type": "mrkdwn", "text": f"{fit(plain, room)}\nYour time: {token}"}


def reply_blocks(reply: Reply, *, max_blocks: int = MESSAGE_BLOCKS_MAX) -> list[dict[str, Any]]:
    """The blocks of a reply: header, text, fields, buttons, footer (in that order)."""
    blocks: list[dict[str, Any]] = []
    if reply.title:
        blocks.append({"type": "header", "text": _plain(reply.title, HEADER_MAX)})
    # A long text (an agent's reply) takes several sections rather than being cut at one's.
    room = max(1, min(TEXT_SECTIONS_MAX, max_blocks // 4))
    blocks.extend(
        {"type": "section", "text": {"type": "plain_text", "text": part, "emoji": True}}
        for part in text_sections(reply.text, room)
    )
    fields = list(reply.fields)
    for start in range(0, len(fields), FIELDS_PER_SECTION):
        chunk = fields[start : start + FIELDS_PER_SECTION]
        blocks.append(
            {
                "type": "section",
                "fields": [_field(f) for f in chunk],
            }
        )
    footer = (
        [{"type": "context", "elements": [_plain(reply.footer, CONTEXT_TEXT_MAX)]}]
        if reply.footer
        else []
    )
    actions: list[dict[str, Any]] = []
    buttons = list(reply.buttons)
    for start in range(0, len(buttons), BUTTONS_PER_ACTIONS):
        row = buttons[start : start + BUTTONS_PER_ACTIONS]
        actions.append({"type": "actions", "elements": [_button(b) for b in row]})
    actions = actions[: max_blocks // 2]  # 25 buttons a row: more than any reply offers
    # Buttons and the footer matter more than the tail of a very long field list.
    room = max_blocks - len(actions) - len(footer)
    if len(blocks) > room:
        blocks = blocks[: room - 1] + [
            {"type": "context", "elements": [_plain(f"{ELLIPSIS} (more not shown)", 100)]}
        ]
    return blocks + actions + footer


def text_sections(text: str, most: int) -> list[str]:
    """`text` escaped, in at most `most` pieces that each fit a section, split at a line
    break or space where one is near; text beyond them is cut, and the last piece says where."""
    pieces: list[str] = []
    rest = text
    while rest and len(pieces) < most:
        room = SECTION_TEXT_MAX
        if len(pieces) == most - 1 and len(escape(rest)) > room:
            room -= len(_cut_note(len(text), len(text)))  # the note needs its place
        head = _head(rest, room)
        pieces.append(escape(head))
        rest = rest[len(head) :]
    if rest:
        shown = len(text) - len(rest)
        pieces[-1] = pieces[-1].rstrip() + _cut_note(shown, len(text))
    return [piece if piece.strip() else " " for piece in pieces]


def _head(text: str, limit: int) -> str:
    """The longest start of `text` whose escaped form fits `limit`, ending at a line break or
    space when one is in its last tenth."""
    used = 0
    end = 0
    for ch in text:
        used += len(_ESCAPES.get(ch, ch))
        if used > limit:
            break
        end += 1
    if end == len(text):
        return text
    head = text[:end]
    cut = max(head.rfind("\n"), head.rfind(" "))
    return head[: cut + 1] if cut >= end - end // 10 else head


def _cut_note(shown: int, total: int) -> str:
    return f" {ELLIPSIS} [cut here: Slack shows the first {shown:,} of {total:,} characters]"


def reply_message(reply: Reply) -> dict[str, Any]:
    """Arguments for chat.postMessage / chat.postEphemeral / response_url: `text` + `blocks`."""
    fallback = " — ".join(part for part in (reply.title, reply.text) if part)
    return {
        "text": fit(fallback or " ", MESSAGE_TEXT_MAX),
        "blocks": reply_blocks(reply),
    }


def _question_block(
    question: Question, initial: str | None, dispatch: bool, note: str | None = None
) -> dict[str, Any]:
    element: dict[str, Any]
    if question.kind is QuestionKind.CHOICE:
        options = [
            {
                "text": _plain(c.label, OPTION_TEXT_MAX),
                "value": c.value[:OPTION_VALUE_MAX],
            }
            for c in question.choices[:OPTIONS_MAX]
        ]
        element = {"type": "static_select", "action_id": VALUE_ACTION, "options": options}
        chosen = next((o for o in options if initial is not None and o["value"] == initial), None)
        if chosen is not None:
            element["initial_option"] = chosen
    else:
        limit = max(1, min(question.max_length, INPUT_MAX))
        element = {
            "type": "plain_text_input",
            "action_id": VALUE_ACTION,
            "multiline": question.kind is QuestionKind.LONG_TEXT,
            "max_length": limit,
        }
        if initial:
            # Raw, not escaped: an input's value is the user's own text, not rendered markup.
            element["initial_value"] = initial[:limit]
    if question.placeholder:
        element["placeholder"] = _plain(question.placeholder, PLACEHOLDER_MAX)
    block: dict[str, Any] = {
        "type": "input",
        "block_id": question.key,
        "label": _plain(question.prompt, LABEL_MAX),
        "element": element,
        "optional": not question.required,
    }
    if dispatch:
        # Choosing an answer tells the app at once, so it can show the questions that follow.
        block["dispatch_action"] = True
    if note or question.hint:
        block["hint"] = _plain(note or question.hint, HINT_MAX)
    return block


@lru_cache(maxsize=512)
def _blank_block(question: Question, dispatch: bool) -> dict[str, Any]:
    # Rendered once per question: a burst of `/ticket` reuses it (views are never mutated).
    return _question_block(question, None, dispatch)


def form_view(
    form: Form,
    *,
    callback_id: str,
    initial: Mapping[str, str] | None = None,
    metadata: Mapping[str, Any] | None = None,
    notes: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """A modal asking the questions of `form` that apply, pre-filled from `initial`; a note
    (e.g. why an answer is still needed) replaces its question's hint.

    Questions that others depend on dispatch their answer at once (`dispatch_action`), and
    the app re-renders the modal with `views.update` (Slack keeps what was typed).
    """
    initial = initial or {}
    notes = notes or {}
    controlling = form.controlling
    blocks = [
        _question_block(q, initial.get(q.key), q.key in controlling, notes.get(q.key))
        if initial.get(q.key) or q.key in notes
        else _blank_block(q, q.key in controlling)
        for q in form.asked(initial)[:VIEW_BLOCKS_MAX]
    ]
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": callback_id,
        "title": _plain(form.title, VIEW_TITLE_MAX),
        "submit": _plain(form.submit, VIEW_BUTTON_MAX),
        "close": _plain("Cancel", VIEW_BUTTON_MAX),
        "blocks": blocks,
    }
    if metadata:
        encoded = json.dumps(dict(metadata), separators=(",", ":"))
        if len(encoded) > METADATA_MAX:
            raise ValueError("private_metadata too long")
        view["private_metadata"] = encoded
    return view


def notice_view(reply: Reply, *, title: str) -> dict[str, Any]:
    """A modal without inputs showing a reply (e.g. 'Ticket SUP-1001 filed')."""
    return {
        "type": "modal",
        "title": _plain(title, VIEW_TITLE_MAX),
        "close": _plain("Done", VIEW_BUTTON_MAX),
        "blocks": reply_blocks(_without_buttons(reply), max_blocks=VIEW_BLOCKS_MAX),
    }


def _without_buttons(reply: Reply) -> Reply:
    """The reply without buttons (a confirmation modal has nothing to act on)."""
    return Reply(
        text=reply.text,
        title=reply.title,
        fields=reply.fields,
        footer=reply.footer,
        private=reply.private,
    )


def answers_from_state(form: Form, values: Mapping[str, Any]) -> dict[str, str]:
    """The answers of a submitted modal (`view.state.values`) keyed by question, as strings
    (validation drops those to questions that do not apply)."""
    answers: dict[str, str] = {}
    for question in form.questions:
        element = (values.get(question.key) or {}).get(VALUE_ACTION) or {}
        if question.kind is QuestionKind.CHOICE:
            selected = element.get("selected_option") or {}
            value = selected.get("value") or ""
        else:
            value = element.get("value") or ""
        value = value.strip()
        if value:
            answers[question.key] = value
    return answers
