"""The Slack adapter when something around it fails: Slack refusing a modal update, a
response_url that does not answer, a claim that cannot be given back, and the approver's
Decline button. Each failure is contained: what the user did still happens, and the log has one
line about it, not a traceback from a listener."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.inbox import EventInbox
from adapters.slack.notifier import SlackNotifier, send
from bot.app.replies import Reply
from bot.domain.models import ApprovalState, Destination, Ticket, TicketStatus
from tests.adapters.slack.conftest import (
    ACME_CHANNEL,
    AGNES,
    ANDERS,
    CARLA,
    CONSULTANCY,
    INCIDENT,
    SlackWorld,
)
from tests.adapters.slack.fake_slack import FakeSlack
from tests.app.conftest import MONDAY_9
from tests.fakes import FixedClock, InMemoryStore


async def _ticket(slack: SlackWorld, ref: str) -> Ticket:
    async with slack.desk.store.unit() as uow:
        found = await uow.tickets.get(ref=ref)
    assert found is not None
    return found


class _Caught(logging.Handler):
    """Records what reaches the root logger while installed."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self._changed = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self._changed.set()

    async def seen(self, text: str, timeout: float = 5.0) -> logging.LogRecord:
        """The first record containing `text`, waiting for it if need be."""
        async with asyncio.timeout(timeout):
            while True:
                found = [r for r in self.records if text in r.getMessage()]
                if found:
                    return found[0]
                self._changed.clear()
                await self._changed.wait()

    def tracebacks(self) -> list[str]:
        return [r.getMessage() for r in self.records if r.exc_info]


@contextlib.contextmanager
def _caught() -> Iterator[_Caught]:
    handler = _Caught()
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


# -- views.update refused with hash_conflict ---------------------------------------------------


async def test_a_hash_conflict_on_a_modal_update_is_left_to_the_newer_update(
    slack: SlackWorld,
) -> None:
    # Two quick answers each redraw the modal; Slack refuses the older redraw (its hash is stale).
    slack.fake.fail_next("views.update", status=200, body={"ok": False, "error": "hash_conflict"})
    view = await slack.open_modal(CARLA, "Sync stopped")

    with _caught() as log:
        with pytest.raises(AssertionError):  # fill() expects a successful redraw
            await slack.fill(view, {"affected": "some", "data_loss": "no"}, CARLA)
        line = await log.seen("intake view not updated")

    [refused] = slack.fake.of("views.update")
    assert refused.result == {"ok": False, "error": "hash_conflict"}
    assert line.getMessage() == "intake view not updated: hash_conflict"
    assert log.tracebacks() == []
    # The modal still works: the next answer redraws it.
    redrawn = await slack.fill(view, {"affected": "some", "data_loss": "no"}, CARLA)
    assert "data_loss" in {b["block_id"] for b in redrawn["blocks"]}


# -- a response_url that fails -----------------------------------------------------------------


def _closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/hooks/gone"


@pytest.mark.parametrize("broken", ["unreachable", "error"])
async def test_a_failing_response_url_still_acts_and_logs_one_line(
    slack: SlackWorld, broken: str
) -> None:
    ticket = await slack.file(CARLA, INCIDENT)
    click = slack.click(AGNES, "ticket.acknowledge", ticket.ref, ticket)
    if broken == "unreachable":
        click["response_url"] = _closed_port_url()
    else:
        click["response_url"] = slack.fake.url + "no/such/hook"  # the fake answers 404

    posts = len(slack.fake.of("chat.postMessage"))
    with _caught() as log:
        response = await slack.interact(click)
        line = await log.seen("response_url")
        await slack.server.pump.next_round()
        await slack.fake.wait_for("chat.postMessage", posts + 1)

    assert response.status == 200
    assert (await _ticket(slack, ticket.ref)).status is TicketStatus.ACKNOWLEDGED
    [status] = slack.fake.of("chat.postMessage")[posts:]
    assert status.args["thread_ts"] == ticket.thread.thread  # type: ignore[union-attr]
    expected = {"unreachable": "response_url unreachable: ", "error": "response_url answered 404"}
    assert line.getMessage().startswith(expected[broken]) and line.exc_info is None
    assert log.tracebacks() == []


async def test_slack_unreachable_after_the_ack_is_one_line(slack: SlackWorld) -> None:
    # A DM is acknowledged at once; answering it then finds Slack gone. One warning, and no
    # error from Bolt about the answer it can no longer change.
    with _caught() as log:
        await slack.fake.stop()
        response = await slack.event(
            {
                "type": "message",
                "channel": "D0CARLA",
                "channel_type": "im",
                "user": CARLA,
                "text": "help",
                "ts": "1764489800.000100",
            },
            event_id="Ev0GONE",
        )
        line = await log.seen("Slack Web API unreachable")

    assert response.status == 200 and line.exc_info is None
    assert log.tracebacks() == []
    assert [r for r in log.records if r.levelno >= logging.ERROR] == []


# -- the Decline button ------------------------------------------------------------------------


async def test_an_approver_declines_with_the_button(slack: SlackWorld) -> None:
    ticket = await slack.file(CARLA, CONSULTANCY)
    await slack.server.pump.next_round()
    [request] = [c for c in slack.fake.of("chat.postMessage") if c.args["channel"] == "DU0ANDERS"]
    assert "ticket.decline" in str(request.args["blocks"])

    await slack.interact(slack.click(ANDERS, "ticket.decline", ticket.ref, ticket))
    [answer] = await slack.fake.wait_responses(1)

    assert answer["response_type"] == "ephemeral"
    assert answer["text"].startswith(f"Declined: {ticket.ref}.")
    declined = await _ticket(slack, ticket.ref)
    assert declined.approval is ApprovalState.DECLINED
    assert declined.approval_by is not None and declined.approval_by.user_id == ANDERS
    redrawn = {c.args["channel"]: c for c in await slack.fake.wait_for("chat.update", 2)}
    for where in (ACME_CHANNEL, request.args["channel"]):
        blocks = str(redrawn[where].args["blocks"])
        assert "ticket.approve" not in blocks and "ticket.decline" not in blocks
    assert "Declined by Anders Holm" in str(redrawn[request.args["channel"]].args["blocks"])


async def test_only_an_approver_can_decline(slack: SlackWorld) -> None:
    ticket = await slack.file(CARLA, CONSULTANCY)

    await slack.interact(slack.click(CARLA, "ticket.decline", ticket.ref, ticket))
    [refusal] = await slack.fake.wait_responses(1)

    assert "approver" in refusal["text"].lower()
    assert (await _ticket(slack, ticket.ref)).approval is ApprovalState.PENDING


# -- a private post from the outbox ------------------------------------------------------------


@pytest.fixture
async def client(fake_slack: FakeSlack) -> AsyncWebClient:
    return AsyncWebClient(token="xoxb-test", base_url=fake_slack.api_url)


async def test_a_direct_message_from_the_outbox_opens_the_dm_first(
    fake_slack: FakeSlack, client: AsyncWebClient
) -> None:
    notifier = SlackNotifier(client)
    reply = Reply(text="Please approve SUP-1001", private=True)
    landed = await notifier.deliver(
        destination=Destination("slack", ANDERS, user=ANDERS),
        content=reply.to_json(),
        key="approval:SUP-1001:slack:" + ANDERS,
    )

    [opened] = fake_slack.of("conversations.open")
    [post] = fake_slack.of("chat.postMessage")
    assert opened.args["users"] == ANDERS
    assert post.args["channel"] == f"D{ANDERS}" and landed.conversation == f"D{ANDERS}"
    assert fake_slack.of("chat.postEphemeral") == []


async def test_a_private_reply_in_a_channel_is_seen_by_its_user_only(
    fake_slack: FakeSlack, client: AsyncWebClient
) -> None:
    reply = Reply(text="Only you can see this", private=True)
    where = Destination("slack", ACME_CHANNEL, thread="1.2", user=CARLA)

    await send(client, destination=where, reply=reply, token=None)

    [post] = fake_slack.of("chat.postEphemeral")
    assert (post.args["channel"], post.args["user"], post.args["thread_ts"]) == (
        ACME_CHANNEL,
        CARLA,
        "1.2",
    )
    assert fake_slack.of("chat.postMessage") == []


async def test_a_public_reply_in_a_channel_is_posted_for_everyone(
    fake_slack: FakeSlack, client: AsyncWebClient
) -> None:
    reply = Reply(text="SUP-1001 is acknowledged")
    where = Destination("slack", ACME_CHANNEL, thread="1.2", user=CARLA)

    landed = await send(client, destination=where, reply=reply, token=None)

    [post] = fake_slack.of("chat.postMessage")
    assert post.args["channel"] == ACME_CHANNEL and post.args["thread_ts"] == "1.2"
    assert (landed.conversation, landed.thread) == (ACME_CHANNEL, "1.2")
    assert fake_slack.of("chat.postEphemeral") == []


# -- a claim that cannot be given back ---------------------------------------------------------


class _ReleaseFails(InMemoryStore):
    """A store whose third unit of work (the release, after claim and work) fails."""

    def __init__(self) -> None:
        super().__init__()
        self.units = 0

    def unit(self) -> Any:
        self.units += 1
        if self.units == 2:
            raise ConnectionError("the database went away")
        return super().unit()


async def test_a_failed_release_logs_and_the_handlers_own_error_propagates() -> None:
    store = _ReleaseFails()
    inbox = EventInbox(store, FixedClock(MONDAY_9))
    body = {"type": "event_callback", "team_id": "T0001", "event_id": "Ev0FAIL"}

    async def work() -> None:
        raise LookupError("the handler failed")

    with _caught() as log, pytest.raises(LookupError, match="the handler failed"):
        await inbox.once(body, None, work)

    [record] = [r for r in log.records if "could not release" in r.getMessage()]
    assert record.getMessage() == "could not release event slack:T0001:Ev0FAIL for a retry"
    assert store.units == 2
