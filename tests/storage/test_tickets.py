"""Tickets: references, idempotent creation, audit trail, queries, time, concurrency."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from adapters.slack.settings import PLATFORM as SLACK
from adapters.teams import PLATFORM as TEAMS
from bot.app.ports import AlreadyFiledError, ForeignSubmissionError, NotFoundError
from bot.domain.models import (
    ApprovalState,
    Identity,
    ThreadRef,
    TicketStatus,
)
from bot.domain.policy import PriorityKey
from tests.storage.factories import OPENED, REPORTER, new_ticket

AGENT = Identity(SLACK, "U0AGENT")


@pytest.fixture
async def customer_id(store) -> int:
    async with store.unit() as uow:
        return (await uow.customers.add(name="Acme")).id


async def create(store, customer_id: int, **overrides):
    async with store.unit() as uow:
        return await uow.tickets.create(ticket=new_ticket(customer_id, **overrides), actor="u")


async def test_references_count_up_from_1001(store, customer_id):
    refs = [(await create(store, customer_id)).ref for _ in range(3)]
    assert refs == ["SUP-1001", "SUP-1002", "SUP-1003"]


async def test_a_stored_ticket_reads_back_whole_with_instants_in_utc(store, customer_id):
    thread = ThreadRef(SLACK, "C0SUPPORT", "1764236400.000100")
    created = await create(store, customer_id, details={"environment": "production"}, thread=thread)
    async with store.unit() as uow:
        loaded = await uow.tickets.get(ref="sup-1001")
    assert loaded == created
    assert loaded.opened_at == OPENED and loaded.opened_at.utcoffset() == timedelta(0)
    assert loaded.opened_at.hour == 9  # 10:30 Copenhagen (CET) is 09:30 UTC
    assert loaded.details == {"environment": "production"}
    assert loaded.thread == thread and loaded.status is TicketStatus.OPEN


async def test_every_field_of_the_new_ticket_is_stored(store, customer_id):
    from dataclasses import fields

    from bot.domain.policy import Affected

    wanted = new_ticket(
        customer_id,
        affected=Affected.ALL,
        data_loss=True,
        inquiry=True,
        priority=PriorityKey.HIGHEST,
        consultancy=True,
        approval=ApprovalState.PENDING,
        details={"since": "yesterday", "users": "40"},
        thread=ThreadRef(TEAMS, "19:abc", "act-1"),
        source_key="view-9",
    )
    async with store.unit() as uow:
        await uow.tickets.create(ticket=wanted, actor="u")
    async with store.unit() as uow:
        loaded = await uow.tickets.get(ref="SUP-1001")
    for f in fields(wanted):
        assert getattr(loaded, f.name) == getattr(wanted, f.name), f.name
    unknown = await create(store, customer_id, affected=None, data_loss=None)
    assert unknown.affected is None and unknown.data_loss is None


async def test_naive_instants_are_rejected(store, customer_id):
    with pytest.raises(ValueError, match="timezone-aware"):
        await create(store, customer_id, opened_at=datetime(2026, 11, 27, 10, 0))
    async with store.unit() as uow:
        assert await uow.tickets.query() == []


async def test_unknown_customer_is_refused(store, customer_id):
    with pytest.raises(NotFoundError):
        await create(store, customer_id + 99)


async def test_creation_writes_a_created_event(store, customer_id):
    ticket = await create(store, customer_id)
    async with store.unit() as uow:
        events = await uow.tickets.events(ref=ticket.ref)
    assert [(e.action, e.actor) for e in events] == [("created", "u")]
    assert events[0].after["priority"] == "medium"
    assert events[0].after["reporter"] == "slack:U0REPORTER"


async def test_same_source_key_names_the_first_ticket_and_writes_nothing(store, customer_id):
    first = await create(store, customer_id, source_key="view-1")
    with pytest.raises(AlreadyFiledError) as again:
        await create(store, customer_id, source_key="view-1", summary="resubmitted")
    assert again.value.ticket == first
    async with store.unit() as uow:
        assert len(await uow.tickets.query()) == 1
        assert len(await uow.tickets.events(ref=first.ref)) == 1
    # No number was burnt either: the next ticket follows on directly.
    assert (await create(store, customer_id)).ref == "SUP-1002"


async def test_a_source_key_belongs_to_its_customer_and_reporter(store, customer_id):
    async with store.unit() as uow:
        other = (await uow.customers.add(name="Beta")).id
    first = await create(store, customer_id, source_key="view-1")
    someone = Identity(SLACK, "U0SOMEONE")
    forgeries = [{"customer_id": other}, {"reporter": someone}]
    for forged in [*forgeries, {"customer_id": other, "reporter": someone}]:
        with pytest.raises(ForeignSubmissionError):
            await create(store, source_key="view-1", **{"customer_id": customer_id, **forged})
    async with store.unit() as uow:
        assert await uow.tickets.query() == [first]
    assert (await create(store, other)).ref == "SUP-1002"  # nothing was used up


async def test_update_appends_an_event_with_before_and_after(store, customer_id):
    ticket = await create(store, customer_id)
    at = datetime(2026, 11, 27, 11, 0, tzinfo=UTC)
    async with store.unit() as uow:
        updated = await uow.tickets.update(
            ref=ticket.ref,
            actor=str(AGENT),
            action="ticket.acknowledge",
            at=at,
            status=TicketStatus.ACKNOWLEDGED,
            first_responded_at=at,
        )
    assert updated.status is TicketStatus.ACKNOWLEDGED and updated.first_responded_at == at
    async with store.unit() as uow:
        assert await uow.tickets.get(ref=ticket.ref) == updated
        event = (await uow.tickets.events(ref=ticket.ref))[-1]
    assert event.action == "ticket.acknowledge" and event.actor == "slack:U0AGENT"
    assert event.at == at
    assert event.before == {"status": "open", "first_responded_at": None}
    assert event.after == {"status": "acknowledged", "first_responded_at": at.isoformat()}


async def test_update_of_approval_and_thread(store, customer_id):
    ticket = await create(store, customer_id, consultancy=True, approval=ApprovalState.PENDING)
    approver = Identity(TEAMS, "aad-approver")
    thread = ThreadRef(TEAMS, "19:conv", "act-1")
    at = OPENED + timedelta(hours=1)
    async with store.unit() as uow:
        await uow.tickets.update(
            ref=ticket.ref,
            actor=str(approver),
            action="ticket.approve",
            at=at,
            approval=ApprovalState.APPROVED,
            approval_by=approver,
            approval_at=at,
            thread=thread,
        )
    async with store.unit() as uow:
        loaded = await uow.tickets.get(ref=ticket.ref)
        assert await uow.tickets.by_thread(thread=thread) == loaded
        assert await uow.tickets.by_thread(thread=ThreadRef(TEAMS, "19:conv", "x")) is None
    assert loaded.approval is ApprovalState.APPROVED and loaded.approval_by == approver


async def test_update_refuses_unknown_fields_and_tickets(store, customer_id):
    ticket = await create(store, customer_id)
    async with store.unit() as uow:
        with pytest.raises(ValueError, match="colour"):
            await uow.tickets.update(ref=ticket.ref, actor="a", action="x", at=OPENED, colour=1)
        with pytest.raises(NotFoundError):
            await uow.tickets.update(ref="SUP-9999", actor="a", action="x", at=OPENED)


async def test_query_filters_and_orders_newest_first(store, customer_id):
    async with store.unit() as uow:
        other = (await uow.customers.add(name="Globex")).id
    someone = Identity(TEAMS, "aad-1")
    a = await create(store, customer_id)
    b = await create(store, customer_id, opened_at=OPENED + timedelta(hours=1), reporter=someone)
    c = await create(store, other)
    async with store.unit() as uow:
        await uow.tickets.update(
            ref=a.ref, actor="x", action="resolve", at=OPENED, status=TicketStatus.RESOLVED
        )
        mine = await uow.tickets.query(customer_id=customer_id)
        open_ = await uow.tickets.query(
            customer_id=customer_id, statuses=[TicketStatus.OPEN, TicketStatus.ACKNOWLEDGED]
        )
        by_reporter = await uow.tickets.query(reporter=someone)
        latest = await uow.tickets.query(limit=1)
    assert [t.ref for t in mine] == [b.ref, a.ref]
    assert [t.ref for t in open_] == [b.ref]
    assert [t.ref for t in by_reporter] == [b.ref]
    assert [t.ref for t in latest] == [b.ref]  # opened last, though created before c
    assert c.customer_id == other


async def test_logged_time_is_stored_and_audited(store, customer_id):
    ticket = await create(store, customer_id, consultancy=True)
    at = OPENED + timedelta(hours=2)
    async with store.unit() as uow:
        entry = await uow.tickets.log_time(ref=ticket.ref, agent=AGENT, minutes=90, at=at)
        with pytest.raises(ValueError, match="positive"):
            await uow.tickets.log_time(ref=ticket.ref, agent=AGENT, minutes=0, at=at)
    async with store.unit() as uow:
        assert await uow.tickets.time_entries(ref=ticket.ref) == [entry]
        assert await uow.tickets.time_entries() == [entry]
        events = await uow.tickets.events(ref=ticket.ref)
    assert events[-1].action == "time.logged" and events[-1].after["minutes"] == 90


async def test_200_concurrent_creations_get_200_distinct_references(store, customer_id):
    tickets = await asyncio.gather(
        *(create(store, customer_id, summary=f"ticket {i}") for i in range(200))
    )
    refs = {t.ref for t in tickets}
    assert len(refs) == 200
    assert refs == {f"SUP-{n}" for n in range(1001, 1201)}
    async with store.unit() as uow:
        assert len(await uow.tickets.query()) == 200


async def test_concurrent_filings_of_one_submission_create_one_ticket(store, customer_id):
    async def file(key: str):
        try:
            return await create(store, customer_id, source_key=key)
        except AlreadyFiledError as before:
            return before.ticket

    tickets = await asyncio.gather(*(file(f"view-{i % 10}") for i in range(100)))
    # One ticket per submission, and no numbers lost to the losers of each race.
    assert {t.ref for t in tickets} == {f"SUP-{n}" for n in range(1001, 1011)}
    for ticket in tickets:
        assert ticket.source_key is not None
        assert tickets[int(ticket.source_key.split("-")[1])].ref == ticket.ref
    async with store.unit() as uow:
        assert len(await uow.tickets.query()) == 10


async def test_reporter_identity_round_trips(store, customer_id):
    ticket = await create(store, customer_id)
    assert ticket.reporter == REPORTER
    assert ticket.priority is PriorityKey.MEDIUM


async def test_instants_are_stored_in_utc(store, customer_id):
    import sqlalchemy as sa

    await create(store, customer_id)  # opened 10:30 Copenhagen (UTC+1)
    async with store.engine.connect() as conn:
        raw = (await conn.execute(sa.text("SELECT opened_at FROM tickets"))).scalar_one()
    if isinstance(raw, str):  # SQLite keeps no offset: the text must be the UTC wall time
        assert raw.startswith("2026-11-27 09:30:00")
    else:
        assert raw == datetime(2026, 11, 27, 9, 30, tzinfo=UTC)


async def test_every_updatable_field_round_trips(store, customer_id):
    from bot.domain.policy import Affected

    ticket = await create(store, customer_id)
    at = OPENED + timedelta(hours=3)
    changes = {
        "summary": "New summary",
        "description": "New description",
        "category": "data_validation",
        "affected": Affected.SINGLE,
        "data_loss": True,
        "inquiry": True,
        "priority": PriorityKey.LOWEST,
        "priority_reason": "Reprioritised: inquiry",
        "opened_at": OPENED - timedelta(days=1),
        "first_response_due": at + timedelta(hours=16),
        "first_responded_at": at,
        "status": TicketStatus.WAITING_ON_CUSTOMER,
        "consultancy": True,
        "approval": ApprovalState.DECLINED,
        "approval_at": at,
        "approval_by": Identity(SLACK, "U0APPROVER"),
        "details": {"environment": "staging"},
        "thread": ThreadRef(SLACK, "C1", "1.5"),
        "reporter": Identity(TEAMS, "aad-2"),
    }
    async with store.unit() as uow:
        await uow.tickets.update(ref=ticket.ref, actor="a", action="edit", at=at, **changes)
    async with store.unit() as uow:
        loaded = await uow.tickets.get(ref=ticket.ref)
    for key, value in changes.items():
        assert getattr(loaded, key) == value, key
