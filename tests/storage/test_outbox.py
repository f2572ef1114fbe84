"""The outbox: dedupe, due messages, sent and failed attempts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.domain.models import CustomerChannel, DirectMessage, Edit, TicketThread
from storage.repos.outbox import target_from_json, target_json
from tests.storage.factories import OPENED

A, B = "host-a:101", "host-b:202"  # two bot instances
LEASED = OPENED + timedelta(minutes=5)
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
        await uow.outbox.claim(message_id=message.id, owner=A, now=OPENED, until=LEASED)
        await uow.outbox.mark_failed(
            message_id=message.id, owner=A, error="rate limited", retry_at=retry
        )
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


async def _claim(uow, message_id, owner, *, now, until=LEASED):
    return await uow.outbox.claim(message_id=message_id, owner=owner, now=now, until=until)


async def _only(store) -> int:
    async with store.unit() as uow:
        (message,) = await uow.outbox.due(now=OPENED)
    return message.id


async def test_a_claimed_message_is_nobody_elses_until_its_lease_ends(store):
    await enqueue(store, "a")
    message_id = await _only(store)  # both instances read it as due
    async with store.unit() as uow:
        mine = await uow.outbox.claim(message_id=message_id, owner=A, now=OPENED, until=LEASED)
    assert mine is not None and (mine.lease_owner, mine.lease_expires_at) == (A, LEASED)
    async with store.unit() as uow:
        just_before = LEASED - timedelta(microseconds=1)
        assert await _claim(uow, message_id, B, now=OPENED) is None
        assert await uow.outbox.due(now=just_before) == []
        later = LEASED + timedelta(minutes=5)
        assert await _claim(uow, message_id, B, now=just_before, until=later) is None
    async with store.unit() as uow:  # A crashed: the lease runs out
        theirs = await uow.outbox.claim(message_id=message_id, owner=B, now=LEASED, until=later)
    assert theirs is not None and theirs.lease_owner == B
    async with store.unit() as uow:  # A's late outcome changes nothing
        assert not await uow.outbox.mark_failed(
            message_id=message_id, owner=A, error="late", retry_at=later
        )
        assert not await uow.outbox.park(message_id=message_id, owner=A, error="late", at=later)
        await uow.outbox.release(message_id=message_id, owner=A)
        still = await uow.outbox.get(dedupe_key="a")
    assert still is not None and still.lease_owner == B and still.attempts == 0


async def test_a_sent_or_released_message_loses_its_lease(store):
    await enqueue(store, "a")
    await enqueue(store, "b")
    async with store.unit() as uow:
        first, second = await uow.outbox.due(now=OPENED)
        await uow.outbox.claim(message_id=first.id, owner=A, now=OPENED, until=LEASED)
        await uow.outbox.claim(message_id=second.id, owner=A, now=OPENED, until=LEASED)
    async with store.unit() as uow:
        await uow.outbox.mark_sent(message_id=first.id, at=OPENED)
        await uow.outbox.release(message_id=second.id, owner=A)
    async with store.unit() as uow:
        assert await _claim(uow, first.id, B, now=OPENED) is None
        again = await uow.outbox.claim(message_id=second.id, owner=B, now=OPENED, until=LEASED)
        sent = await uow.outbox.get(dedupe_key="a")
    assert again is not None and again.lease_owner == B
    assert sent is not None and sent.lease_owner is None and sent.lease_expires_at is None


async def test_parked_messages_are_counted_listed_and_put_back_on_request(store):
    for key in ("a", "b", "c"):
        await enqueue(store, key)
    async with store.unit() as uow:
        a, b, c = await uow.outbox.due(now=OPENED)
        for message in (a, c):
            await uow.outbox.claim(message_id=message.id, owner=A, now=OPENED, until=LEASED)
            parked = await uow.outbox.park(
                message_id=message.id, owner=A, error="channel_not_found", at=OPENED
            )
            assert parked
    async with store.unit() as uow:
        assert await uow.outbox.count_parked() == 2
        listed = await uow.outbox.parked()
        assert [m.dedupe_key for m in await uow.outbox.due(now=LEASED)] == ["b"]
        assert await uow.outbox.claim(message_id=a.id, owner=B, now=LEASED, until=LEASED) is None
    assert [m.dedupe_key for m in listed] == ["a", "c"]
    assert all(m.parked_at == OPENED and m.attempts == 1 for m in listed)
    assert listed[0].last_error == "channel_not_found" and listed[0].lease_owner is None
    async with store.unit() as uow:
        assert await uow.outbox.unpark(message_ids=[c.id, b.id], at=LEASED) == 1
    async with store.unit() as uow:
        assert await uow.outbox.count_parked() == 1
        back = [m.dedupe_key for m in await uow.outbox.due(now=LEASED)]
        assert await uow.outbox.unpark(message_ids=None, at=LEASED) == 1
        assert await uow.outbox.count_parked() == 0
    assert back == ["b", "c"]
