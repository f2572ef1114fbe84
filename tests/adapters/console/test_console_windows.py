"""Service windows at the console: the agent schedules one, the demo customer sees the notice."""

from __future__ import annotations

import io

from adapters.console.runner import run_console
from bot.app.desk import Desk
from bot.domain.policy import default_policy
from tests.app.conftest import MONDAY_9
from tests.fakes import FixedClock, InMemoryStore


async def test_the_agents_window_is_announced_in_the_customers_console_channel() -> None:
    desk = Desk.create(store=InMemoryStore(), clock=FixedClock(MONDAY_9), policy=default_policy())
    out = io.StringIO()
    lines = [
        "window add 2026-12-01 20:00-23:00 reason Database <b>upgrade</b>",
        "/as customer",
    ]
    status = await run_console(
        desk, role="agent", input=io.StringIO("".join(f"{x}\n" for x in lines)), output=out
    )
    assert status == 0
    shown = out.getvalue()
    assert "1 customer told (1 post queued)." in shown
    notice = shown[shown.index("[posted to #Nordlys Retail A/S]") :]
    assert "Service window planned" in notice  # the notice, in the demo customer's channel
    assert "Start:   Tue 01 Dec 2026 20:00 (Copenhagen time)" in notice
    assert "Reason: Database <b>upgrade</b>" in notice
