"""Filing: who may file, what is stored, and what is queued to post, in one transaction."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from adapters.console import PLATFORM as CONSOLE
from adapters.slack.settings import PLATFORM as SLACK
from adapters.teams import PLATFORM as TEAMS
from bot.app.callers import Origin
from bot.app.filing import file_ticket, may_file
from bot.domain.models import (
    ApprovalState,
    ChatBinding,
    CustomerChannel,
    DirectMessage,
    Edit,
    Identity,
    Role,
    TicketStatus,
)
from bot.domain.policy import PriorityKey
from tests.app.conftest import (
    AGNES,
    ANDERS,
    CARLA,
    CONSULTANCY,
    ERIK,
    GINA,
    INCIDENT,
    World,
    outbox,
    valid,
)
from tests.fakes import InMemoryStore


async def tickets(world: World) -> list[Any]:
    async with world.desk.store.unit() as uow:
        return await uow.tickets.query()


async def test_a_customer_files_and_gets_ref_priority_and_due(world: World) -> None:
    filed = await file_ticket(world.desk, reporter=CARLA, answers=valid(INCIDENT))
    ticket = filed.ticket
    assert ticket is not None and ticket.ref == "SUP-1001"
    assert ticket.customer_id == world.acme.id
    assert ticket.priority is PriorityKey.MEDIUM
    assert ticket.status is TicketStatus.OPEN
    assert ticket.approval is ApprovalState.NOT_REQUIRED and not ticket.consultancy
    assert ticket.first_response_due == datetime(2026, 12, 1, 8, tzinfo=UTC)
    assert filed.reply.text.startswith("Filed SUP-1001 with priority Medium (8 business hours).")
    assert "First response due Tue 01 Dec 2026 09:00 (Copenhagen time)" in filed.reply.text
    [announcement] = await outbox(world.desk.store)
    assert announcement.target == CustomerChannel(
        platform=CONSOLE, customer_id=world.acme.id, ref="SUP-1001"
    )
    assert announcement.content["title"] == "SUP-1001: Sync to Salesforce stopped"
    assert [b["action"] for b in announcement.content["buttons"]] == [
        "ticket.acknowledge", "ticket.start", "ticket.resolve",
    ]  # fmt: skip


async def test_details_are_kept_and_events_audited(world: World) -> None:
    answers = {**INCIDENT, "environment": "prod", "since": "", "users": "40"}
    filed = await file_ticket(world.desk, reporter=CARLA, answers=valid(answers))
    assert filed.ticket is not None and filed.ticket.details == {
        "environment": "prod",
        "users": "40",
    }
    async with world.desk.store.unit() as uow:
        [created] = await uow.tickets.events(ref="SUP-1001")
    assert created.action == "created" and created.actor == "console:carla"


async def test_an_end_user_is_told_about_first_level_support_and_nothing_is_stored(
    world: World,
) -> None:
    origin = Origin(customer_id=world.acme.id)
    filed = await file_ticket(world.desk, reporter=ERIK, answers=valid(INCIDENT), origin=origin)
    assert filed.ticket is None and filed.reply.private
    assert "1st-level support" in filed.reply.text
    assert "Acme A/S's support contacts, Carla Jensen or Anders Holm" in filed.reply.text
    assert "Agnes" not in filed.reply.text  # agents are not the customer's contacts
    assert await tickets(world) == [] and await outbox(world.desk.store) == []
    assert await may_file(world.desk, reporter=ERIK, origin=origin) == filed.reply


async def test_an_end_user_in_a_customers_slack_channel_is_pointed_to_that_customer(
    world: World,
) -> None:
    stranger = Identity(SLACK, "U999")
    origin = Origin(binding=ChatBinding(SLACK, "T1", "C0GLOBEX"))
    filed = await file_ticket(world.desk, reporter=stranger, answers=valid(INCIDENT), origin=origin)
    assert "Globex ApS's support contact, Gina Lund" in filed.reply.text


async def test_an_end_user_of_unknown_organisation_gets_the_general_explanation(
    world: World,
) -> None:
    filed = await file_ticket(world.desk, reporter=Identity(TEAMS, "x"), answers=valid(INCIDENT))
    assert filed.ticket is None
    assert "your organisation's IT support" in filed.reply.text


async def test_agents_act_on_tickets_but_do_not_file_them(world: World) -> None:
    filed = await file_ticket(world.desk, reporter=AGNES, answers=valid(INCIDENT))
    assert filed.ticket is None and "As an agent you can act" in filed.reply.text
    assert await tickets(world) == []
    assert await may_file(world.desk, reporter=CARLA) is None


async def test_the_same_submission_twice_files_and_posts_once(world: World) -> None:
    first = await file_ticket(world.desk, reporter=CARLA, answers=valid(INCIDENT), source_key="V1")
    again = await file_ticket(world.desk, reporter=CARLA, answers=valid(INCIDENT), source_key="V1")
    assert first.ticket is not None and again.ticket is not None
    assert again.reply == first.reply  # the same confirmation
    assert again.ticket.ref == first.ticket.ref == "SUP-1001"
    assert len(await tickets(world)) == 1
    assert len(await outbox(world.desk.store)) == 1


async def test_a_submission_key_from_someone_else_files_and_announces_nothing(
    world: World,
) -> None:
    first = await file_ticket(
        world.desk, reporter=CARLA, answers=valid(CONSULTANCY), source_key="V1"
    )
    queued = await outbox(world.desk.store)
    for forger in (GINA, ANDERS):  # another customer's contact; a colleague of the reporter
        forged = await file_ticket(
            world.desk, reporter=forger, answers=valid(INCIDENT), source_key="V1"
        )
        assert forged.ticket is None and forged.reply.private
        assert "did not file it and nothing was stored" in forged.reply.text
        assert "SUP-1001" not in forged.reply.text
    assert [t.ref for t in await tickets(world)] == [first.ticket.ref if first.ticket else ""]
    assert await outbox(world.desk.store) == queued  # no announcement, no approval request


async def test_consultancy_is_billable_pending_approval_and_asks_the_approvers(
    world: World,
) -> None:
    filed = await file_ticket(world.desk, reporter=CARLA, answers=valid(CONSULTANCY))
    assert filed.ticket is not None
    assert filed.ticket.consultancy and filed.ticket.approval is ApprovalState.PENDING
    assert "billable, outside the fixed fee" in filed.reply.text
    assert "Your approver has been asked." in filed.reply.text
    announcement, request = await outbox(world.desk.store)
    assert [b["action"] for b in announcement.content["buttons"]][-2:] == [
        "ticket.approve", "ticket.decline",
    ]  # fmt: skip
    assert request.target == DirectMessage(platform=CONSOLE, user="anders", ref="SUP-1001")
    assert request.content["title"] == "Approval needed: SUP-1001"
    assert [b["label"] for b in request.content["buttons"]] == ["Approve", "Decline"]


async def test_scope_items_are_in_the_fixed_fee(world: World) -> None:
    for item in world.desk.policy.second_level_scope:
        filed = await file_ticket(
            world.desk, reporter=ANDERS, answers=valid({**INCIDENT, "category": item.key})
        )
        assert filed.ticket is not None and not filed.ticket.consultancy
        assert "billable" not in filed.reply.text


async def test_a_customer_with_slack_gets_the_announcement_there_too(world: World) -> None:
    gina = Identity(CONSOLE, "gina")
    await file_ticket(world.desk, reporter=gina, answers=valid(INCIDENT))
    platforms = [m.target.platform for m in await outbox(world.desk.store)]
    assert platforms == [CONSOLE, SLACK]


async def test_a_failure_while_queueing_rolls_the_ticket_back() -> None:
    from bot.app.desk import Desk
    from bot.domain.models import Role
    from bot.domain.policy import default_policy
    from tests.app.conftest import MONDAY_9
    from tests.fakes import FixedClock

    store = InMemoryStore()
    desk = Desk.create(store=store, clock=FixedClock(MONDAY_9), policy=default_policy())
    async with store.unit() as uow:
        acme = await uow.customers.add(name="Acme")
        await uow.contacts.add(customer_id=acme.id, identity=CARLA, role=Role.CUSTOMER)

    class Broken(Exception):
        pass

    async def broken_enqueue(self: object, **_: Any) -> bool:
        raise Broken

    import tests.fakes as fakes

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(fakes._Outbox, "enqueue", broken_enqueue)
        with pytest.raises(Broken):
            await file_ticket(desk, reporter=CARLA, answers=valid(INCIDENT))
    assert store.tickets == [] and store.outbox == []
    filed = await file_ticket(desk, reporter=CARLA, answers=valid(INCIDENT))
    assert filed.ticket is not None and filed.ticket.ref == "SUP-1001"  # the number was not used


async def test_an_approver_filing_consultancy_confirms_it_themselves(world: World) -> None:
    async with world.desk.store.unit() as uow:
        await uow.contacts.add(
            customer_id=world.acme.id,
            identity=Identity(CONSOLE, "anna"),
            role=Role.APPROVER,
            display_name="Anna Vest",
        )
    filed = await file_ticket(world.desk, reporter=ANDERS, answers=valid(CONSULTANCY))
    assert filed.ticket is not None
    assert "Your approver has been asked" not in filed.reply.text
    assert (
        "As one of Acme A/S's approvers, please confirm the approval yourself: use Approve or "
        "Decline in the direct message I sent you, or type 'approve SUP-1001'. Your other "
        "approver has been asked too; the first decision counts."
    ) in filed.reply.text
    requests = {m.target.user: m.content for m in (await outbox(world.desk.store))[1:]}
    assert set(requests) == {"anders", "anna"}
    assert requests["anders"]["text"].startswith(
        "You asked for a consultancy service for Acme A/S: 'Restore deleted locations'."
    )
    assert "please confirm the approval yourself" in requests["anders"]["text"]
    assert [b["label"] for b in requests["anders"]["buttons"]] == ["Approve", "Decline"]
    assert requests["anna"]["text"].startswith("Anders Holm asked for a consultancy service")


async def test_the_only_approver_filing_consultancy_is_not_told_others_were_asked(
    world: World,
) -> None:
    filed = await file_ticket(world.desk, reporter=ANDERS, answers=valid(CONSULTANCY))
    assert "please confirm the approval yourself" in filed.reply.text
    assert "asked too" not in filed.reply.text and "No approver" not in filed.reply.text


async def test_an_approver_deciding_their_own_request_sees_it_redrawn_in_their_words(
    world: World,
) -> None:
    from bot.app.actions import act
    from bot.domain.lifecycle import Action

    await file_ticket(world.desk, reporter=ANDERS, answers=valid(CONSULTANCY))
    await act(world.desk, actor=ANDERS, ref="SUP-1001", action=Action.APPROVE)
    edits = [
        m
        for m in await outbox(world.desk.store)
        if isinstance(m.target, Edit) and m.target.of == "approval:SUP-1001:console:anders"
    ]
    assert edits, "the approval request is redrawn once decided"
    assert edits[-1].content["text"].startswith("You asked for a consultancy service")
    assert edits[-1].content["footer"].startswith("Approved by Anders Holm")
    assert not edits[-1].content.get("buttons")
