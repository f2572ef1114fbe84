"""The SLA tick over 10,000 open tickets: its time, its query plan, and serve's memory.

    .venv/bin/python benchmarks/bench_tick.py               # SQLite, plus PostgreSQL if set:
    TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python benchmarks/...

10,000 open tickets without a first response, of every priority, opened over the last four
weeks (most of them long breached, so each gets a reminder every business hour: the busiest
steady state there is), each announced in its customer's Slack channel. Figures:

- the first tick after start-up, when every ticket is due at once (the catch-up after
  downtime: one post per ticket, with its current state);
- the steady tick every 30 seconds after that (median and max of several), and a quiet tick
  (the same instant again: nothing due);
- the query plan of the tick's selection (EXPLAIN QUERY PLAN / EXPLAIN): the index on
  tickets.countdown_at, not a scan;
- `supportbot serve`'s resident memory holding the 10,000 tickets (SQLite, fake Slack API).

Runs in a temporary SQLite file and a throw-away PostgreSQL schema; a few minutes in all.
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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from adapters.slack.settings import PLATFORM  # noqa: E402
from bot.app.desk import Desk  # noqa: E402
from bot.app.outbox import announce_key  # noqa: E402
from bot.domain.models import ChatBinding, CustomerChannel  # noqa: E402
from bot.domain.policy import PriorityKey, default_policy  # noqa: E402
from bot.domain.sla import first_response_due  # noqa: E402
from bot.jobs import sla  # noqa: E402
from storage import SqlStore, open_store  # noqa: E402
from storage.engine import make_engine  # noqa: E402
from storage.repos.outbox import target_json  # noqa: E402
from storage.repos.tickets import countdowns_due_query  # noqa: E402
from storage.tables import OutboxRow, TicketRow  # noqa: E402
from tests.fakes import FixedClock  # noqa: E402

# Monday 7 December 2026, 10:00:10 in Copenhagen (09:00:10 UTC): the desk is open.
NOW = datetime(2026, 12, 7, 9, 0, 10, tzinfo=UTC)
PRIORITIES = [PriorityKey.HIGHEST, PriorityKey.HIGH, PriorityKey.MEDIUM, PriorityKey.LOW]


async def seed(store: SqlStore, tickets: int, customers: int) -> None:
    """`tickets` unanswered open tickets over `customers` customers, each announced."""
    policy = default_policy()
    desk = Desk.create(store=store, clock=FixedClock(NOW), policy=policy)
    async with store.unit() as uow:
        ids = [
            (
                await uow.customers.add(
                    name=f"Customer {n}", bindings=[ChatBinding(PLATFORM, f"T{n}", f"C{n:04d}")]
                )
            ).id
            for n in range(customers)
        ]
        await uow.customers.add(
            name="Vendor ApS", bindings=[ChatBinding(PLATFORM, "TV", "CVENDOR")], is_provider=True
        )
    rows, posts = [], []
    span = int(timedelta(weeks=4).total_seconds())
    for i in range(tickets):
        opened = NOW - timedelta(seconds=span * (i + 1) // (tickets + 1))
        priority = PRIORITIES[i % 4]
        ref = f"SUP-{10_000 + i}"
        due = first_response_due(desk.calendar, policy, opened=opened, priority=priority)
        rows.append(
            {
                "ref": ref,
                "customer_id": ids[i % customers],
                "reporter_platform": PLATFORM,
                "reporter_user": f"U{i % 500:04d}",
                "summary": f"Ticket {i}",
                "description": "Seeded for the benchmark.",
                "category": "synchronization",
                "affected": "some",
                "data_loss": False,
                "inquiry": False,
                "priority": priority.value,
                "priority_reason": "Seeded",
                "opened_at": opened,
                "first_response_due": due,
                "status": "open",
                "consultancy": False,
                "approval": "not_required",
                "details": {},
                "thread_platform": PLATFORM,
                "thread_conversation": f"C{i % customers:04d}",
                "thread_ts": f"{i}.000100",
                "updated_at": opened,
                "countdown_at": opened,  # as filing leaves it: due for the next tick
                "countdown_done": [],
                "edit_seq": 0,
            }
        )
        target = CustomerChannel(platform=PLATFORM, customer_id=ids[i % customers], ref=ref)
        posts.append(
            {
                "platform": PLATFORM,
                "target": target_json(target),
                "content": {"text": "announcement"},
                "dedupe_key": announce_key(ref, PLATFORM),
                "attempts": 1,
                "next_attempt_at": opened,
                "created_at": opened,
                "sent_at": opened,
                "result": {"conversation": f"C{i % customers:04d}", "thread": f"{i}.000100"},
            }
        )
    async with store.engine.begin() as conn:
        for first in range(0, tickets, 2000):
            await conn.execute(sa.insert(TicketRow), rows[first : first + 2000])
            await conn.execute(sa.insert(OutboxRow), posts[first : first + 2000])
        await conn.exec_driver_sql(
            "ANALYZE tickets" if store.engine.dialect.name == "postgresql" else "ANALYZE"
        )


async def plan(store: SqlStore, at: datetime) -> str:
    """The query plan of the tick's own selection as of `at` (the statement it runs)."""
    async with store.engine.connect() as conn:
        compiled = countdowns_due_query(now=at, limit=sla.BATCH).compile(dialect=conn.dialect)
        values = compiled.construct_params()
        params = tuple(values[name] for name in compiled.positiontup or ())
        if conn.dialect.name == "sqlite":
            params = tuple(p.replace(tzinfo=None) if isinstance(p, datetime) else p for p in params)
            rows = await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled.string}", params)
            return "; ".join(str(r[-1]) for r in rows)
        rows = await conn.exec_driver_sql(f"EXPLAIN {compiled.string}", params)
        return "; ".join(str(r[0]).strip() for r in rows)


async def ticks(store: SqlStore, rounds: int) -> dict[str, object]:
    """Time the first tick, `rounds` steady ticks 30 s apart and quiet ticks."""
    clock = FixedClock(NOW)
    desk = Desk.create(store=store, clock=clock, policy=default_policy())
    started = time.perf_counter()
    first_posts = await sla.run(desk)
    first = time.perf_counter() - started
    steady, posted, quiet = [], [], []
    for _ in range(rounds):
        clock.advance(seconds=30)
        started = time.perf_counter()
        posted.append(await sla.run(desk))
        steady.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        assert await sla.run(desk) == 0  # the same instant again: nothing new
        quiet.append((time.perf_counter() - started) * 1000)
    return {
        "first": first,
        "first_posts": first_posts,
        "steady": steady,
        "posted": posted,
        "quiet": quiet,
        "plan": await plan(store, clock.now()),
    }


async def run_backend(name: str, url: str, schema: str | None, args: argparse.Namespace) -> None:
    """The tick figures on one backend."""
    store = await open_store(url, search_path=schema)
    try:
        await seed(store, args.tickets, args.customers)
        found = await ticks(store, args.rounds)
    finally:
        await store.close()
    steady, quiet = found["steady"], found["quiet"]
    assert isinstance(steady, list) and isinstance(quiet, list)
    print(
        f"{name:10} first tick, all {args.tickets:,} due (catch-up): {found['first']:.1f} s, "
        f"{found['first_posts']:,} posts queued"
    )
    print(
        f"{name:10} steady tick every 30 s over {args.tickets:,} open: median "
        f"{statistics.median(steady):.0f} ms, max {max(steady):.0f} ms (target <= 250 ms), "
        f"{statistics.median(found['posted']):.0f} tickets due per tick (median); quiet tick "  # type: ignore[arg-type]
        f"median {statistics.median(quiet):.1f} ms, max {max(quiet):.1f} ms"
    )
    print(f"{name:10} plan: {found['plan']}")


def rss_mb(pid: int) -> float:
    """A process's resident memory in MB (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def serve_memory(args: argparse.Namespace) -> None:
    """`supportbot serve` on a database of 10,000 open tickets: resident memory."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_slack import SECRET, TOKEN, free_port, process

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/serve.db"
        store = await open_store(url)
        try:
            await seed(store, args.tickets, args.customers)
        finally:
            await store.close()
        fake_port, port = free_port(), free_port()
        fake = f"http://127.0.0.1:{fake_port}/"
        env = {
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_API_URL": fake + "api/",
            "DATABASE_URL": url,
            "PYTHONPATH": str(ROOT),
            "SUPPORTBOT_NOW": NOW.isoformat(),
        }
        for name in ("SLACK_APP_TOKEN", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET"):
            os.environ.pop(name, None)
        python = sys.executable
        serve = [python, "-m", "bot.cli.main", "serve", "--host", "127.0.0.1", "--port", str(port)]
        fake_cmd = [python, "-m", "tests.adapters.slack.fake_slack", str(fake_port)]
        async with (
            process(fake_cmd, env, fake + "stats"),
            process(serve, env, f"http://127.0.0.1:{port}/healthz") as ours,
        ):
            started = rss_mb(ours.pid)
            # Whatever the scheduler does with the 10,000 tickets in its first minute (the
            # catch-up tick, the outbox drain), sampled every half second; a benchmark polls.
            peak = started
            for _ in range(args.serve_seconds * 2):
                await asyncio.sleep(0.5)
                peak = max(peak, rss_mb(ours.pid))
        print(
            f"serve      resident memory with {args.tickets:,} open tickets: {started:.0f} MB at "
            f"start, peak {peak:.0f} MB over {args.serve_seconds} s (target < 200 MB)"
        )


async def main() -> None:
    """Run the benchmark on SQLite and, when configured, PostgreSQL; then serve's memory."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--customers", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--serve-seconds", type=int, default=60)
    parser.add_argument("--serve-only", action="store_true", help="only serve's memory")
    args = parser.parse_args()
    if args.serve_only:
        await serve_memory(args)
        return
    with tempfile.TemporaryDirectory() as folder:
        await run_backend("SQLite", f"sqlite:///{folder}/bench.db", None, args)
    pg = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if pg:
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
    else:
        print("PostgreSQL skipped: set TEST_DATABASE_URL or BENCH_DATABASE_URL")
    await serve_memory(args)


if __name__ == "__main__":
    asyncio.run(main())
