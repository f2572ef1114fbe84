"""Typed commands: the same words mean the same action in every chat."""

from __future__ import annotations

import pytest

from bot.app.actions import ACTIONS
from bot.app.commands import (
    Command,
    find_ref,
    parse_command,
    parse_priority,
    parse_status,
    read_duration,
)
from bot.domain.lifecycle import Action
from bot.domain.models import TicketStatus
from bot.domain.policy import PriorityKey, default_policy

POLICY = default_policy()
C = Command


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ack SUP-1001", Command(Action.ACKNOWLEDGE, "SUP-1001", "")),
        ("Acknowledge sup-7", Command(Action.ACKNOWLEDGE, "SUP-7", "")),
        ("log 1.5h SUP-1 restored users", C(Action.LOG_TIME, "SUP-1", "1.5h restored users")),
        ("log SUP-1001 90m", Command(Action.LOG_TIME, "SUP-1001", "90m")),
        ("reply SUP-3 We are on it", Command(Action.REPLY, "SUP-3", "We are on it")),
        ("priority SUP-3 high all down", Command(Action.REPRIORITISE, "SUP-3", "high all down")),
        ("set SUP-3 waiting on customer", C(Action.SET_STATUS, "SUP-3", "waiting on customer")),
        ("godkend SUP-3", Command(Action.APPROVE, "SUP-3", "")),
        ("decline SUP-3 too costly", Command(Action.DECLINE, "SUP-3", "too costly")),
        ("ack", Command(Action.ACKNOWLEDGE, None, "")),
        ("log in fails for everyone", None),
        ("what's current uptime", None),
        ("", None),
    ],
)  # fmt: skip
def test_parse_command(text: str, expected: Command | None) -> None:
    assert parse_command(POLICY, text) == expected


def test_every_verb_names_a_real_action() -> None:
    from bot.app.commands import VERBS

    assert set(VERBS.values()) <= ACTIONS


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.5h restored", (90, "restored")),
        ("1,5 t", (90, "")),
        ("2 hours", (120, "")),
        ("1h 30m note", (90, "note")),
        ("45m", (45, "")),
        ("45 min", (45, "")),
        ("1h30m fixed it", (90, "fixed it")),
        ("1:30", (90, "")),
        ("90m", (90, "")),
        ("1,5t", (90, "")),
        ("1,5 timer rettet", (90, "rettet")),
        ("1 h 30 min", (90, "")),
        ("1m", (1, "")),
        ("24h", (1440, "")),
        ("1 hotfix", None),
        ("10:75", None),
        # Read, so the error can name them; one entry's limits are the domain's.
        ("-1h", (-60, "")),
        ("0h", (0, "")),
        ("25h", (1500, "")),
        ("soon", None),
        ("", None),
    ],
)
def test_read_duration(text: str, expected: tuple[int, str] | None) -> None:
    assert read_duration(text) == expected


def test_parse_status_and_priority() -> None:
    assert parse_status("In-Progress") is TicketStatus.IN_PROGRESS
    assert parse_status("waiting") is TicketStatus.WAITING_ON_CUSTOMER
    assert parse_status("done-ish") is None
    assert parse_priority(POLICY, "Highest everyone down") == (
        PriorityKey.HIGHEST,
        "everyone down",
    )
    assert parse_priority(POLICY, "urgent") is None
    assert parse_priority(POLICY, "critical all down") == (PriorityKey.HIGHEST, "all down")
    assert parse_priority(POLICY, "inquiry") == (PriorityKey.LOWEST, "")
    assert parse_priority(POLICY, "default x") is None  # two priorities share that label
    for danish, key in [
        ("kritisk", PriorityKey.HIGHEST),
        ("Høj", PriorityKey.HIGH),
        ("mellem", PriorityKey.MEDIUM),
        ("lav", PriorityKey.LOW),
        ("lavest", PriorityKey.LOWEST),
    ]:
        assert parse_priority(POLICY, f"{danish} fordi") == (key, "fordi")


@pytest.mark.parametrize(
    "text", ["status of SUP-1002", "status of SUP 1002", "sup1002", "Sup-1002 please"]
)
def test_find_ref_accepts_spaces_and_no_dash(text: str) -> None:
    assert find_ref(POLICY, text) == "SUP-1002"


def test_a_command_with_a_spaced_ref() -> None:
    assert parse_command(POLICY, "ack SUP 1002") == Command("ticket.acknowledge", "SUP-1002", "")
