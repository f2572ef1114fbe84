"""Migration 0010 with rows in place: outbox claims. A message attempted before, or leased now,
counts as claimed once, so it is looked up in the chat before it is posted again; and back."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from storage import open_store
from storage.migrate import diff, status, upgrade
from tests.storage.factories import downgrade

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
ROWS = [  # dedupe key, attempts, lease owner, sent
    ("fresh", 0, None, False),
    ("failed-once", 1, None, False),
    ("leased", 0, "host:12", False),
    ("sent", 1, None, True),
]


async def test_0010_counts_earlier_claims_and_back(database):
    store = await open_store(database.url, search_path=database.search_path, upgrade=False)
    try:
        await upgrade(store.engine, "0009")
        async with store.engine.begin() as conn:
            for key, attempts, owner, sent in ROWS:
                await conn.execute(
                    sa.text(
                        "INSERT INTO outbox (platform, target, content, dedupe_key, attempts, "
                        "next_attempt_at, created_at, sent_at, result, lease_owner, "
                        "lease_expires_at) VALUES ('slack', :target, '{}', :key, :attempts, "
                        ":at, :at, :sent, '{}', :owner, :until)"
                    ),
                    {
                        "target": json.dumps({"kind": "user", "platform": "slack", "user": "U1"}),
                        "key": key,
                        "attempts": attempts,
                        "at": NOW,
                        "sent": NOW if sent else None,
                        "owner": owner,
                        "until": NOW + timedelta(minutes=8) if owner else None,
                    },
                )
        await upgrade(store.engine)
        assert (await status(store.engine)).up_to_date and await diff(store.engine) == []
        async with store.unit() as uow:
            found = {key: await uow.outbox.get(dedupe_key=key) for key, *_ in ROWS}
        claims = {key: m.claims for key, m in found.items() if m is not None}
        assert claims == {"fresh": 0, "failed-once": 1, "leased": 1, "sent": 1}
        # Claimed once more, the ones an earlier attempt may have posted are in doubt.
        later = NOW + timedelta(hours=1)
        async with store.unit() as uow:
            doubt = {}
            for key in ("fresh", "failed-once", "leased"):
                message = found[key]
                assert message is not None
                claimed = await uow.outbox.claim(
                    message_id=message.id, owner="me", now=later, until=later
                )
                assert claimed is not None
                doubt[key] = claimed.in_doubt
        assert doubt == {"fresh": False, "failed-once": True, "leased": True}

        await downgrade(store.engine, "0009")
        async with store.engine.connect() as conn:
            keys = (await conn.execute(sa.text("SELECT dedupe_key FROM outbox ORDER BY id"))).all()
            columns = await conn.run_sync(
                lambda sync: [c["name"] for c in sa.inspect(sync).get_columns("outbox")]
            )
        assert [k for (k,) in keys] == [key for key, *_ in ROWS]
        assert "claims" not in columns
    finally:
        await store.close()
