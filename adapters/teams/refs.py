"""The Teams conversation references the adapter keeps, read and written in a caller's session."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from adapters.teams.tables import ConversationRefRow

__all__ = ["SqlConversationRefs"]


class SqlConversationRefs:
    """Conversation references by conversation id, in SQL."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def save(self, *, conversation_id: str, reference: str) -> None:
        """Keep the newest reference of a conversation (it may move, e.g. a new service URL)."""
        row = await self._s.get(ConversationRefRow, conversation_id)
        if row is None:
            self._s.add(ConversationRefRow(conversation_id=conversation_id, reference=reference))
        else:
            row.reference = reference
        await self._s.flush()

    async def get(self, *, conversation_id: str) -> str | None:
        """The serialized reference of a conversation, or None if none was kept."""
        row = await self._s.get(ConversationRefRow, conversation_id)
        return row.reference if row is not None else None
