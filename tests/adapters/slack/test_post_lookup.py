"""Slack posts from the outbox carry their dedupe key in message metadata, and the notifier
finds a post by that key in the channel, the thread or the direct message it went to."""

from __future__ import annotations

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.notifier import EVENT_TYPE, LOOKUP_PAGES, PAGE_SIZE, SlackNotifier
from bot.app.replies import Reply
from bot.domain.models import Destination, ThreadRef
from tests.adapters.slack.conftest import ACME_CHANNEL, ANDERS
from tests.adapters.slack.fake_slack import FakeSlack

POST = Reply(text="SUP-1001 is at risk: 2h left").to_json()


@pytest.fixture
def notifier(fake_slack: FakeSlack) -> SlackNotifier:
    return SlackNotifier(AsyncWebClient(token="xoxb-test", base_url=fake_slack.api_url))


async def test_a_post_carries_its_dedupe_key_in_message_metadata(
    fake_slack: FakeSlack, notifier: SlackNotifier
) -> None:
    await notifier.deliver(
        destination=Destination("slack", ACME_CHANNEL), content=POST, key="announce:SUP-1001"
    )

    [post] = fake_slack.of("chat.postMessage")
    assert post.args["metadata"] == {
        "event_type": EVENT_TYPE,
        "event_payload": {"key": "announce:SUP-1001"},
    }


async def test_a_channel_post_is_found_by_its_key_where_it_landed(
    fake_slack: FakeSlack, notifier: SlackNotifier
) -> None:
    channel = Destination("slack", ACME_CHANNEL)
    landed = await notifier.deliver(destination=channel, content=POST, key="announce:SUP-1001")
    await notifier.deliver(destination=channel, content=POST, key="announce:SUP-1002")

    assert await notifier.find(destination=channel, key="announce:SUP-1001") == landed
    assert await notifier.find(destination=channel, key="announce:SUP-1003") is None
    [call, *_] = fake_slack.of("conversations.history")
    assert call.args["channel"] == ACME_CHANNEL and call.args["include_all_metadata"] == "1"


async def test_a_thread_post_is_found_in_its_thread(
    fake_slack: FakeSlack, notifier: SlackNotifier
) -> None:
    parent = await notifier.deliver(
        destination=Destination("slack", ACME_CHANNEL), content=POST, key="announce:SUP-1001"
    )
    thread = Destination("slack", ACME_CHANNEL, thread=parent.thread)
    await notifier.deliver(destination=thread, content=POST, key="sla:SUP-1001:50")

    found = await notifier.find(destination=thread, key="sla:SUP-1001:50")

    assert found == ThreadRef("slack", ACME_CHANNEL, parent.thread)
    assert await notifier.find(destination=thread, key="sla:SUP-1001:75") is None
    assert fake_slack.of("conversations.replies")[0].args["ts"] == parent.thread


async def test_a_direct_message_is_found_in_the_dm_channel(
    fake_slack: FakeSlack, notifier: SlackNotifier
) -> None:
    dm = Destination("slack", ANDERS, user=ANDERS)
    landed = await notifier.deliver(destination=dm, content=POST, key="approval:SUP-1001")

    assert await notifier.find(destination=dm, key="approval:SUP-1001") == landed
    assert landed.conversation == f"D{ANDERS}"


async def test_the_lookup_reads_a_bounded_number_of_pages(
    fake_slack: FakeSlack, notifier: SlackNotifier
) -> None:
    channel = Destination("slack", ACME_CHANNEL)
    await notifier.deliver(destination=channel, content=POST, key="old")
    # Older than the pages the lookup reads: posts pile up on top of it.
    fake_slack.messages[ACME_CHANNEL].extend(
        {"type": "message", "ts": f"1800000000.{n:06d}", "text": "chatter"}
        for n in range(LOOKUP_PAGES * PAGE_SIZE)
    )

    assert await notifier.find(destination=channel, key="old") is None
    assert len(fake_slack.of("conversations.history")) == LOOKUP_PAGES
