"""The console chat end to end: typed lines in, the transcript out, on a real store."""

from __future__ import annotations

import asyncio
import io
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from adapters.console import PLATFORM as CONSOLE
from adapters.console.runner import run_console
from adapters.console.seed import DEMO_CUSTOMER
from bot.app.desk import Desk
from bot.app.filing import file_ticket
from bot.app.replies import Reply
from bot.domain.models import Destination, Identity, Role
from bot.domain.policy import default_policy
from tests.app.conftest import INCIDENT, MONDAY_9, valid
from tests.fakes import FixedClock, InMemoryStore

INCIDENT_LINES = [
    "/ticket",
    "",  # empty summary: re-asked
    "Sync to Salesforce stopped",
    "No users have synchronised since 07:00.",
    "9",  # not a choice: re-asked
    "Some users",
    "no",
    "2",
    "production",
    "",
    "forty",  # not a number: re-asked
    "40",
    "yes",
]
CONSULTANCY_LINES = [
    "/ticket Restore deleted locations",
    "Three locations were deleted yesterday.",
    "3",
    "1",
    "restore_deleted",
    "",
    "",
    "",
    "yes",
]


@pytest.fixture
def desk() -> Desk:
    return Desk.create(store=InMemoryStore(), clock=FixedClock(MONDAY_9), policy=default_policy())


async def chat(desk: Desk, *lines: str, role: str = "customer", demo: bool = False) -> str:
    out = io.StringIO()
    status = await run_console(
        desk,
        role=role,
        demo=demo,
        input=io.StringIO("".join(f"{x}\n" for x in lines)),
        output=out,
    )
    assert status == 0
    return out.getvalue()


async def stored(desk: Desk) -> list[str]:
    async with desk.store.unit() as uow:
        return [t.ref for t in await uow.tickets.query()]


async def test_a_customer_files_a_ticket_with_reasks_and_sees_the_announcement(
    desk: Desk,
) -> None:
    out = await chat(desk, *INCIDENT_LINES)
    assert f"The demo customer is {DEMO_CUSTOMER}" in out
    assert "bot> You are Carla Jensen (customer), console user 'carla'." in out
    assert "bot> Sorry, this one cannot be empty." in out
    assert "bot> Sorry, I did not get that. Please answer with a number from 1 to 4" in out
    assert "bot> Sorry, that is not a number of users." in out
    assert "Priority:           Medium (8 business hours)" in out
    assert "First response due: Tue 01 Dec 2026 09:00 (Copenhagen time)" in out
    assert "Business time left: 8 h" in out
    assert (
        "bot> SUP-1001\n     Filed SUP-1001 with priority Medium (8 business hours). "
        "First response due Tue 01 Dec 2026 09:00 (Copenhagen time)"
    ) in out
    assert f"[posted to #{DEMO_CUSTOMER}]\n  | SUP-1001: Sync to Salesforce stopped" in out
    assert "[Acknowledge: ack SUP-1001]" in out
    assert out.rstrip().endswith("-- Bye.")
    assert await stored(desk) == ["SUP-1001"]


async def test_cancel_files_nothing(desk: Desk) -> None:
    out = await chat(desk, "/ticket", "Something", "cancel", "my open tickets")
    assert "bot> Cancelled. Nothing was filed." in out
    assert "bot> You have no open tickets." in out
    assert await stored(desk) == []


async def test_an_end_user_is_sent_to_first_level_support(desk: Desk) -> None:
    out = await chat(desk, "/ticket", "Summary that must not be taken", role="end-user")
    assert "your organisation's own 1st-level support handles requests first" in out
    assert f"{DEMO_CUSTOMER}'s support contacts, Carla Jensen or Anders Holm" in out
    assert "Nothing has been filed." in out
    assert "bot> Help\n     I didn't catch that." in out  # the next line is a message again
    assert await stored(desk) == []


async def test_the_consultancy_approval_flow(desk: Desk) -> None:
    out = await chat(
        desk,
        *CONSULTANCY_LINES,
        "/as agent",
        "start SUP-1001",
        "log 1h SUP-1001 looked at backups",
        "/as customer",
        "approve SUP-1001",
        "/as approver",
        "approve SUP-1001",
        "/as agent",
        "start SUP-1001",
        "log 1.5h SUP-1001 restored the locations",
        "status of SUP-1001",
    )
    assert "This is a consultancy service: it is billable, outside the fixed fee" in out
    assert "Your approver has been asked." in out
    # Carla filed: the approver's direct message is his, not shown to her.
    assert "[posted to direct message to anders]" not in out
    assert (
        "-- [a direct message went to Anders Holm; type '/as approver' to see what they see next]"
    ) in out
    assert "bot> SUP-1001 is billable consultancy: work cannot start until" in out
    assert "bot> Only Nordlys Retail A/S's approvers can approve or decline consultancy." in out
    assert "bot> Approved: SUP-1001." in out
    assert "  | Anders Holm approved the consultancy on SUP-1001; work can start." in out
    assert (
        "-- [updated in direct message to anders] Approval needed: SUP-1001 -- Approved by "
        "Anders Holm, Mon 30 Nov 2026 09:00 (Copenhagen time)"
    ) in out
    assert "bot> SUP-1001 is now in progress." in out
    assert "bot> Logged 1 h 30 min on SUP-1001 (1 h 30 min billable in total)." in out
    assert "Consultancy approval: approved" in out
    assert out.count("Logged") == 1  # the early log was refused


async def test_a_customer_cannot_see_another_customers_ticket(desk: Desk) -> None:
    await chat(desk)  # seed the demo customer
    async with desk.store.unit() as uow:
        other = await uow.customers.add(name="Globex ApS")
        gina = Identity(CONSOLE, "gina")
        await uow.contacts.add(customer_id=other.id, identity=gina, role=Role.CUSTOMER)
    filed = await file_ticket(desk, reporter=gina, answers=valid(INCIDENT))
    assert filed.ticket is not None and filed.ticket.ref == "SUP-1001"
    out = await chat(
        desk,
        "status of SUP-1001",
        "status of SUP-1002",
        "when is SUP-1001 due",
        "ack SUP-1001",
        "my open tickets",
        demo=True,  # Globex is no demo customer
    )
    assert "bot> I can't find a ticket SUP-1001." in out
    assert "bot> I can't find a ticket SUP-1002." in out
    assert out.count("I can't find a ticket SUP-1001.") == 3
    assert "bot> You have no open tickets." in out
    assert "Sync to Salesforce" not in out
    agent = await chat(desk, "status of SUP-1001", role="agent", demo=True)
    assert "Customer: Globex ApS" in agent


async def test_agent_commands_questions_and_console_commands(desk: Desk) -> None:
    await chat(desk, *INCIDENT_LINES)
    out = await chat(
        desk,
        "what's current uptime?",
        "ack SUP-1001",
        "ack",
        "priority SUP-1001 high data loss after all",
        "/whoami",
        "/as wizard",
        "/nope",
        "/help",
        "/quit",
        "this line is never read",
        role="agent",
    )
    assert "bot> No availability measurements exist yet" in out
    assert "bot> SUP-1001 is now acknowledged. First response recorded, within the SLA" in out
    assert "  | Agnes Berg acknowledged SUP-1001 and is looking into it." in out
    assert (
        "-- [updated in #Nordlys Retail A/S] SUP-1001: Sync to Salesforce stopped"
        " -- Status: Acknowledged"
    ) in out  # a typed command keeps the announcement current too
    assert "bot> Which ticket? e.g. 'ack SUP-1001'." in out
    assert (
        "bot> SUP-1001 is now High (4 business hours). Its first response was already given"
    ) in out  # acknowledged above: its SLA outcome is settled
    assert "bot> You are Agnes Berg (agent)" in out
    assert "bot> Switch to one of: customer, approver, agent, end-user" in out
    assert "bot> Unknown command /nope. Type /help." in out
    assert "/ticket [summary]" in out and "ack SUP-1001   reply SUP-1001" in out
    assert "this line is never read" not in out


async def test_console_commands_still_work_in_the_middle_of_a_ticket(desk: Desk) -> None:
    out = await chat(
        desk, "/ticket", "Half a ticket", "/help", "/as agent", "yes", "my open tickets"
    )
    assert "bot> You are in the middle of filing a ticket. Drop it and switch to Agnes Berg" in out
    assert "bot> The ticket you were filing was not filed.\nbot> You are Agnes Berg" in out
    assert "agnes> my open tickets" in out
    assert "bot> There are no open tickets." in out
    assert await stored(desk) == []


async def test_switching_persona_mid_ticket_asks_first_and_no_keeps_the_draft(desk: Desk) -> None:
    out = await chat(desk, "/ticket", "Half a ticket", "/as agent", "no", "More words", "2")
    assert "Drop it and switch to Agnes Berg (agent)? Nothing would be filed. (yes / no)" in out
    assert "bot> Kept your ticket; go on where you were.\nbot> (2/8) Describe" in out
    assert "carla (ticket)> More words" in out  # still Carla, still filing
    assert "(4/8) Is there a risk of data loss?" in out
    assert "bot> The ticket you were filing was not filed." in out  # the input ended
    assert await stored(desk) == []


async def test_end_of_input_mid_ticket_says_the_draft_was_not_filed(desk: Desk) -> None:
    out = await chat(desk, "/ticket Printer on fire", "It burns")
    assert out.rstrip().endswith("bot> The ticket you were filing was not filed.\n-- Bye.")
    untouched = await chat(desk, "/ticket")  # nothing answered yet: nothing to lose
    assert "was not filed" not in untouched
    assert await stored(desk) == []


async def test_rich_output_shows_user_text_literally(desk: Desk) -> None:
    out = io.StringIO()
    lines = ["/ticket [bold red]boom[/] <!channel>", "d", "4", "14", "", "", "", "yes"]
    await run_console(desk, input=io.StringIO("\n".join(lines) + "\n"), output=out, rich=True)
    text = out.getvalue()
    assert "SUP-1001: [bold red]boom[/] <!channel>" in text
    assert "╭" in text  # panels


def supportbot(tmp_path: Path, *args: str, stdin: str, now: str = "2026-11-30T09:00:00+01:00"):  # type: ignore[no-untyped-def]
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'chat.db'}",
        "SUPPORTBOT_NOW": now,
    }
    return subprocess.run(
        [str(Path(sys.executable).parent / "supportbot"), "chat", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_supportbot_chat_with_piped_input_keeps_tickets_between_runs(tmp_path: Path) -> None:
    first = supportbot(tmp_path, stdin="\n".join(INCIDENT_LINES) + "\n")
    assert first.returncode == 0, first.stderr
    assert "Filed SUP-1001 with priority Medium" in first.stdout
    assert "\x1b[" not in first.stdout  # no colour codes into a pipe
    second = supportbot(tmp_path, "--as", "agent", stdin="status of SUP-1001\nack SUP-1001\n")
    assert second.returncode == 0, second.stderr
    assert "Customer: Nordlys Retail A/S" in second.stdout
    assert "bot> SUP-1001 is now acknowledged." in second.stdout
    third = supportbot(tmp_path, "--as", "end-user", stdin="/ticket\n")
    assert "Carla Jensen or Anders Holm" in third.stdout  # seeded once, not twice


def test_a_bad_fixed_clock_is_a_one_line_error(tmp_path: Path) -> None:
    result = supportbot(tmp_path, stdin="", now="2026-11-30T09:00:00")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "supportbot: error: SUPPORTBOT_NOW: 2026-11-30T09:00:00 must be timezone-aware, "
        "got naive 2026-11-30T09:00:00"
    ]
    bad_role = supportbot(tmp_path, "--as", "boss", stdin="")
    assert bad_role.returncode == 2 and "invalid choice: 'boss'" in bad_role.stderr


class BlockedKeyboard:
    """A view whose read blocks like a terminal nobody types into, until released."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.released = threading.Event()
        self.reading: asyncio.Event | None = None
        self.loop: asyncio.AbstractEventLoop | None = None

    def say(self, reply: Reply) -> None:
        self.lines.append(reply.text)

    def posted(self, destination: Destination, reply: Reply) -> None:
        self.lines.append(reply.text)

    def info(self, text: str) -> None:
        self.lines.append(text)

    def read(self, prompt: str) -> str | None:
        assert self.loop is not None and self.reading is not None
        self.loop.call_soon_threadsafe(self.reading.set)
        self.released.wait(timeout=10)
        return None


async def test_ctrl_c_while_waiting_for_input_says_bye_at_once(desk: Desk) -> None:
    view = BlockedKeyboard()
    view.loop, view.reading = asyncio.get_running_loop(), asyncio.Event()
    task = asyncio.create_task(run_console(desk, view=view))
    await asyncio.wait_for(view.reading.wait(), timeout=10)
    task.cancel()  # what asyncio.run does on Ctrl-C
    try:
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(task, timeout=10)
        assert view.lines[-1] == "Bye."
        assert not view.released.is_set()  # it did not wait for the read to return
    finally:
        view.released.set()


def test_ctrl_c_in_the_chat_exits_with_bye(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'chat.db'}",
        "SUPPORTBOT_NOW": "2026-11-30T09:00:00+01:00",
    }
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "supportbot"), "chat", "--plain"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    assert proc.stdout is not None
    for line in proc.stdout:  # wait for the prompt's turn: the welcome is shown
        if line.startswith("bot> You are"):
            break
    proc.send_signal(signal.SIGINT)
    # stdin stays open (nobody types): the exit must not wait for a line or end of input
    assert proc.wait(timeout=20) == 130
    out, _ = proc.communicate()
    assert "-- Bye." in out


async def test_the_approver_sees_the_request_addressed_to_him(desk: Desk) -> None:
    out = await chat(desk, *CONSULTANCY_LINES, role="approver")
    assert "[posted to direct message to anders]\n  | Approval needed: SUP-1001" in out
    assert "[Approve: approve SUP-1001]   [Decline: decline SUP-1001]" in out
    assert "please confirm the approval yourself" in out


async def test_ticket_typed_mid_ticket_and_a_long_prefill(desk: Desk) -> None:
    long = "Sync to Salesforce stopped for every store in the Aarhus segment " * 3
    out = await chat(desk, f"/ticket {long}", "/ticket", "cancel")
    assert "bot> Your summary was 194 characters; it takes at most 150" in out
    assert "bot> You are in the middle of filing a ticket, so I did not take '/ticket'" in out
    assert "bot> Cancelled. Nothing was filed." in out
    assert await stored(desk) == []


async def test_escape_sequences_never_reach_the_terminal_and_nul_is_dropped(store: Any) -> None:
    desk = Desk.create(store=store, clock=FixedClock(MONDAY_9), policy=default_policy())
    lines = [
        "/ticket Sync\x00 \x1b[2Jstopped",
        "It\x00 stopped \x1b]0;owned\x07 at 7",
        "2", "no", "2", "", "", "", "yes",
        "status of SUP-1001\x1b[31m",
        "what\u202es uptime",
    ]  # fmt: skip
    for rich in (False, True):
        out = io.StringIO()
        reader = io.StringIO("".join(f"{x}\n" for x in lines))
        assert await run_console(desk, input=reader, output=out, rich=rich) == 0
        shown = out.getvalue()
        assert "\x1b[2J" not in shown and "\x1b]0;" not in shown and "\x00" not in shown
        assert "\u202e" not in shown
        assert "\\x1b[2J" in shown  # what was typed is echoed, visibly
        assert "Sync [2Jstopped" in shown  # stored without the invisible characters
        assert "Sorry, that has invisible characters" in shown
    async with desk.store.unit() as uow:
        [ticket, *_] = await uow.tickets.query()
    assert ticket.summary == "Sync [2Jstopped"
    assert ticket.description == "It stopped ]0;owned at 7"
