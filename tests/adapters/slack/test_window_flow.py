"""Service windows in Slack end to end: an agent types `window add` in a DM, and the customer's
channel gets the notice with Slack's date token, the reason as plain text."""

from __future__ import annotations

from bot.jobs.windows import run as tick
from tests.adapters.slack.conftest import ACME_CHANNEL, AGNES, CARLA, SlackWorld
from tests.app.conftest import MONDAY_9


def _dm(user: str, text: str, ts: str) -> dict[str, object]:
    return {
        "type": "message",
        "channel": f"D{user}",
        "channel_type": "im",
        "user": user,
        "text": text,
        "ts": ts,
    }


async def test_an_agents_window_reaches_the_customers_channel_with_readers_time(
    slack: SlackWorld,
) -> None:
    typed = "window add 2026-12-01 20:00-23:00 reason Upgrade &lt;!channel&gt; *now*"
    response = await slack.event(_dm(AGNES, typed, "1764489800.000100"), event_id="Ev0WIN")
    assert response.status == 200
    posts = await slack.fake.wait_for("chat.postMessage", 2)
    answer = next(p for p in posts if p.args["channel"] == f"D{AGNES}")
    assert answer.args["text"].startswith("Service window 1 added")
    notice = next(p for p in posts if p.args["channel"] == ACME_CHANNEL)
    blocks = str(notice.args["blocks"])
    assert "<!date^1796151600^{date_short_pretty} {time}|Tue 01 Dec 2026 20:00" in blocks
    assert "<!channel>" not in blocks and "&lt;!channel&gt;" in blocks

    before = len(slack.fake.of("chat.postMessage"))
    slack.clock.set(MONDAY_9.replace(day=30, hour=20))  # 24 hours before the start
    assert await tick(slack.desk) == 1
    await slack.server.pump.next_round()
    reminder = (await slack.fake.wait_for("chat.postMessage", before + 1))[before]
    assert reminder.args["channel"] == ACME_CHANNEL
    assert reminder.args["text"].startswith("Reminder: service window Tue 01 Dec 2026 20:00")


async def test_a_customer_typing_window_add_in_slack_is_refused(slack: SlackWorld) -> None:
    typed = "window add 2026-12-01 20:00-23:00 reason mine"
    await slack.event(_dm(CARLA, typed, "1764489800.000200"), event_id="Ev0WIN2")
    (answer,) = await slack.fake.wait_for("chat.postMessage", 1)
    assert "Only the service provider's agents" in answer.args["text"]
