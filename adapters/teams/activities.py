"""Reading a Teams message activity: what was typed, where it sits, whether it addresses the bot.

Pure functions over botbuilder's `Activity`, so the conversation handler and its tests share
one reading of Teams' shapes (mentions as `<at>` tags with entities, a channel thread as
`;messageid=` in the conversation id).
"""

from __future__ import annotations

import re
from typing import Any

from botbuilder.schema import Activity

from adapters.teams import PLATFORM
from bot.domain.models import ThreadRef

__all__ = [
    "PERSONAL",
    "channel_of",
    "is_personal",
    "mentions_bot",
    "thread_of",
    "typed",
]

PERSONAL = "personal"
_MESSAGE_ID = ";messageid="
_SPACES = re.compile(r"[ \t]{2,}")
_MENTION = re.compile(r"<at\b[^>]*>(.*?)</at\s*>", re.IGNORECASE | re.DOTALL)


def _mentions(activity: Activity) -> list[Any]:
    return [e for e in activity.entities or [] if getattr(e, "type", None) == "mention"]


def _mentioned_id(entity: Any) -> str | None:
    """The id a mention entity names (botbuilder keeps unknown entity fields as attributes
    or in `additional_properties`, depending on how it was deserialised)."""
    mentioned = getattr(entity, "mentioned", None)
    if mentioned is None:
        mentioned = (getattr(entity, "additional_properties", None) or {}).get("mentioned")
    if isinstance(mentioned, dict):
        return mentioned.get("id")
    return getattr(mentioned, "id", None)


def _mention_text(entity: Any) -> str | None:
    text = getattr(entity, "text", None)
    if text is None:
        text = (getattr(entity, "additional_properties", None) or {}).get("text")
    return text if isinstance(text, str) else None


def mentions_bot(activity: Activity) -> bool:
    """Whether the message @mentions the bot (how a channel message addresses it)."""
    bot = activity.recipient.id if activity.recipient is not None else None
    return bot is not None and any(_mentioned_id(e) == bot for e in _mentions(activity))


def typed(activity: Activity) -> str:
    """What the person typed: the bot's mention dropped, anyone else's kept as visible text
    ('@name', which pings nobody when shown again)."""
    text = str(activity.text or "")
    bot = activity.recipient.id if activity.recipient is not None else None
    for entity in _mentions(activity):
        tag = _mention_text(entity)
        if tag and _mentioned_id(entity) == bot:
            text = text.replace(tag, " ")
    text = _MENTION.sub(lambda m: "@" + m.group(1).strip(), text)
    return _SPACES.sub(" ", text.replace("\xa0", " ")).strip()


def is_personal(activity: Activity) -> bool:
    """A one-to-one chat with the bot: what is said there is private already."""
    conversation = activity.conversation
    return conversation is not None and conversation.conversation_type == PERSONAL


def channel_of(activity: Activity) -> str | None:
    """The channel's conversation id, without the thread part (None outside channels)."""
    conversation = activity.conversation
    if conversation is None or conversation.conversation_type != "channel":
        return None
    data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    channel = (data.get("channel") or {}).get("id")
    return str(channel) if channel else str(conversation.id).split(_MESSAGE_ID)[0]


def thread_of(activity: Activity) -> ThreadRef | None:
    """The channel thread a reply was posted in: channel and the thread's first message (the
    ticket's card, if it is a ticket's thread). None for a new post or outside channels."""
    channel = channel_of(activity)
    conversation = activity.conversation
    if channel is None or conversation is None or _MESSAGE_ID not in str(conversation.id):
        return None
    root = str(conversation.id).split(_MESSAGE_ID, 1)[1]
    if not root or root == activity.id:
        return None  # the first message of its own thread: a new post, not a reply
    return ThreadRef(PLATFORM, channel, root)
