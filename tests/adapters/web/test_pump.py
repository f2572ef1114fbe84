"""The outbox pump keeps draining whatever one round does."""

from __future__ import annotations

import asyncio
import logging

import pytest

from adapters.web.pump import OutboxPump

ROUND = 5.0  # seconds a round may take on a loaded machine; the pump itself never waits


async def test_the_pump_survives_a_failing_round(caplog: pytest.LogCaptureFixture) -> None:
    rounds: list[str] = []

    async def drain() -> int:
        rounds.append("failed" if not rounds else "drained")
        if len(rounds) == 1:
            raise ConnectionError("the database went away")
        return 0

    pump = OutboxPump(drain, interval=3600)
    await pump.start()
    try:
        with caplog.at_level(logging.ERROR, logger="adapters.web.pump"):
            await asyncio.wait_for(pump.next_round(), ROUND)
            await asyncio.wait_for(pump.next_round(), ROUND)
    finally:
        await pump.stop()

    assert rounds[:2] == ["failed", "drained"]
    assert pump.rounds >= 2
    [failure] = [r for r in caplog.records if r.name == "adapters.web.pump"]
    assert failure.getMessage() == "outbox drain failed; retrying on the next tick"
