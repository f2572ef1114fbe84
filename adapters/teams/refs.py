"""The Teams conversation references the adapter keeps: what a post the bot starts needs.

One table, keyed by conversation id. Two more kinds of key share it, because a proactive post
often knows a person or an organisation rather than a conversation: "user:<AAD object id>"
(that person's personal chat with the bot) and "tenant:<tenant id>" (the newest reference seen
in that tenant: its service URL and the bot's account, from which a personal chat is created),
and "member:<AAD object id>" (the newest reference that person was seen in: the tenant of
someone who is no registered contact, e.g. an end user answered privately).
Teams conversation ids never start with those prefixes ("19:...", "a:...", "8:...").
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlmodel import col, select

from adapters.teams.tables import ConversationRefRow
from bot.domain.models import ChatBinding

__all__ = [
    "NOT_REACHABLE",
    "ConversationRefs",
    "SqlConversationRefs",
    "member_key",
    "reachable",
    "tenant_key",
    "user_key",
]


# What `customer list` and the outbox say of a customer the bot cannot post to yet.
NOT_REACHABLE = "not reachable on Teams yet"


def user_key(user: str) -> str:
    """The key of a person's personal chat with the bot."""
    return f"user:{user}"


def member_key(user: str) -> str:
    """The key of the newest reference a person was seen in (their tenant, for a personal
    chat with someone who is no registered contact)."""
    return f"member:{user}"


def tenant_key(tenant: str) -> str:
    """The key of the newest reference seen in a tenant."""
    return f"tenant:{tenant}"


class SqlConversationRefs:
    """Conversation references by key, in SQL, inside a caller's session."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def save(self, *, conversation_id: str, reference: str) -> bool:
        """Keep the newest reference under a key; whether anything changed (it may move, e.g.
        to a new service URL)."""
        row = await self._s.get(ConversationRefRow, conversation_id)
        if row is None:
            self._s.add(ConversationRefRow(conversation_id=conversation_id, reference=reference))
        elif row.reference != reference:
            row.reference = reference
        else:
            return False
        await self._s.flush()
        return True

    async def get(self, *, conversation_id: str) -> str | None:
        """The serialized reference under a key, or None if none was kept."""
        row = await self._s.get(ConversationRefRow, conversation_id)
        return row.reference if row is not None else None

    async def tenants(self) -> set[str]:
        """Every tenant the bot has heard from."""
        prefix = tenant_key("")
        column = col(ConversationRefRow.conversation_id)
        keys = await self._s.scalars(select(column).where(column.startswith(prefix)))
        return {key[len(prefix) :] for key in keys}


async def reachable(session: AsyncSession, binding: ChatBinding) -> bool:
    """Whether the bot can post to a customer bound so on Teams: it has heard from its tenant
    or has a reference for its channel (else its posts wait: "not reachable on Teams yet")."""
    refs = SqlConversationRefs(session)
    if binding.workspace and await refs.get(conversation_id=tenant_key(binding.workspace)):
        return True
    return bool(binding.conversation and await refs.get(conversation_id=binding.conversation))


class ConversationRefs:
    """The references on the desk's database, each call in its own short transaction; what
    was saved last is remembered, so an unchanged reference costs no write."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        self._saved: dict[str, str] = {}

    async def save(self, references: dict[str, str]) -> None:
        """Keep `references` (key -> serialized reference) where they are new or changed."""
        changed = {k: v for k, v in references.items() if self._saved.get(k) != v}
        if not changed:
            return
        async with self._sessions.begin() as session:
            refs = SqlConversationRefs(session)
            for key, reference in changed.items():
                await refs.save(conversation_id=key, reference=reference)
        self._saved.update(changed)

    async def get(self, key: str) -> str | None:
        """The serialized reference under `key`, or None."""
        async with self._sessions() as session:
            return await SqlConversationRefs(session).get(conversation_id=key)

    async def tenants(self) -> set[str]:
        """Every tenant the bot has heard from."""
        async with self._sessions() as session:
            return await SqlConversationRefs(session).tenants()
