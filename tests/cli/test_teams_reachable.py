"""`customer list` says which Teams customers the bot cannot post to yet."""

from __future__ import annotations

import json

from adapters.teams.refs import SqlConversationRefs, tenant_key
from tests.cli.conftest import rows_of

TENANT = "8c6f1a2e-0b7d-4e4f-9a51-2f3c4d5e6f70"
OTHER = "11111111-2222-4333-8444-555555555555"
CHANNEL = "19:acme-support@thread.tacv2"


def test_a_teams_customer_never_heard_from_is_not_reachable_yet(cli) -> None:
    assert cli("customer", "add", "Acme A/S", "--teams-tenant", TENANT)[0] == 0
    assert cli("customer", "add", "Globex", "--teams-tenant", OTHER)[0] == 0
    assert cli("customer", "add", "Initech", "--slack-channel", "C0INIT")[0] == 0

    async def heard_from_acme(uow) -> None:
        await SqlConversationRefs(uow.session).save(
            conversation_id=tenant_key(TENANT), reference="{}"
        )

    rows_of(heard_from_acme)

    status, out, _ = cli("customer", "list", "--json")
    reachable = {c["name"]: c["teams_reachable"] for c in json.loads(out)}
    assert reachable == {"Acme A/S": True, "Globex": False, "Initech": None}
    status, out, _ = cli("customer", "list")
    lines = {line.split()[0]: line for line in out.splitlines()[1:]}
    assert f"{OTHER} (not reachable on Teams yet)" in lines["Globex"]
    assert "not reachable" not in lines["Acme"] and "not reachable" not in lines["Initech"]


def test_a_channel_bound_by_hand_is_reachable_once_the_bot_was_there(cli) -> None:
    assert cli("customer", "add", "Acme A/S", "--teams-channel", CHANNEL)[0] == 0
    status, out, _ = cli("customer", "list", "--json")
    assert json.loads(out)[0]["teams_reachable"] is False

    async def heard_in_channel(uow) -> None:
        await SqlConversationRefs(uow.session).save(conversation_id=CHANNEL, reference="{}")

    rows_of(heard_in_channel)

    status, out, _ = cli("customer", "list", "--json")
    assert json.loads(out)[0]["teams_reachable"] is True
