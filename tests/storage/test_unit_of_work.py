"""The unit of work: all or nothing."""

from __future__ import annotations

import pytest

from bot.domain.models import CustomerChannel
from tests.storage.factories import OPENED, new_ticket


class Boom(Exception):
    pass


async def test_an_error_inside_the_unit_leaves_nothing_written(store):
    async with store.unit() as uow:
        customer = await uow.customers.add(name="Acme")
    with pytest.raises(Boom):
        async with store.unit() as uow:
            ticket = await uow.tickets.create(ticket=new_ticket(customer.id), actor="u")
            await uow.outbox.enqueue(
                target=CustomerChannel(platform="slack", customer_id=customer.id, ref=ticket.ref),
                content={"text": "new ticket"},
                dedupe_key=f"announce:{ticket.ref}",
                at=OPENED,
            )
            raise Boom
    async with store.unit() as uow:
        assert await uow.tickets.query() == []
        assert await uow.outbox.due(now=OPENED) == []
    # The rolled-back reference is handed out again: no gaps from failed filings.
    async with store.unit() as uow:
        ticket = await uow.tickets.create(ticket=new_ticket(customer.id), actor="u")
    assert ticket.ref == "SUP-1001"


async def test_a_successful_unit_commits_ticket_and_message_together(store):
    async with store.unit() as uow:
        customer = await uow.customers.add(name="Acme")
        ticket = await uow.tickets.create(ticket=new_ticket(customer.id), actor="u")
        await uow.outbox.enqueue(
            target=CustomerChannel(platform="slack", customer_id=customer.id, ref=ticket.ref),
            content={"text": "new ticket"},
            dedupe_key=f"announce:{ticket.ref}",
            at=OPENED,
        )
    async with store.unit() as uow:
        assert [t.ref for t in await uow.tickets.query()] == ["SUP-1001"]
        assert [m.dedupe_key for m in await uow.outbox.due(now=OPENED)] == ["announce:SUP-1001"]


async def test_a_unit_cannot_be_entered_twice(store):
    unit = store.unit()
    async with unit:
        with pytest.raises(RuntimeError):
            async with unit:
                pass
