"""`window add|change|cancel|list` typed to the bot: the grammar, refusals and re-asks, and
the answers to "any service windows planned?" after changes and cancellations."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from adapters.console import PLATFORM as CONSOLE
from bot.app import windows as use
from bot.app.conversation import respond
from bot.app.desk import Desk
from bot.app.window_commands import parse_window
from bot.domain.windows import WindowProblem
from storage.monitoring import SqlMonitoring
from tests.app.conftest import AGNES, CARLA, CPH, MONDAY_9, World

TZ = CPH


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=CPH)


@pytest.mark.parametrize(
    ("text", "start", "end", "service", "reason"),
    [
        (
            "window add 2026-12-01 20:00-23:00 reason Database upgrade",
            at(2026, 12, 1, 20),
            at(2026, 12, 1, 23),
            use.KEEP,
            "Database upgrade",
        ),
        (
            "Window add 2026-12-1 20.00 – 23.00 Database upgrade",
            at(2026, 12, 1, 20),
            at(2026, 12, 1, 23),
            use.KEEP,
            "Database upgrade",
        ),
        (
            "window add 2026-12-01 22:00-02:00 service Sync reason Upgrade",
            at(2026, 12, 1, 22),
            at(2026, 12, 2, 2),
            "Sync",
            "Upgrade",
        ),
        (
            'window add tomorrow 22:00 to 2026-12-02 02:00 service "Salesforce sync" because: '
            "new API",
            at(2026, 12, 1, 22),
            at(2026, 12, 2, 2),
            "Salesforce sync",
            "new API",
        ),
        (
            "window schedule today 18:00 until 19:30 service all Patch",
            at(2026, 11, 30, 18),
            at(2026, 11, 30, 19, 30),
            None,
            "Patch",
        ),
    ],
)
def test_window_add_is_read_in_copenhagen_time(text, start, end, service, reason):
    command = parse_window(text, tz=TZ, now=MONDAY_9)
    assert command is not None
    assert (command.verb, command.start, command.end) == ("add", start, end)
    assert (command.service, command.reason) == (service, reason)


def test_change_and_cancel_name_the_window():
    change = parse_window("window change #7 2026-12-02 20:00-22:00", tz=TZ, now=MONDAY_9)
    assert change is not None
    assert (change.verb, change.window_id, change.start, change.service, change.reason) == (
        "change", 7, at(2026, 12, 2, 20), use.KEEP, None,
    )  # fmt: skip
    reason = parse_window("window change 7 reason Now a bigger upgrade", tz=TZ, now=MONDAY_9)
    assert reason is not None and (reason.start, reason.reason) == (None, "Now a bigger upgrade")
    cancel = parse_window("window cancel 7 reason postponed", tz=TZ, now=MONDAY_9)
    assert cancel is not None and (cancel.verb, cancel.window_id, cancel.reason) == (
        "cancel", 7, "postponed",
    )  # fmt: skip


@pytest.mark.parametrize(
    "text",
    ["windows planned?", "window cleaning is due", "any service windows planned?", "hello"],
)
def test_questions_about_windows_are_not_commands(text):
    assert parse_window(text, tz=TZ, now=MONDAY_9) is None


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("window add tonight reason x", "could not read when"),
        ("window add 2026-12-01 20:00-23:00", "say why"),
        ("window add 2026-13-01 20:00-23:00 reason x", "2026-13-01 is not a date"),
        ("window add 2026-12-01 25:00-23:00 reason x", "25:00 is not a time of day"),
        ("window change reason x", "which window?"),
        ("window change 3", "what should change?"),
        ("window change 3 2026-12-01 reason x", "could not read when"),
        ("window cancel", "which window?"),
    ],
)
def test_a_window_command_typed_wrong_says_what(text, problem):
    with pytest.raises(WindowProblem, match=problem):
        parse_window(text, tz=TZ, now=MONDAY_9)


async def test_an_agent_adds_changes_lists_and_cancels_in_chat(world: World):
    desk = replace(world.desk, implicit_platforms=(CONSOLE,))
    added = await respond(
        desk, speaker=AGNES, text="window add 2026-12-01 20:00-23:00 service Sync reason Upgrade"
    )
    assert added.private and added.title is not None
    window_id = int(added.title.split()[2])
    assert added.title == f"Service window {window_id} added"
    assert "Sync: Tue 01 Dec 2026 20:00 to Tue 01 Dec 2026 23:00 (Copenhagen time)" in added.text
    assert "2 customers told (3 posts queued)." in added.text
    changed = await respond(desk, speaker=AGNES, text=f"window change {window_id} 21:00-23:00")
    assert changed.title == "Service window not recorded"  # a time needs its date
    changed = await respond(
        desk, speaker=AGNES, text=f"window change {window_id} 2026-12-01 21:00-23:00"
    )
    assert changed.title == f"Service window {window_id} changed"
    listed = await respond(desk, speaker=AGNES, text="window list")
    assert f"{window_id}: Tue 01 Dec 2026 21:00 to Tue 01 Dec 2026 23:00" in listed.text
    cancelled = await respond(desk, speaker=AGNES, text=f"window cancel {window_id} postponed")
    assert cancelled.title == f"Service window {window_id} cancelled"
    listed = await respond(desk, speaker=AGNES, text="window list")
    assert "(cancelled)" in listed.text


async def test_a_customer_typing_window_add_is_refused_plainly(world: World):
    reply = await respond(
        world.desk, speaker=CARLA, text="window add 2026-12-01 20:00-23:00 reason mine"
    )
    assert reply.title == "Service window not recorded"
    assert reply.text.startswith("Only the service provider's agents schedule")
    assert "window add 2026-12-01" not in reply.text  # no usage lesson for a refusal
    typo = await respond(world.desk, speaker=CARLA, text="window add tonight reason x")
    assert typo.text == reply.text  # nor for one typed wrong
    async with world.desk.store.unit() as uow:
        assert await uow.windows.list() == []


async def test_bad_input_is_asked_again_with_the_grammar(world: World):
    reply = await respond(world.desk, speaker=AGNES, text="window add next week reason x")
    assert reply.title == "Service window not recorded"
    assert reply.text.startswith("I could not read when")
    assert "window add 2026-12-01 20:00-23:00 [service NAME] reason TEXT" in reply.text
    help_ = await respond(world.desk, speaker=AGNES, text="window")
    assert help_.title == "Service windows" and "window cancel ID" in help_.text


async def test_planned_windows_answer_follows_changes_and_cancellations(sql_world: World):
    world = sql_world
    desk: Desk = replace(world.desk, monitoring=SqlMonitoring(world.desk.store))  # type: ignore[arg-type]
    first = await use.schedule(
        desk, by=AGNES, start=at(2026, 12, 1, 20), end=at(2026, 12, 1, 23), reason="Upgrade"
    )
    second = await use.schedule(
        desk, by=AGNES, start=at(2026, 12, 3, 20), end=at(2026, 12, 3, 22), reason="Patch"
    )
    await use.change(
        desk,
        by=AGNES,
        window_id=first.window.id,
        start=at(2026, 12, 2, 20),
        end=at(2026, 12, 2, 21),
    )
    await use.cancel(desk, by=AGNES, window_id=second.window.id)
    reply = await respond(desk, speaker=CARLA, text="any service windows planned?")
    assert (
        reply.text == "- Wed 02 Dec 2026 20:00 (Copenhagen time) to Wed 02 Dec 2026 21:00 "
        "(Copenhagen time): Upgrade"
    )
    assert first.window.start.astimezone(UTC) == at(2026, 12, 1, 20)
