"""The Slack side of one filing path: a forged view id, errors on visible questions, and the
"who may file" memory, through signed requests and the fake Slack on a real database."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from adapters.slack import filers
from adapters.slack.filers import TTL
from adapters.slack.settings import PLATFORM
from bot.domain.models import ChatBinding, Identity, Role
from tests.adapters.slack.conftest import (
    ACME_CHANNEL,
    CARLA,
    CONSULTANCY,
    ERIK,
    INCIDENT,
    TEAM,
    SlackWorld,
    slack_runtime,
    submission,
)

BETA_CHANNEL, BOB, BERIT = "C0BETA", "U0BOB", "U0BERIT"  # Beta's customer and approver


async def add_beta(slack: SlackWorld) -> None:
    async with slack.desk.store.unit() as uow:
        beta = await uow.customers.add(
            name="Beta ApS", bindings=[ChatBinding(PLATFORM, TEAM, BETA_CHANNEL)]
        )
        for user, role in ((BOB, Role.CUSTOMER), (BERIT, Role.APPROVER)):
            await uow.contacts.add(
                customer_id=beta.id, identity=Identity(PLATFORM, user), role=role
            )


async def remove_contact(slack: SlackWorld, user: str) -> None:
    """Remove a contact, as `supportbot contact remove` does (from any instance)."""
    async with slack.desk.store.unit() as uow:
        assert await uow.contacts.remove(identity=Identity(PLATFORM, user)) is not None


async def test_a_forged_view_id_from_another_customer_files_and_announces_nothing(
    slack: SlackWorld,
) -> None:
    await add_beta(slack)
    acme_ticket = await slack.file(CARLA, CONSULTANCY)
    posts = len(slack.fake.of("chat.postMessage"))
    dms = len(slack.fake.of("conversations.open"))
    carla_view = slack.fake.of("views.open")[0].result["view"]
    view = await slack.fill(carla_view, CONSULTANCY, CARLA)

    forged = submission(view, CONSULTANCY, BOB)  # Beta's contact, reusing Acme's view id
    ack = await slack.interact_json(forged)

    assert ack["response_action"] == "update"
    shown = str(ack["view"])
    assert "did not file it and nothing was stored" in shown
    assert acme_ticket.ref not in shown and "Filed" not in shown
    assert [t.ref for t in await slack.tickets()] == [acme_ticket.ref]
    await slack.server.pump.next_round()
    assert len(slack.fake.of("chat.postMessage")) == posts  # no announcement, no approval DM
    assert len(slack.fake.of("conversations.open")) == dms
    again = await slack.interact_json(submission(view, CONSULTANCY, CARLA))
    assert "Filed SUP-1001" in str(again["view"])  # the owner's repeat still gets their ticket


async def test_a_modal_submitted_before_its_follow_up_question_appeared_asks_it(
    slack: SlackWorld,
) -> None:
    view = await slack.open_modal(CARLA)  # data loss is not asked until an incident is chosen
    assert "data_loss" not in {b["block_id"] for b in view["blocks"]}

    ack = await slack.interact_json(submission(view, {**INCIDENT, "description": ""}, CARLA))

    assert ack["response_action"] == "update"  # errors on hidden blocks would be rejected
    blocks = {b["block_id"]: b for b in ack["view"]["blocks"]}
    assert "data_loss" in blocks
    assert blocks["data_loss"]["hint"]["text"].startswith("Please answer this one too")
    assert blocks["description"]["hint"]["text"] == "Sorry, this one cannot be empty."
    assert "hint" not in blocks["summary"] or "pick one" not in blocks["summary"]["hint"]["text"]
    assert blocks["summary"]["element"]["initial_value"] == INCIDENT["summary"]  # kept
    assert blocks["affected"]["element"]["initial_option"]["value"] == "some"
    assert ack["view"]["callback_id"] == view["callback_id"]
    assert ack["view"]["private_metadata"] == view["private_metadata"]
    assert await slack.tickets() == []

    redrawn = {**ack["view"], "id": view["id"]}  # Slack keeps the view's id on an update
    filed = await slack.interact_json(submission(redrawn, INCIDENT, CARLA))
    assert "Filed SUP-1001" in str(filed["view"])


async def test_errors_on_questions_the_modal_shows_stay_under_them(slack: SlackWorld) -> None:
    view = await slack.fill(await slack.open_modal(CARLA), INCIDENT, CARLA)
    ack = await slack.interact_json(submission(view, {**INCIDENT, "users": "2,5"}, CARLA))
    assert ack == {
        "response_action": "errors",
        "errors": {
            "users": "Sorry, '2,5' is not a whole number of users. Please give the number "
            "in digits without a comma or point, e.g. 25 or 2500."
        },
    }
    assert await slack.tickets() == []


async def test_a_refusal_is_never_remembered_as_may_file(slack: SlackWorld) -> None:
    for asked in (1, 2):  # one after the other: the second is not answered from memory
        await slack.command(ERIK)
        answers = await slack.fake.wait_responses(asked)
        assert "1st-level" in answers[-1]["text"]
        await slack_runtime(slack.server).background.idle()
    assert slack.fake.of("views.open") == []
    async with slack.desk.store.unit() as uow:  # registered now: may file at once
        await uow.contacts.add(
            customer_id=slack.acme.id, identity=Identity(PLATFORM, ERIK), role=Role.CUSTOMER
        )
    await slack.open_modal(ERIK)


async def test_a_removed_contact_cannot_file_and_soon_sees_no_form(slack: SlackWorld) -> None:
    await slack.open_modal(CARLA)  # may file: remembered for a while
    await remove_contact(slack, CARLA)

    view = await slack.open_modal(CARLA)  # still remembered: the form opens
    ack = await slack.submit(view, INCIDENT, CARLA)

    assert ack["response_action"] == "update"
    assert "1st-level support" in str(ack["view"])  # filing asked the database again
    assert await slack.tickets() == []
    slack.clock.advance(TTL - timedelta(seconds=1))
    await slack.open_modal(CARLA)
    slack.clock.advance(timedelta(seconds=1))  # the memory expires by the desk's clock
    opened = len(slack.fake.of("views.open"))
    await slack.command(CARLA)
    [refusal] = await slack.fake.wait_responses()
    assert "1st-level support" in refusal["text"] and "Acme A/S" in refusal["text"]
    await slack_runtime(slack.server).background.idle()
    assert len(slack.fake.of("views.open")) == opened
    assert slack.fake.of("chat.postMessage") == []


async def test_a_burst_of_ticket_commands_looks_up_who_may_file_once(
    slack: SlackWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    lookups = 0
    real = filers.may_file

    async def counted(*args: Any, **kwargs: Any) -> Any:
        nonlocal lookups
        lookups += 1
        return await real(*args, **kwargs)

    monkeypatch.setattr(filers, "may_file", counted)
    for _ in range(5):
        await slack.command(CARLA)
    await slack.fake.wait_for("views.open", 5)
    assert lookups == 1
    assert {c.args["view"]["private_metadata"] for c in slack.fake.of("views.open")} == {
        f'{{"team":"{TEAM}","channel":"{ACME_CHANNEL}"}}'
    }
