"""Simultaneous clicks on one ticket, on the real database: one wins, the other is told why not.

On PostgreSQL the use cases lock the ticket they decide on (SELECT ... FOR UPDATE); without
that lock both clicks read the same state and both act. SQLite serialises writers anyway.
"""

from __future__ import annotations

import asyncio

from adapters.console import PLATFORM as CONSOLE
from bot.app.actions import act
from bot.app.filing import file_ticket
from bot.app.replies import Reply
from bot.domain.lifecycle import Action
from bot.domain.models import Identity, Role, TicketEvent, TicketThread
from tests.app.conftest import AGNES, ANDERS, CARLA, CONSULTANCY, INCIDENT, World, outbox, valid

ALF = Identity(CONSOLE, "alf")  # a second agent
ASTRID = Identity(CONSOLE, "astrid")  # a second Acme approver
ROUNDS = 5  # several tickets, so an unlocked read-decide-write would be caught racing


async def add_people(world: World) -> None:
    async with world.desk.store.unit() as uow:
        await uow.contacts.add(
            customer_id=world.provider.id, identity=ALF, role=Role.AGENT, display_name="Alf Dahl"
        )
        await uow.contacts.add(
            customer_id=world.acme.id, identity=ASTRID, role=Role.APPROVER, display_name="Astrid"
        )


async def trail(world: World, ref: str) -> list[TicketEvent]:
    async with world.desk.store.unit() as uow:
        return await uow.tickets.events(ref=ref)


async def thread_posts(world: World, ref: str) -> int:
    return sum(
        1
        for m in await outbox(world.desk.store)
        if isinstance(m.target, TicketThread) and m.target.ref == ref
    )


def split(replies: list[Reply], *won: str) -> tuple[list[Reply], list[Reply]]:
    winners = [r for r in replies if r.text.startswith(won)]
    return winners, [r for r in replies if r not in winners]


async def test_two_agents_acknowledging_at_once_acknowledge_once(sql_world: World) -> None:
    world = sql_world
    await add_people(world)
    for _ in range(ROUNDS):
        filed = await file_ticket(world.desk, reporter=CARLA, answers=valid(INCIDENT))
        assert filed.ticket is not None
        ref = filed.ticket.ref
        replies = list(
            await asyncio.gather(
                act(world.desk, actor=AGNES, ref=ref, action=Action.ACKNOWLEDGE),
                act(world.desk, actor=ALF, ref=ref, action=Action.ACKNOWLEDGE),
            )
        )
        winners, losers = split(replies, f"{ref} is now acknowledged.")
        assert len(winners) == 1, replies
        assert [r.text for r in losers] == [f"{ref} is already acknowledged."]
        assert await thread_posts(world, ref) == 1
        assert [e.action for e in await trail(world, ref)] == ["created", "status"]


async def test_approve_and_decline_at_once_decide_once(sql_world: World) -> None:
    world = sql_world
    await add_people(world)
    for _ in range(ROUNDS):
        filed = await file_ticket(world.desk, reporter=CARLA, answers=valid(CONSULTANCY))
        assert filed.ticket is not None
        ref = filed.ticket.ref
        replies = list(
            await asyncio.gather(
                act(world.desk, actor=ANDERS, ref=ref, action=Action.APPROVE),
                act(world.desk, actor=ASTRID, ref=ref, action=Action.DECLINE),
            )
        )
        winners, losers = split(replies, f"Approved: {ref}.", f"Declined: {ref}.")
        assert len(winners) == 1, replies
        [loser] = losers
        assert loser.private and loser.text.startswith(f"{ref} is not waiting for approval")
        assert await thread_posts(world, ref) == 1
        decisions = [e.action for e in await trail(world, ref) if e.action != "created"]
        assert decisions in (["approve"], ["decline"])
