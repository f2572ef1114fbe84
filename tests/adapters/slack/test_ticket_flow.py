"""`/ticket` -> views.open -> view_submission -> ticket stored -> chat.postMessage, for real."""

from __future__ import annotations

import asyncio

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from adapters.slack.settings import PLATFORM as SLACK
from bot.domain.models import ApprovalState, ThreadRef
from tests.adapters.slack.conftest import (
    ACME_CHANNEL,
    AGNES,
    CARLA,
    CONSULTANCY,
    ERIK,
    INCIDENT,
    SlackWorld,
    slack_runtime,
    submission,
)


async def test_ticket_opens_the_intake_modal_prefilled_with_the_text(slack: SlackWorld) -> None:
    response = await slack.command(CARLA, "Sync is broken")

    assert response.status == 200
    call = (await slack.fake.wait_for("views.open"))[0]
    assert call.args["trigger_id"] == "trigger-1"
    assert call.token == "xoxb-test"
    view = call.args["view"]
    View(**view).validate_json()
    assert view["callback_id"] == "ticket.intake"
    summary = next(b for b in view["blocks"] if b["block_id"] == "summary")
    assert summary["element"]["initial_value"] == "Sync is broken"


async def test_submitting_files_the_ticket_and_announces_it_in_the_support_channel(
    slack: SlackWorld,
) -> None:
    view = await slack.open_modal(CARLA)

    ack = await slack.submit(view, INCIDENT, CARLA)

    assert ack["response_action"] == "update"
    View(**ack["view"]).validate_json()
    assert "Filed SUP-1001" in str(ack["view"])
    [ticket] = await slack.tickets()
    assert ticket.summary == INCIDENT["summary"]
    assert ticket.reporter.user_id == CARLA
    post = (await slack.fake.wait_for("chat.postMessage"))[0]
    assert post.args["channel"] == ACME_CHANNEL
    assert "SUP-1001" in post.args["text"]
    actions = {
        element["action_id"]
        for block in post.args["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    }
    assert {"ticket.acknowledge", "ticket.start", "ticket.resolve"} <= actions
    for block in post.args["blocks"]:
        Block.parse(block).validate_json()  # type: ignore[union-attr]
    await slack.server.pump.next_round()
    async with slack.desk.store.unit() as uow:
        stored = await uow.tickets.get(ref="SUP-1001")
    assert stored is not None
    assert stored.thread == ThreadRef(SLACK, ACME_CHANNEL, post.result["ts"])


async def test_choosing_an_incident_adds_the_data_loss_question(slack: SlackWorld) -> None:
    view = await slack.open_modal(CARLA)
    assert "data_loss" not in {b["block_id"] for b in view["blocks"]}

    updated = await slack.fill(view, INCIDENT, CARLA)

    View(**updated).validate_json()
    assert "data_loss" in {b["block_id"] for b in updated["blocks"]}
    update = slack.fake.of("views.update")[0]
    assert update.args["hash"] == "h1"  # guards against overwriting a newer update


async def test_an_inquiry_is_filed_without_the_data_loss_question(slack: SlackWorld) -> None:
    inquiry = {**INCIDENT, "affected": "inquiry"}
    del inquiry["data_loss"]

    ticket = await slack.file(CARLA, inquiry)

    assert ticket.inquiry and ticket.data_loss is None
    assert slack.fake.of("views.update") == []


async def test_invalid_answers_are_shown_in_the_modal_and_nothing_is_filed(
    slack: SlackWorld,
) -> None:
    view = await slack.open_modal(CARLA)

    ack = await slack.submit(view, {**INCIDENT, "description": "", "users": "lots"}, CARLA)

    assert ack["response_action"] == "errors"
    assert set(ack["errors"]) == {"description", "users"}
    assert await slack.tickets() == []
    assert slack.fake.of("chat.postMessage") == []


async def test_a_double_submission_files_one_ticket_and_posts_once(slack: SlackWorld) -> None:
    view = await slack.fill(await slack.open_modal(CARLA), INCIDENT, CARLA)
    payload = submission(view, INCIDENT, CARLA)

    first, second = await asyncio.gather(slack.interact_json(payload), slack.interact_json(payload))

    assert first["response_action"] == second["response_action"] == "update"
    assert len(await slack.tickets()) == 1
    await slack.fake.wait_for("chat.postMessage")
    await slack.server.pump.next_round()
    assert len(slack.fake.of("chat.postMessage")) == 1


async def test_user_text_stays_plain_text_in_everything_posted(slack: SlackWorld) -> None:
    nasty = "<!channel> see <http://evil.example|click> & *now*"
    ticket = await slack.file(CARLA, {**INCIDENT, "summary": nasty})

    post = slack.fake.of("chat.postMessage")[0]
    posted = str(post.args["blocks"]) + post.args["text"]
    assert "<!channel>" not in posted
    assert "<http://evil.example|click>" not in posted
    assert "&lt;!channel&gt; see &lt;http://evil.example|click&gt; &amp; *now*" in posted
    assert ticket.summary == nasty  # stored as typed, escaped only when rendered


async def test_end_users_get_a_private_explanation_and_no_modal(slack: SlackWorld) -> None:
    response = await slack.command(ERIK, "Cannot log in")

    assert response.status == 200
    [answer] = await slack.fake.wait_responses()
    assert answer["response_type"] == "ephemeral"
    assert "1st-level" in answer["text"]
    assert "Acme A/S" in answer["text"]  # the channel tells us their organisation
    await slack_runtime(slack.server).background.idle()
    assert slack.fake.of("views.open") == []


async def test_agents_are_told_they_act_on_tickets_rather_than_file_them(
    slack: SlackWorld,
) -> None:
    await slack.command(AGNES)

    [answer] = await slack.fake.wait_responses()
    assert answer["response_type"] == "ephemeral"
    assert "agent" in answer["text"]
    await slack_runtime(slack.server).background.idle()
    assert slack.fake.of("views.open") == []


async def test_consultancy_asks_approvers_privately(slack: SlackWorld) -> None:
    ticket = await slack.file(CARLA, CONSULTANCY)

    assert ticket.consultancy and ticket.approval is ApprovalState.PENDING
    await slack.server.pump.next_round()
    opened = slack.fake.of("conversations.open")
    assert [c.args["users"] for c in opened] == ["U0ANDERS"]
    dm = [c for c in slack.fake.of("chat.postMessage") if c.args["channel"] == "DU0ANDERS"]
    assert len(dm) == 1
    assert "ticket.approve" in str(dm[0].args["blocks"])
