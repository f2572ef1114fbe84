"""Migration 0005 with rows in place: Slack and Teams fields become chat bindings and back."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.slack.settings import PLATFORM as SLACK
from adapters.teams import PLATFORM as TEAMS
from adapters.teams.refs import SqlConversationRefs
from bot.domain.models import ChatBinding, CustomerChannel, DirectMessage, Identity, ThreadRef
from storage import open_store
from storage.migrate import diff, status, upgrade
from tests.storage.factories import downgrade

ACME_REF = json.dumps({"conversation": {"id": "19:acme"}, "serviceUrl": "https://smba.example/"})
GAMMA_REF = json.dumps({"conversation": {"id": "19:gamma"}, "serviceUrl": "https://smba.example/"})
AT = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)

# id, name, slack_team, slack_channel, teams_tenant, teams_channel, teams_conversation
CUSTOMERS = [
    (1, "Acme", "T1", "C1", "tenant-a", "19:acme", ACME_REF),
    (2, "Beta", None, "C2", None, None, None),
    (3, "Gamma", None, None, "tenant-g", None, GAMMA_REF),  # the channel only in the reference
    (4, "Delta", "T4", None, None, None, None),
    (5, "Echo", "T4", None, None, None, None),  # T4 told neither Delta nor Echo: dropped
    (6, "Foxtrot", None, None, None, None, None),
]


async def _seed_0004(conn) -> None:
    for row in CUSTOMERS:
        keys = ("id", "name", "slack_team", "slack_channel", "teams_tenant", "teams_channel")
        values = dict(zip((*keys, "teams_conversation"), row, strict=True))
        await conn.execute(
            sa.text(
                "INSERT INTO customers (id, name, name_key, slack_team, slack_channel, "
                "teams_tenant, teams_channel, teams_conversation, policy_overrides, is_provider) "
                "VALUES (:id, :name, :key, :slack_team, :slack_channel, :teams_tenant, "
                ":teams_channel, :teams_conversation, '{}', :no)"
            ),
            {**values, "key": values["name"].lower(), "no": False},
        )
    await conn.execute(
        sa.text(
            "INSERT INTO contacts (id, customer_id, channel, user_id, role, display_name) "
            "VALUES (1, 1, 'slack', 'U1', 'customer', 'Carla')"
        )
    )
    await conn.execute(
        sa.text(
            "INSERT INTO tickets (id, ref, customer_id, reporter_channel, reporter_user, summary, "
            "description, category, inquiry, priority, priority_reason, opened_at, "
            "first_response_due, status, consultancy, approval, approval_by_channel, "
            "approval_by_user, details, thread_channel, thread_conversation, thread_ts, "
            "updated_at) VALUES (1, 'SUP-1001', 1, 'slack', 'U1', 'Sync stopped', 'd', "
            "'synchronization', :no, 'medium', 'r', :at, :at, 'open', :no, 'not_required', "
            "'slack', 'U2', '{}', 'slack', 'C1', '1.2', :at)"
        ),
        {"at": AT, "no": False},
    )
    await conn.execute(
        sa.text(
            "INSERT INTO time_entries (id, ticket_id, agent_channel, agent_user, minutes, at, "
            "note) VALUES (1, 1, 'slack', 'U9', 30, :at, '')"
        ),
        {"at": AT},
    )
    for id_, target in (
        (1, {"channel": "slack", "kind": "customer_channel", "customer_id": 1, "ref": "SUP-1001"}),
        (2, {"channel": "teams", "kind": "user", "user": "aad-1"}),
    ):
        await conn.execute(
            sa.text(
                "INSERT INTO outbox (id, channel, target, content, dedupe_key, attempts, "
                "next_attempt_at, created_at, result) VALUES (:id, :channel, :target, '{}', "
                ":key, 0, :at, :at, '{}')"
            ),
            {
                "id": id_,
                "channel": target["channel"],
                "target": json.dumps(target),
                "key": f"k{id_}",
                "at": AT,
            },
        )


async def test_0005_turns_slack_and_teams_fields_into_bindings_and_back(database):
    store = await open_store(database.url, search_path=database.search_path, upgrade=False)
    try:
        await upgrade(store.engine, "0004")
        async with store.engine.begin() as conn:
            await _seed_0004(conn)
        await upgrade(store.engine)
        assert (await status(store.engine)).up_to_date and await diff(store.engine) == []

        async with store.unit() as uow:
            bindings = {c.name: c.bindings for c in await uow.customers.all()}
            assert bindings == {
                "Acme": (ChatBinding(SLACK, "T1", "C1"), ChatBinding(TEAMS, "tenant-a", "19:acme")),
                "Beta": (ChatBinding(SLACK, None, "C2"),),
                "Gamma": (ChatBinding(TEAMS, "tenant-g", "19:gamma"),),
                "Delta": (ChatBinding(SLACK, "T4", None),),
                "Echo": (),
                "Foxtrot": (),
            }
            contact = await uow.contacts.find(identity=Identity(SLACK, "U1"))
            assert contact is not None and contact.display_name == "Carla"
            ticket = await uow.tickets.get(ref="SUP-1001")
            assert ticket is not None and ticket.reporter == Identity(SLACK, "U1")
            assert ticket.approval_by == Identity(SLACK, "U2")
            assert ticket.thread == ThreadRef(SLACK, "C1", "1.2")
            (entry,) = await uow.tickets.time_entries()
            assert entry.agent == Identity(SLACK, "U9")
            due = await uow.outbox.due(now=AT, platforms=[SLACK, TEAMS])
            assert [m.target for m in due] == [
                CustomerChannel(platform=SLACK, customer_id=1, ref="SUP-1001"),
                DirectMessage(platform=TEAMS, user="aad-1"),
            ]
        async with AsyncSession(store.engine) as session:
            refs = SqlConversationRefs(session)
            assert await refs.get(conversation_id="19:acme") == ACME_REF
            assert await refs.get(conversation_id="19:gamma") == GAMMA_REF

        await downgrade(store.engine, "0004")
        async with store.engine.connect() as conn:
            rows = (
                await conn.execute(
                    sa.text(
                        "SELECT id, name, slack_team, slack_channel, teams_tenant, "
                        "teams_channel, teams_conversation FROM customers ORDER BY id"
                    )
                )
            ).all()
            contact_platform = (
                await conn.execute(sa.text("SELECT channel FROM contacts"))
            ).scalar_one()
            targets = (
                await conn.execute(sa.text("SELECT channel, target FROM outbox ORDER BY id"))
            ).all()
        assert [tuple(r) for r in rows] == [
            CUSTOMERS[0],
            CUSTOMERS[1],
            (3, "Gamma", None, None, "tenant-g", "19:gamma", GAMMA_REF),
            CUSTOMERS[3],
            (5, "Echo", None, None, None, None, None),
            CUSTOMERS[5],
        ]
        assert contact_platform == "slack"
        decoded = [(c, t if isinstance(t, dict) else json.loads(t)) for c, t in targets]
        assert decoded[1] == ("teams", {"channel": "teams", "kind": "user", "user": "aad-1"})
    finally:
        await store.close()
