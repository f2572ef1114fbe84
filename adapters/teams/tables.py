"""Tables the Teams adapter owns; storage's migrations build them with every other table."""

# No `from __future__ import annotations`: SQLModel reads the annotations at class creation.

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

import storage.tables  # noqa: F401  (the shared metadata and its naming convention come first)

__all__ = ["ConversationRefRow"]


class ConversationRefRow(SQLModel, table=True):
    """A serialized Bot Framework conversation reference, kept by conversation id: what a
    message the bot starts itself (an announcement) needs to reach that conversation."""

    __tablename__ = "teams_conversation_refs"

    conversation_id: str = Field(primary_key=True)
    reference: str = Field(sa_type=sa.Text)
