"""What people type in Slack, as it is stored and posted again: invisible characters dropped,
direction overrides re-asked, other people's mentions visible but silent, long replies cut
where they say."""

from __future__ import annotations

from typing import Any

from adapters.slack.blocks import SECTION_TEXT_MAX
from tests.adapters.slack.conftest import (
    ACME_CHANNEL,
    AGNES,
    CARLA,
    INCIDENT,
    SlackWorld,
    submission,
)


def _thread_posts(slack: SlackWorld, ts: str) -> list[Any]:
    return [p for p in slack.fake.of("chat.postMessage") if p.args.get("thread_ts") == ts]


async def test_a_modal_with_nul_and_control_characters_is_filed_without_them(
    slack: SlackWorld,
) -> None:
    answers = {**INCIDENT, "summary": "Sync\x00 stopped\x1b", "description": "a\x00b\r\nc\u200b"}
    ticket = await slack.file(CARLA, answers)  # on SQLite and PostgreSQL alike

    assert ticket.summary == "Sync stopped"
    assert ticket.description == "ab\nc"


async def test_a_direction_override_in_the_modal_is_shown_under_its_question(
    slack: SlackWorld,
) -> None:
    view = await slack.fill(await slack.open_modal(CARLA), INCIDENT, CARLA)

    answers = {**INCIDENT, "summary": "Invoice \u202egnp.exe"}
    ack = await slack.interact_json(submission(view, answers, CARLA))

    assert ack["response_action"] == "errors"
    assert list(ack["errors"]) == ["summary"]
    assert ack["errors"]["summary"].startswith("Sorry, that has invisible characters")
    assert await slack.tickets() == []


async def test_mentions_in_a_reply_stay_visible_and_ping_nobody(slack: SlackWorld) -> None:
    ticket = await slack.file(CARLA, INCIDENT)
    assert ticket.thread is not None
    mention = {
        "type": "app_mention",
        "channel": ACME_CHANNEL,
        "user": AGNES,
        "text": f"<@UBOT> reply {ticket.ref} thanks <@{CARLA}>, ask <@U0ERIK|erik> &amp; me",
        "ts": "1764489900.000300",
    }

    await slack.event(mention, event_id="Ev0MENTION")

    await slack.fake.wait_for("chat.postEphemeral")  # "your reply was posted"
    await slack.server.pump.next_round()
    [posted] = _thread_posts(slack, ticket.thread.thread)
    shown = str(posted.args["blocks"])
    assert f"thanks @{CARLA}, ask @erik &amp; me" in shown
    assert "<@" not in shown + posted.args["text"] and "UBOT" not in shown


async def test_a_reply_longer_than_a_slack_message_says_where_it_was_cut(
    slack: SlackWorld,
) -> None:
    ticket = await slack.file(CARLA, INCIDENT)
    assert ticket.thread is not None
    words = " ".join(f"w{n:05d}" for n in range(8000))  # 55,999 characters
    dm = {
        "type": "message",
        "channel": f"D{AGNES}",
        "channel_type": "im",
        "user": AGNES,
        "text": f"reply {ticket.ref} {words}",
        "ts": "1764489800.000100",
    }

    await slack.event(dm, event_id="Ev0LONG")

    await slack.fake.wait_for("chat.postMessage", 2)
    await slack.server.pump.next_round()
    [posted] = _thread_posts(slack, ticket.thread.thread)
    sections = [b["text"]["text"] for b in posted.args["blocks"] if b["type"] == "section"]
    assert len(sections) > 1 and all(len(s) <= SECTION_TEXT_MAX for s in sections)
    assert sections[0].startswith("w00000 w00001")
    shown = "".join(sections)
    assert shown.endswith(" of 55,999 characters]")
    assert "[cut here: Slack shows the first " in sections[-1]
    cut_at = int(sections[-1].split("the first ")[1].split(" of")[0].replace(",", ""))
    assert words.startswith(" ".join(shown.split()[: cut_at // 7]))  # nothing lost before it
