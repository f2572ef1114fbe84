"""The service-window tick: the notices windows owe their customers as of now, every minute.

Everything is derived from the database: each window not cancelled that is near or in its
time owes at most the notice of the phase it is in now (bot.domain.windows.due_phase). Its
dedupe key names window, revision, phase, customer and platform, so a tick run twice, or by
two instances, queues nothing new, and a changed window's later notices follow its new
revision and times (the old revision's are never due again).
"""

from __future__ import annotations

from bot.app.desk import Desk
from bot.app.messages import windows as say
from bot.app.window_notices import queue_notice
from bot.domain.windows import END_NOTICE_FOR, LEAD, due_phase

__all__ = ["run"]


async def run(desk: Desk) -> int:
    """Queue the window notices due at `desk.now()`; how many posts were newly queued."""
    now = desk.now()
    queued = 0
    async with desk.store.unit() as uow:
        for window in await uow.windows.on_the_clock(now=now, lead=LEAD, after_end=END_NOTICE_FOR):
            phase = due_phase(window, now)
            if phase is None:
                continue
            reply = say.notice(desk.policy, window, phase, now=now)
            _, posts = await queue_notice(uow, desk, window, phase, reply)
            queued += posts
    return queued
