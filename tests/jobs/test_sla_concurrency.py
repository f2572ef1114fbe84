"""Two SLA ticks at once on the real database: each countdown message is queued once, and the
audit trail records each milestone once (PostgreSQL: the second tick skips locked tickets)."""

from __future__ import annotations

import asyncio
from collections import Counter

from bot.app.filing import file_ticket
from bot.jobs import sla
from tests.app.conftest import CARLA, GINA, INCIDENT, World, outbox, valid
from tests.jobs.test_sla import HIGHEST, cph

TICKETS = 12


async def test_two_ticks_at_once_post_each_milestone_once(sql_world: World) -> None:
    world = sql_world
    world.clock.set(cph(2026, 11, 30, 9, 0))
    refs = []
    for i in range(TICKETS):
        answers = HIGHEST if i % 2 else INCIDENT
        filed = await file_ticket(
            world.desk, reporter=(CARLA, GINA)[i % 3 == 0], answers=valid(answers)
        )
        refs.append(filed.ticket.ref)
    for at in (cph(2026, 11, 30, 9, 30), cph(2026, 11, 30, 10, 0), cph(2026, 11, 30, 13, 0)):
        world.clock.set(at)
        await asyncio.gather(*(sla.run(world.desk) for _ in range(3)))
    keys = Counter(m.dedupe_key for m in await outbox(world.desk.store))
    assert all(n == 1 for n in keys.values())  # the outbox allows nothing else, but:
    audited: Counter[tuple[str, str]] = Counter()
    async with world.desk.store.unit() as uow:
        for ref in refs:
            for e in await uow.tickets.events(ref=ref):
                if e.action == "sla.countdown":
                    audited[ref, e.after["milestone"]] += 1
    assert audited and all(n == 1 for n in audited.values())  # no tick repeated another's work
    posted = {k for k in keys if k.startswith("countdown:")}
    assert posted == {f"countdown:{ref}:{key}" for ref, key in audited}
    assert len([k for k in posted if k.endswith(":highest:reminder-3")]) == TICKETS // 2
