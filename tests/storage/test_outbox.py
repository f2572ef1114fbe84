"""The outbox: dedupe, due messages, sent and failed attempts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.domain.models import CustomerChannel, DirectMessage, Edit, TicketThread
from storage.repos.outbox import target_from_json, target_json
from tests.storage.factories import OPENED

SLACK = CustomerChannel(platform="slack", customer_id=1, ref="SUP-1001")
TEAMS = DirectMessage(platform="teams", user="aad-1")


async def enqueue(store, key: str, target=SLACK, at=OPENED) -> bool:
    async with store.unit() as uow:
        return await uow.outbox.enqueue(target=target, content={"text": key}, dedupe_key=key, at=at)


async def test_a_dedupe_key_is_queued_once(store):
    assert await enqueue(store, "announce:SUP-1001") is True
    assert await enqueue(store, "announce:SUP-1001", target=TEAMS) is False
    async with store.unit() as uow:
        due = await uow.outbox.due(now=OPENED)
    assert (
        len(due) == 1 and due[0].target == SLACK and due[0].content == {"text": "announce:SUP-1001"}
    )


async def test_due_returns_unsent_messages_oldest_first_filtered_by_platform(store):
    await enqueue(store, "later", at=OPENED + timedelta(minutes=5))
    await enqueue(store, "first")
    await enqueue(store, "teams", target=TEAMS)
    async with store.unit() as uow:
        all_due = await uow.outbox.due(now=OPENED + timedelta(minutes=5))
        now_due = await uow.outbox.due(now=OPENED)
        slack = await uow.outbox.due(now=OPENED + timedelta(hours=1), platforms=["slack"])
        limited = await uow.outbox.due(now=OPENED + timedelta(hours=1), limit=1)
    assert [m.dedupe_key for m in all_due] == ["first", "teams", "later"]
    assert [m.dedupe_key for m in now_due] == ["first", "teams"]
    assert [m.dedupe_key for m in slack] == ["first", "later"]
    assert [m.dedupe_key for m in limited] == ["first"]


async def test_sent_messages_are_no_longer_due(store):
    await enqueue(store, "a")
    async with store.unit() as uow:
        (message,) = await uow.outbox.due(now=OPENED)
        await uow.outbox.mark_sent(message_id=message.id, at=OPENED, result={"ts": "1.2"})
    async with store.unit() as uow:
        assert await uow.outbox.due(now=OPENED + timedelta(days=1)) == []


async def test_a_failed_message_comes_back_at_its_retry_time(store):
    await enqueue(store, "a")
    retry = OPENED + timedelta(minutes=2)
    async with store.unit() as uow:
        (message,) = await uow.outbox.due(now=OPENED)
        await uow.outbox.mark_failed(message_id=message.id, error="rate limited", retry_at=retry)
    async with store.unit() as uow:
        assert await uow.outbox.due(now=OPENED + timedelta(minutes=1)) == []
        (again,) = await uow.outbox.due(now=retry)
    assert again.attempts == 1 and again.last_error == "rate limited"
    assert again.next_attempt_at == retry


async def test_a_message_is_found_by_its_dedupe_key_with_where_it_landed(store):
    await enqueue(store, "announce:SUP-1001:slack")
    async with store.unit() as uow:
        assert await uow.outbox.get(dedupe_key="announce:SUP-1001:teams") is None
        queued = await uow.outbox.get(dedupe_key="announce:SUP-1001:slack")
        assert queued is not None and queued.sent_at is None
        landed = {"conversation": "C1", "thread": "1.2"}
        await uow.outbox.mark_sent(message_id=queued.id, at=OPENED, result=landed)
    async with store.unit() as uow:
        await uow.outbox.update_result(message_id=queued.id, result={**landed, "edited": 3})
    async with store.unit() as uow:
        sent = await uow.outbox.get(dedupe_key="announce:SUP-1001:slack")
    assert sent is not None and sent.sent_at == OPENED
    assert sent.result == {"conversation": "C1", "thread": "1.2", "edited": 3}


@pytest.mark.parametrize(
    "target",
    [
        SLACK,
        TicketThread(platform="console", customer_id=2, ref="SUP-1002"),
        TEAMS,
        DirectMessage(platform="slack", user="U1", ref="SUP-1003"),
        Edit(platform="slack", of="announce:SUP-1001:slack", seq=4, ref="SUP-1001"),
    ],
)
async def test_every_kind_of_target_comes_back_as_it_was_queued(store, target):
    await enqueue(store, "key", target=target)
    async with store.unit() as uow:
        queued = await uow.outbox.get(dedupe_key="key")
    assert queued is not None and queued.target == target
    assert target_from_json(target_json(target)) == target


def test_a_target_is_stored_as_plain_json_with_its_kind():
    assert target_json(TEAMS) == {"kind": "user", "platform": "teams", "user": "aad-1"}
