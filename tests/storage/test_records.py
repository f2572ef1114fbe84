"""Service windows and hypercare periods."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tests.storage.factories import CPH

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=CPH)


async def test_service_windows_overlapping_a_period(store):
    async with store.unit() as uow:
        patch = await uow.windows.add(
            service=None, start=T0, end=T0 + timedelta(hours=1), reason="security patch"
        )
        await uow.windows.add(
            service="api",
            start=T0 + timedelta(days=2),
            end=T0 + timedelta(days=2, hours=1),
            reason="upgrade",
        )
        with pytest.raises(ValueError, match="end after"):
            await uow.windows.add(service="api", start=T0, end=T0, reason="nothing")
    async with store.unit() as uow:
        day = await uow.windows.list(start=T0 - timedelta(minutes=30), end=T0 + timedelta(days=1))
    assert day == [patch] and patch.service is None


async def test_hypercare_periods_record_extensions_and_transition(store):
    async with store.unit() as uow:
        acme = await uow.customers.add(name="Acme")
        period = await uow.hypercare.add(customer_id=acme.id, start=date(2026, 12, 1), weeks=4)
    at = datetime(2027, 1, 5, 9, 0, tzinfo=UTC)
    async with store.unit() as uow:
        await uow.hypercare.update(
            period_id=period.id,
            extensions=[{"weeks": 2, "reason": "sync unstable", "by": "slack:U1"}],
            sign_offs=[{"by": "slack:U1", "at": at.isoformat()}],
            transitioned_at=at,
        )
    async with store.unit() as uow:
        stored = await uow.hypercare.current(customer_id=acme.id)
    assert stored.weeks == 4 and stored.extensions[0]["weeks"] == 2
    assert stored.sign_offs[0]["by"] == "slack:U1" and stored.transitioned_at == at


async def test_the_brain_hears_of_planned_and_ongoing_windows_only(store):
    from datetime import UTC, datetime

    from bot.app.monitoring import PlannedWindow
    from storage.monitoring import SqlMonitoring

    def at(day: int, hour: int) -> datetime:
        return datetime(2026, 12, day, hour, tzinfo=UTC)

    async with store.unit() as uow:
        await uow.windows.add(service=None, start=at(3, 8), end=at(3, 9), reason="later")
        await uow.windows.add(service=None, start=at(1, 8), end=at(1, 9), reason="past")
        await uow.windows.add(service="Sync", start=at(2, 9), end=at(2, 12), reason="ongoing")
        await uow.windows.add(
            service=None, start=at(2, 13), end=at(2, 14), reason="off", state="cancelled"
        )
        await uow.windows.add(service=None, start=at(9, 8), end=at(9, 9), reason="too late")
    monitoring = SqlMonitoring(store)
    found = await monitoring.service_windows(customer_id=None, start=at(2, 10), end=at(5, 0))
    assert found == [
        PlannedWindow(start=at(2, 9), end=at(2, 12), reason="ongoing", service="Sync"),
        PlannedWindow(start=at(3, 8), end=at(3, 9), reason="later"),
    ]
    assert await monitoring.uptime(customer_id=None, start=at(1, 0), end=at(2, 0)) is None


async def test_windows_can_be_read_while_a_unit_of_work_is_open(store):
    # The brain asks the monitoring port from inside its own unit of work.
    import asyncio
    from datetime import UTC, datetime

    from storage.monitoring import SqlMonitoring

    start, end = datetime(2026, 12, 1, 8, tzinfo=UTC), datetime(2026, 12, 1, 9, tzinfo=UTC)
    async with store.unit() as uow:
        await uow.windows.add(service=None, start=start, end=end, reason="upgrade")
    async with store.unit() as uow:
        await uow.customers.add(name="Acme")
        found = await asyncio.wait_for(
            SqlMonitoring(store).service_windows(customer_id=None, start=start, end=end), 10
        )
    assert [w.reason for w in found] == ["upgrade"]


async def test_a_customers_current_hypercare_is_its_latest_period(store):
    async with store.unit() as uow:
        acme = await uow.customers.add(name="Acme")
        globex = await uow.customers.add(name="Globex")
        first = await uow.hypercare.add(customer_id=acme.id, start=date(2026, 1, 5), weeks=2)
        latest = await uow.hypercare.add(customer_id=acme.id, start=date(2026, 12, 1), weeks=4)
        other = await uow.hypercare.add(customer_id=globex.id, start=date(2026, 6, 1), weeks=3)
    async with store.unit() as uow:
        assert await uow.hypercare.current(customer_id=acme.id) == latest
        assert sorted(await uow.hypercare.all_current(), key=lambda p: p.id) == [latest, other]
        moved = await uow.hypercare.update(period_id=latest.id, start=date(2026, 12, 8), weeks=6)
        with pytest.raises(ValueError, match="positive number of weeks"):
            await uow.hypercare.update(period_id=latest.id, weeks=0)
        with pytest.raises(ValueError, match="unknown hypercare field: customer_id"):
            await uow.hypercare.update(period_id=latest.id, customer_id=globex.id)
    assert (moved.start, moved.weeks) == (date(2026, 12, 8), 6) and first.id != moved.id
    async with store.unit() as uow:
        assert await uow.hypercare.current(customer_id=acme.id) == moved
        assert await uow.hypercare.remove(customer_id=acme.id) == 2
    async with store.unit() as uow:
        assert await uow.hypercare.current(customer_id=acme.id) is None
        assert await uow.hypercare.all_current() == [other]
