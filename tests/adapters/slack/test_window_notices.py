"""A service-window notice in Slack: each reader sees their own time beside Copenhagen's, and
the reason an agent typed stays plain text."""

from __future__ import annotations

from datetime import UTC, datetime

from slack_sdk.models.blocks import Block

from adapters.console.view import reply_lines
from adapters.slack.blocks import reply_message
from bot.app.messages.windows import notice
from bot.app.replies import Field, Reply
from bot.domain.models import ServiceWindow
from bot.domain.policy import default_policy
from bot.domain.windows import Phase

START = datetime(2026, 12, 1, 19, 0, tzinfo=UTC)  # 20:00 in Copenhagen
END = datetime(2026, 12, 1, 22, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def window(reason: str) -> ServiceWindow:
    return ServiceWindow(1, None, START, END, reason, revised_at=NOW)


def test_the_times_carry_slacks_date_token_for_the_readers_own_time() -> None:
    reply = notice(default_policy(), window("Database upgrade"), Phase.ANNOUNCED, now=NOW)
    message = reply_message(reply)
    fields = [f for b in message["blocks"] if b["type"] == "section" for f in b.get("fields", [])]
    start = next(f for f in fields if f["text"].startswith("Start:"))
    assert start == {
        "type": "mrkdwn",
        "text": "Start: Tue 01 Dec 2026 20:00 (Copenhagen time)\nYour time: "
        "<!date^1796151600^{date_short_pretty} {time}|Tue 01 Dec 2026 20:00 (Copenhagen time)>",
    }
    assert int(START.timestamp()) == 1796151600
    service = next(f for f in fields if f["text"].startswith("Service:"))
    assert service["type"] == "plain_text"  # no instant: as before
    for block in message["blocks"]:
        Block.parse(block).validate_json()


def test_the_reason_typed_by_an_agent_is_never_markup() -> None:
    typed = "<!channel> see <https://evil.example|here> & *now*"
    message = reply_message(notice(default_policy(), window(typed), Phase.STARTED, now=START))
    rendered = str(message)
    assert "<!channel>" not in rendered and "<https://evil" not in rendered
    assert "&lt;!channel&gt; see &lt;https://evil.example|here&gt; &amp; *now*" in rendered
    texts = [b["text"] for b in message["blocks"] if b["type"] == "section" and "text" in b]
    assert all(t["type"] == "plain_text" for t in texts)  # *now* is not bold either


def test_a_field_value_cannot_break_out_of_the_date_token() -> None:
    field = Field("Start", "a|b>c <!here>", at=START)
    message = reply_message(Reply(text="x", fields=(field,)))
    text = message["blocks"][1]["fields"][0]["text"]
    assert text.endswith("|a/b&gt;c &lt;!here&gt;>")
    assert text.count("<") == 1


def test_other_chats_show_the_copenhagen_text() -> None:
    reply = notice(default_policy(), window("Database upgrade"), Phase.ENDED, now=END)
    shown = "\n".join(reply_lines(reply))
    assert "Start:   Tue 01 Dec 2026 20:00 (Copenhagen time)" in shown
    assert "<!date" not in shown


def test_stored_replies_read_back_with_and_without_instants() -> None:
    old_row = {"text": "t", "fields": [{"label": "Start", "value": "Tue"}]}  # before `at`
    assert Reply.from_json(old_row).fields == (Field("Start", "Tue"),)
    reply = Reply(text="t", fields=(Field("Start", "Tue", at=START), Field("Service", "all")))
    stored = reply.to_json()
    assert stored["fields"] == [
        {"label": "Start", "value": "Tue", "at": "2026-12-01T19:00:00+00:00"},
        {"label": "Service", "value": "all"},
    ]
    assert Reply.from_json(stored) == reply
