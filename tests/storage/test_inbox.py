"""The inbox: an incoming event is taken on once, by whichever instance claims it first."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest

from tests.conftest import migrated_store
from tests.storage.factories import OPENED


async def _claim(store, key: str, at: datetime = OPENED) -> bool:
    async with store.unit() as uow:
        return await uow.inbox.claim(key=key, at=at)


async def test_an_event_is_claimed_once(store):
    assert await _claim(store, "slack:T1:Ev1")
    assert not await _claim(store, "slack:T1:Ev1")
    assert await _claim(store, "slack:T2:Ev1")  # event ids are per workspace


async def test_a_released_event_can_be_claimed_again(store):
    assert await _claim(store, "slack:T1:Ev1")
    async with store.unit() as uow:
        await uow.inbox.release(key="slack:T1:Ev1")
        await uow.inbox.release(key="slack:T1:never-claimed")  # harmless
    assert await _claim(store, "slack:T1:Ev1")


async def test_a_claim_in_a_unit_that_fails_is_not_kept(store):
    with pytest.raises(RuntimeError):
        async with store.unit() as uow:
            assert await uow.inbox.claim(key="slack:T1:Ev1", at=OPENED)
            raise RuntimeError("handling failed")
    assert await _claim(store, "slack:T1:Ev1")


async def test_old_claims_are_pruned_and_recent_ones_kept(store):
    await _claim(store, "slack:T1:old", OPENED)
    await _claim(store, "slack:T1:new", OPENED + timedelta(hours=2))
    async with store.unit() as uow:
        assert await uow.inbox.prune(before=OPENED + timedelta(hours=1)) == 1
    assert await _claim(store, "slack:T1:old")
    assert not await _claim(store, "slack:T1:new")


async def test_naive_instants_and_empty_keys_are_refused(store):
    async with store.unit() as uow:
        with pytest.raises(ValueError):
            await uow.inbox.claim(key="slack:T1:Ev1", at=datetime(2026, 11, 30, 9))
        with pytest.raises(ValueError):
            await uow.inbox.claim(key="", at=OPENED)
        with pytest.raises(ValueError):
            await uow.inbox.prune(before=datetime(2026, 11, 30, 9))


async def test_instances_claiming_together_have_one_winner(database, store):
    async with migrated_store(database) as other:
        stores = [store, other] * 4
        won = await asyncio.gather(*(_claim(s, "slack:T1:Ev1") for s in stores))
    assert sorted(won) == [False] * 7 + [True]
