"""Block Kit rendering: valid for slack_sdk.models, within Slack's limits, user text escaped."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from adapters.slack.blocks import (
    ELLIPSIS,
    answers_from_state,
    escape,
    fit,
    form_view,
    notice_view,
    reply_message,
)
from bot.app.forms import Choice, Form, Question, QuestionKind
from bot.app.intake import intake_form
from bot.app.replies import Button, ButtonStyle, Field, Reply
from bot.domain.policy import default_policy


def _valid_message(message: dict[str, Any]) -> None:
    assert 0 < len(message["blocks"]) <= 50
    for block in message["blocks"]:
        parsed = Block.parse(block)
        assert parsed is not None
        parsed.validate_json()


def test_escape_neutralises_mentions_and_links() -> None:
    assert escape("<!channel> <http://x|y> & <@U1>") == (
        "&lt;!channel&gt; &lt;http://x|y&gt; &amp; &lt;@U1&gt;"
    )


def test_fit_truncates_with_an_ellipsis_counting_the_escaped_length() -> None:
    text = "&" * 100
    out = fit(text, 50)
    assert len(out) <= 50 and out.endswith(ELLIPSIS)
    assert "&amp" not in out.removesuffix(ELLIPSIS).split("&amp;")[-1]  # no half entity
    assert fit("short", 50) == "short"


@given(st.text(max_size=400), st.integers(min_value=2, max_value=300))
def test_fit_never_exceeds_its_limit_nor_leaves_markup(text: str, limit: int) -> None:
    out = fit(text, limit)
    assert len(out) <= limit
    assert "<" not in out and ">" not in out


def test_a_huge_reply_stays_within_every_limit() -> None:
    reply = Reply(
        title="T" * 500,
        text="<!here> " * 2000,
        fields=tuple(Field(f"Label {i}", "v" * 3000) for i in range(600)),
        buttons=tuple(
            Button("B" * 200, f"ticket.x{i}", "SUP-1", ButtonStyle.DANGER) for i in range(60)
        ),
        footer="F" * 5000,
    )

    message = reply_message(reply)

    _valid_message(message)
    assert len(message["text"]) <= 4000
    kinds = [b["type"] for b in message["blocks"]]
    assert kinds[0] == "header" and kinds[-1] == "context"
    assert kinds.count("actions") == 3  # 60 buttons in rows of 25, none dropped
    assert "<!here>" not in str(message)


def test_a_plain_reply_renders_title_text_fields_buttons_footer() -> None:
    reply = Reply(
        title="SUP-1001: Sync stopped",
        text="No users since 07:00.",
        fields=(Field("Priority", "Medium"),),
        buttons=(Button("Acknowledge", "ticket.acknowledge", "SUP-1001", ButtonStyle.PRIMARY),),
        footer="Status: Open",
    )

    message = reply_message(reply)

    _valid_message(message)
    assert [b["type"] for b in message["blocks"]] == [
        "header",
        "section",
        "section",
        "actions",
        "context",
    ]
    button = message["blocks"][3]["elements"][0]
    assert button == {
        "type": "button",
        "text": {"type": "plain_text", "text": "Acknowledge", "emoji": True},
        "action_id": "ticket.acknowledge",
        "value": "SUP-1001",
        "style": "primary",
    }
    assert message["text"] == "SUP-1001: Sync stopped — No users since 07:00."


def test_the_intake_form_renders_as_a_valid_modal() -> None:
    form = intake_form(default_policy())

    view = form_view(
        form,
        callback_id="ticket.intake",
        initial={"summary": "<b>x</b>" * 100},
        metadata={"team": "T1", "channel": "C1"},
    )

    View(**view).validate_json()
    keys = [b["block_id"] for b in view["blocks"]]
    assert keys == [q.key for q in form.questions if q.key != "data_loss"]  # not asked yet
    summary = view["blocks"][0]["element"]
    assert len(summary["initial_value"]) <= summary["max_length"]
    affected = next(b for b in view["blocks"] if b["block_id"] == "affected")
    assert affected["dispatch_action"] is True  # the answer decides what is asked next


def test_an_incident_is_asked_about_data_loss_and_an_inquiry_is_not() -> None:
    form = intake_form(default_policy())

    incident = form_view(form, callback_id="ticket.intake", initial={"affected": "some"})
    inquiry = form_view(form, callback_id="ticket.intake", initial={"affected": "inquiry"})

    View(**incident).validate_json()
    blocks = {b["block_id"]: b for b in incident["blocks"]}
    assert blocks["data_loss"]["optional"] is False
    assert blocks["affected"]["element"]["initial_option"]["value"] == "some"
    assert "data_loss" not in {b["block_id"] for b in inquiry["blocks"]}


def test_submitted_answers_are_read_from_the_view_state() -> None:
    form = Form(
        key="f",
        title="Form",
        submit="Send",
        questions=(
            Question(
                "kind", "Kind?", QuestionKind.CHOICE, choices=(Choice("a", "A"), Choice("b", "B"))
            ),
            Question("extra", "Extra?", QuestionKind.TEXT, when=("kind", ("a",))),
            Question("note", "Note", QuestionKind.LONG_TEXT, required=False),
        ),
    )
    state: dict[str, Any] = {
        "kind": {"value": {"type": "static_select", "selected_option": {"value": "b"}}},
        "extra": {"value": {"type": "plain_text_input", "value": "  ignored "}},
        "note": {"value": {"type": "plain_text_input", "value": None}},
    }

    # Everything typed, trimmed; validation drops what does not apply (tests/app/test_forms.py).
    assert answers_from_state(form, state) == {"kind": "b", "extra": "ignored"}
    assert (
        form_view(form, callback_id="f", initial=answers_from_state(form, state))["blocks"]
        == form_view(form, callback_id="f", initial={"kind": "b"})["blocks"]
    )


def test_a_notice_view_has_no_buttons() -> None:
    reply = Reply(text="Filed", buttons=(Button("Go", "ticket.x", "1"),))
    view = notice_view(reply, title="A title longer than twenty-four characters")
    View(**view).validate_json()
    assert all(b["type"] != "actions" for b in view["blocks"])
