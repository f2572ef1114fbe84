"""Storage figures a user notices: filing and listing tickets, and "my open tickets" latency.

    .venv/bin/python benchmarks/bench_storage.py            # SQLite, plus PostgreSQL if set:
    TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python benchmarks/...

Runs in a temporary SQLite file and a throw-away PostgreSQL schema; takes about a minute.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402

from adapters.slack.settings import PLATFORM  # noqa: E402
from bot.domain.models import (  # noqa: E402
    ApprovalState,
    Identity,
    NewTicket,
    TicketStatus,
)
from bot.domain.policy import Affected, PriorityKey  # noqa: E402
from storage import SqlStore, open_store  # noqa: E402
from storage.engine import make_engine  # noqa: E402
from storage.tables import TicketRow  # noqa: E402

OPEN = [TicketStatus.OPEN, TicketStatus.ACKNOWLEDGED, TicketStatus.IN_PROGRESS]
T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def new_ticket(customer_id: int, i: int) -> NewTicket:
    """A realistic ticket."""
    opened = T0 + timedelta(minutes=7 * i)
    return NewTicket(
        customer_id=customer_id,
        reporter=Identity(PLATFORM, f"U{i % 50:04d}"),
        summary=f"Sync issue {i}",
        description="Users from Entra no longer appear in the portal since this morning. " * 3,
        category="synchronization",
        affected=Affected.SOME,
        data_loss=False,
        inquiry=False,
        priority=PriorityKey.MEDIUM,
        priority_reason="Some users affected, no data loss",
        opened_at=opened,
        first_response_due=opened + timedelta(hours=8),
        consultancy=False,
        approval=ApprovalState.NOT_REQUIRED,
        details={"environment": "production"},
    )


async def insert_and_list(store: SqlStore, count: int) -> tuple[float, float]:
    """Seconds to file `count` tickets (one unit of work each, as filing does) and list them."""
    async with store.unit() as uow:
        customer = await uow.customers.add(name="Insert benchmark")
    started = time.perf_counter()
    for i in range(count):
        async with store.unit() as uow:
            await uow.tickets.create(ticket=new_ticket(customer.id, i), actor="bench")
    inserted = time.perf_counter() - started
    started = time.perf_counter()
    async with store.unit() as uow:
        tickets = await uow.tickets.query(customer_id=customer.id)
    listed = time.perf_counter() - started
    assert len(tickets) == count
    return inserted, listed


async def seed_bulk(store: SqlStore, *, tickets: int, customers: int) -> int:
    """Store `tickets` tickets over `customers` customers fast; 2% are open. Returns one id."""
    async with store.unit() as uow:
        ids = [(await uow.customers.add(name=f"Bulk customer {n}")).id for n in range(customers)]
    statuses = [s.value for s in TicketStatus]
    rows = []
    for i in range(tickets):
        opened = T0 + timedelta(minutes=3 * i)
        round_ = i // customers  # the how-manyth ticket of its customer
        status = OPEN[round_ % 3].value if round_ % 50 == 0 else statuses[4 + round_ % 2]
        rows.append(
            {
                "ref": f"BULK-{i}",
                "customer_id": ids[i % customers],
                "reporter_platform": PLATFORM,
                "reporter_user": f"U{i % 500:04d}",
                "summary": f"Bulk ticket {i}",
                "description": "Seeded for the benchmark.",
                "category": "synchronization",
                "affected": "some",
                "data_loss": False,
                "inquiry": False,
                "priority": "medium",
                "priority_reason": "Some users affected, no data loss",
                "opened_at": opened,
                "first_response_due": opened + timedelta(hours=8),
                "status": status,
                "consultancy": False,
                "approval": "not_required",
                "details": {},
                "updated_at": opened,
            }
        )
    async with store.engine.begin() as conn:
        for first in range(0, tickets, 5000):
            await conn.execute(sa.insert(TicketRow), rows[first : first + 5000])
    async with store.engine.begin() as conn:
        if store.engine.dialect.name == "postgresql":
            await conn.exec_driver_sql("ANALYZE tickets")
        else:
            await conn.exec_driver_sql("ANALYZE")
    return ids[customers // 2]


async def my_open_tickets(store: SqlStore, customer_id: int, rounds: int) -> list[float]:
    """Milliseconds per "my open tickets" query, each in its own unit of work."""
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        async with store.unit() as uow:
            found = await uow.tickets.query(customer_id=customer_id, statuses=OPEN)
        timings.append((time.perf_counter() - started) * 1000)
        assert found and all(t.is_open for t in found)
    return timings


def p95(values: list[float]) -> float:
    """The 95th percentile."""
    return statistics.quantiles(values, n=20)[-1]


async def run_backend(name: str, url: str, schema: str | None, args: argparse.Namespace) -> None:
    """All figures for one backend, each on a fresh database."""
    store = await open_store(url, search_path=schema)
    try:
        inserted, listed = await insert_and_list(store, args.tickets)
    finally:
        await store.close()
    print(
        f"{name:10} file {args.tickets:,} tickets one by one: {inserted:.1f} s "
        f"({inserted / args.tickets * 1000:.2f} ms each, with reference and audit event); "
        f"list all {args.tickets:,}: {listed * 1000:.0f} ms"
    )
    await reset(url, schema)
    store = await open_store(url, search_path=schema)
    try:
        customer = await seed_bulk(store, tickets=args.bulk, customers=args.customers)
        await my_open_tickets(store, customer, 20)  # warm the pool and caches
        timings = await my_open_tickets(store, customer, args.rounds)
        async with store.engine.begin() as conn:
            await conn.exec_driver_sql("DROP INDEX ix_tickets_customer_status_opened")
            await conn.exec_driver_sql("DROP INDEX ix_tickets_status_opened")
        unindexed = await my_open_tickets(store, customer, max(20, args.rounds // 10))
    finally:
        await store.close()
    print(
        f"{name:10} my open tickets, {args.bulk:,} stored: p50 {statistics.median(timings):.2f} ms,"
        f" p95 {p95(timings):.2f} ms (target <= 5 ms); without the index p95 "
        f"{p95(unindexed):.2f} ms ({p95(unindexed) / p95(timings):.1f}x slower)"
    )


async def reset(url: str, schema: str | None) -> None:
    """Empty the database between runs."""
    if schema is None:
        Path(url.removeprefix("sqlite:///")).unlink()
        return
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        await conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    await engine.dispose()


async def main() -> None:
    """Run the benchmark on SQLite and, when configured, PostgreSQL."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--bulk", type=int, default=100_000)
    parser.add_argument("--customers", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        await run_backend("SQLite", f"sqlite:///{folder}/bench.db", None, args)
    pg = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if not pg:
        print("PostgreSQL skipped: set TEST_DATABASE_URL or BENCH_DATABASE_URL")
        return
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(pg)
    async with admin.begin() as conn:
        await conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        await run_backend("PostgreSQL", pg, schema, args)
    finally:
        async with admin.begin() as conn:
            await conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        await admin.dispose()


if __name__ == "__main__":
    asyncio.run(main())
