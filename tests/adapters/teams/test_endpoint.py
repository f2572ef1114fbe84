"""POST /api/messages in `serve`: answers, identity and tenant, channel binding, references,
redeliveries, and what an anonymous bot refuses."""

from __future__ import annotations

import json

from adapters.teams import PLATFORM
from adapters.teams.refs import ConversationRefs, tenant_key, user_key
from bot.domain.models import ChatBinding
from tests.adapters.teams.conftest import (
    AGNES,
    CARLA,
    CHANNEL,
    ERIK,
    TENANT,
    ServeTeams,
    TeamsWorld,
    bot_added,
    personal_chat,
)


def refs(world: TeamsWorld) -> ConversationRefs:
    return ConversationRefs(world.desk.store.engine)  # type: ignore[attr-defined]


async def test_a_mention_in_a_channel_is_answered_in_its_thread(teams: TeamsWorld) -> None:
    activity = teams.message("ticket")
    assert await teams.post(activity) == 200

    (reply,) = await teams.fake.wait_for("reply")
    assert reply.conversation == activity["conversation"]["id"]  # the thread it was asked in
    assert reply.activity_id == activity["id"]
    (card,) = reply.cards  # the intake form
    assert card["type"] == "AdaptiveCard"


async def test_a_question_in_a_personal_chat_is_answered_there(teams: TeamsWorld) -> None:
    text = await teams.say("uptime", personal=True)

    (sent,) = teams.fake.posts()
    assert sent.conversation == personal_chat(CARLA)
    assert text


async def test_first_mention_in_a_channel_binds_it_to_the_tenants_customer(
    teams: TeamsWorld,
) -> None:
    assert (await teams.customer()).binding(PLATFORM) == ChatBinding(PLATFORM, TENANT, None)

    await teams.say("ticket")

    assert (await teams.customer()).binding(PLATFORM) == ChatBinding(PLATFORM, TENANT, CHANNEL)
    stored = await refs(teams).get(CHANNEL)
    assert stored is not None
    assert json.loads(stored)["conversation"]["id"] == CHANNEL  # the channel, not the thread
    assert await refs(teams).get(tenant_key(TENANT)) is not None


async def test_adding_the_bot_to_a_team_binds_its_channel(teams: TeamsWorld) -> None:
    assert await teams.post(bot_added(service_url=teams.fake.url)) == 200

    assert (await teams.customer()).binding(PLATFORM) == ChatBinding(PLATFORM, TENANT, CHANNEL)
    assert teams.fake.posts() == []


async def test_a_channel_of_an_unknown_tenant_is_bound_to_nobody(teams: TeamsWorld) -> None:
    await teams.say("ticket", tenant="11111111-2222-4333-8444-555555555555")

    assert (await teams.customer()).binding(PLATFORM) == ChatBinding(PLATFORM, TENANT, None)


async def test_a_personal_chat_reference_is_kept_by_person_and_refreshed_when_it_moves(
    teams: TeamsWorld,
) -> None:
    await teams.say("help", personal=True, user=ERIK)
    first = await refs(teams).get(user_key(ERIK))
    assert first is not None and json.loads(first)["serviceUrl"] == teams.fake.url

    moved = teams.message("help", personal=True, user=ERIK)
    moved["serviceUrl"] = teams.fake.url.replace("127.0.0.1", "localhost")
    assert await teams.post(moved) == 200

    now = await refs(teams).get(user_key(ERIK))
    assert now is not None and json.loads(now)["serviceUrl"] == moved["serviceUrl"]


async def test_a_redelivered_activity_is_handled_once(teams: TeamsWorld) -> None:
    activity = teams.message("ticket")
    assert await teams.post(activity) == 200
    await teams.fake.wait_for("reply")

    assert await teams.post(activity) == 200
    await teams.server.pump.next_round()
    assert len(teams.fake.posts()) == 1


async def test_a_redelivery_after_a_restart_is_still_handled_once(
    serve_teams: ServeTeams,
) -> None:
    first = await serve_teams()
    activity = first.message("ticket")
    assert await first.post(activity) == 200
    await first.fake.wait_for("reply")

    second = await serve_teams()  # another process on the same database
    assert await second.post(activity) == 200
    assert len(second.fake.posts()) == 1


async def test_not_an_activity_is_a_400(teams: TeamsWorld) -> None:
    assert await teams.post("{not json") == 400
    assert await teams.post("[1, 2]") == 400
    assert await teams.post(json.dumps({"text": "no type"})) == 400
    assert teams.fake.calls == []


async def test_an_anonymous_bot_refuses_any_token_with_401(teams: TeamsWorld) -> None:
    for header in ("Bearer not-a-jwt", "Basic dXNlcjpwYXNz", "garbage", "Bearer a.b.c"):
        assert await teams.post(teams.message("ticket"), headers={"Authorization": header}) == 401

    assert teams.fake.calls == []
    assert await teams.tickets() == []
    assert (await teams.customer()).binding(PLATFORM) == ChatBinding(PLATFORM, TENANT, None)
    assert await refs(teams).tenants() == set()


async def test_an_anonymous_bot_answers_only_on_this_machine(teams: TeamsWorld) -> None:
    activity = teams.message("ticket")
    activity["serviceUrl"] = "https://smba.trafficmanager.net/emea/"

    assert await teams.post(activity) == 401
    assert await refs(teams).tenants() == set()


NEW_TENANT = "33333333-4444-4555-8666-777777777777"
NEW_CHANNEL = "19:globex-support@thread.tacv2"


async def add_globex(world: TeamsWorld) -> None:
    async with world.desk.store.unit() as uow:
        await uow.customers.add(name="Globex")


async def test_an_agent_binds_a_channel_to_a_customer_explicitly(teams: TeamsWorld) -> None:
    await add_globex(teams)

    said = await teams.say("bind Globex", user=AGNES, tenant=NEW_TENANT, channel=NEW_CHANNEL)

    assert "now Globex's support channel" in said
    globex = await teams.customer("Globex")
    assert globex.binding(PLATFORM) == ChatBinding(PLATFORM, NEW_TENANT, NEW_CHANNEL)


async def test_only_an_agent_may_bind_a_channel(teams: TeamsWorld) -> None:
    await add_globex(teams)

    said = await teams.say("bind Globex", user=CARLA, tenant=NEW_TENANT, channel=NEW_CHANNEL)

    assert "Only the service provider's agents" in said
    assert (await teams.customer("Globex")).binding(PLATFORM) is None


async def test_a_channel_bound_to_one_customer_is_not_taken_by_another(teams: TeamsWorld) -> None:
    await add_globex(teams)
    await teams.say("ticket")  # Acme's channel binds itself

    said = await teams.say("bind Globex", user=AGNES)

    assert "Acme A/S's support channel already" in said
    assert (await teams.customer("Globex")).binding(PLATFORM) is None


async def test_a_throttled_answer_is_sent_again_after_the_wait_teams_asks_for(
    teams: TeamsWorld,
) -> None:
    teams.fake.fail("reply", 429, retry_after="3")
    teams.fake.fail("reply", 502)

    assert await teams.post(teams.message("ticket")) == 200

    assert [c.kind for c in teams.fake.of("reply-failed", "reply")] == [
        "reply-failed",
        "reply-failed",
        "reply",
    ]
    assert teams.sleeps == [3.0, 2.0]
