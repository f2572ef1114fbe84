"""Free text to the bot: an action when it names one, a question otherwise, on every channel."""

from __future__ import annotations

from bot.app.conversation import respond
from bot.app.filing import file_ticket
from bot.domain.models import ApprovalState, TicketStatus
from bot.domain.policy import PriorityKey
from tests.app.conftest import AGNES, ANDERS, CARLA, CONSULTANCY, INCIDENT, World, outbox, valid


async def _file(world: World, answers: dict[str, str]) -> str:
    filed = await file_ticket(world.desk, reporter=CARLA, answers=valid(answers))
    assert filed.ticket is not None
    return filed.ticket.ref


async def _ticket(world: World, ref: str):  # type: ignore[no-untyped-def]
    async with world.desk.store.unit() as uow:
        return await uow.tickets.get(ref=ref)


async def test_an_agents_typed_action_is_carried_out(world: World) -> None:
    ref = await _file(world, INCIDENT)

    reply = await respond(world.desk, speaker=AGNES, text=f"  ack {ref.lower()} ")

    assert reply.text.startswith(f"{ref} is now acknowledged.")
    assert (await _ticket(world, ref)).status is TicketStatus.ACKNOWLEDGED


async def test_an_action_keeps_the_text_after_the_reference(world: World) -> None:
    ref = await _file(world, INCIDENT)

    await respond(world.desk, speaker=AGNES, text=f"priority {ref} lowest only one user affected")

    assert (await _ticket(world, ref)).priority is PriorityKey.LOWEST


async def test_an_approver_decides_by_typing(world: World) -> None:
    ref = await _file(world, CONSULTANCY)

    await respond(world.desk, speaker=ANDERS, text=f"approve {ref}")

    assert (await _ticket(world, ref)).approval is ApprovalState.APPROVED


async def test_an_action_without_a_ticket_asks_which(world: World) -> None:
    reply = await respond(world.desk, speaker=AGNES, text="ack")

    assert reply.private
    assert "Which ticket?" in reply.text and "ack SUP-1001" in reply.text


async def test_a_customer_cannot_act_by_typing_either(world: World) -> None:
    ref = await _file(world, INCIDENT)

    reply = await respond(world.desk, speaker=CARLA, text=f"resolve {ref}")

    assert reply.private and "agent" in reply.text.lower()
    assert (await _ticket(world, ref)).status is TicketStatus.OPEN


async def test_anything_else_is_a_question(world: World) -> None:
    ref = await _file(world, INCIDENT)

    status = await respond(world.desk, speaker=CARLA, text=f"status of {ref}?")
    unrelated = await respond(world.desk, speaker=CARLA, text="log in problems since monday")

    assert ref in status.text and "open" in status.text.lower()
    assert (await _ticket(world, ref)).status is TicketStatus.OPEN
    assert "ticket" in unrelated.text.lower()  # help with examples, nothing done


async def test_control_characters_are_dropped_and_direction_overrides_refused(
    world: World,
) -> None:
    ref = await _file(world, INCIDENT)

    await respond(world.desk, speaker=AGNES, text=f"reply {ref} On\x00 it\x1b[0m, back\r\nsoon")
    refused = await respond(world.desk, speaker=AGNES, text=f"reply {ref} gnp.\u202eexe")

    posted = [m.content["text"] for m in await outbox(world.desk.store)]
    assert "On it[0m, back soon" in posted
    assert not any("exe" in text for text in posted)  # nothing of the refused one
    assert refused.private and "type it again" in refused.text
