"""The botbuilder ActivityHandler: who is talking, from which tenant and channel, and where.

Every message (typed text, or an Adaptive Card's Action.Submit: a message with a `value`) is
handed on with its identity and origin to the conversation (adapters/teams/conversation.py).
On the way, the conversation references are kept (refreshed when the service URL moves), and
a customer bound to this tenant without a support channel gets this channel as its channel.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any, Protocol

from botbuilder.core import ActivityHandler, TurnContext
from botbuilder.schema import Activity, ChannelAccount

from adapters.teams import PLATFORM
from adapters.teams.activities import typed
from adapters.teams.binding import bind_channel, bind_request
from adapters.teams.delivery import reply_activity
from adapters.teams.refs import ConversationRefs, member_key, tenant_key, user_key
from bot.app.callers import Origin
from bot.app.desk import Desk
from bot.app.ports import DuplicateError
from bot.domain.models import ChatBinding, Identity

__all__ = ["ActivityFacts", "Conversation", "TeamsBot", "facts_of", "reference_json"]

log = logging.getLogger(__name__)


class Conversation(Protocol):
    """What the bot says: gets every message and submit with who sent it and from where."""

    async def on_activity(
        self, turn_context: TurnContext, *, identity: Identity, origin: Origin
    ) -> None:
        """Answer one message or card submit."""
        ...


@dataclass(frozen=True, slots=True)
class ActivityFacts:
    """What an activity says about where it comes from, read the Teams way."""

    identity: Identity | None  # the sender: AAD object id (the raw id where there is none)
    tenant: str | None  # channelData.tenant.id (ConversationAccount drops tenantId)
    channel: str | None  # the Teams channel, without the thread part (";messageid=...")
    personal: bool  # a one-to-one chat with the bot

    @property
    def binding(self) -> ChatBinding:
        """Where the message came from, as a binding (for an end user's organisation)."""
        return ChatBinding(PLATFORM, self.tenant, self.channel)


def _data(activity: Activity) -> dict[str, Any]:
    data = activity.channel_data
    return data if isinstance(data, dict) else {}


def _id_in(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    found = value.get("id") if isinstance(value, dict) else None
    return str(found) if found else None


def facts_of(activity: Activity) -> ActivityFacts:
    """The sender, tenant and channel of an activity."""
    data = _data(activity)
    sender: ChannelAccount | None = activity.from_property
    user = (sender.aad_object_id or sender.id) if sender is not None else None
    conversation = activity.conversation
    kind = conversation.conversation_type if conversation is not None else None
    channel = _id_in(data, "channel")
    if channel is None and kind == "channel" and conversation is not None and conversation.id:
        channel = conversation.id.split(";", 1)[0]
    tenant = _id_in(data, "tenant") or (conversation.tenant_id if conversation else None)
    return ActivityFacts(
        identity=Identity(PLATFORM, user) if user else None,
        tenant=tenant,
        channel=channel,
        personal=kind == "personal",
    )


def reference_json(
    activity: Activity, *, conversation_id: str | None = None, tenant: str | None = None
) -> str:
    """The serialized conversation reference of `activity` (its conversation id replaced;
    `tenant` kept in it, which botbuilder's ConversationAccount drops when reading Teams')."""
    reference = TurnContext.get_conversation_reference(activity)
    if conversation_id is not None and reference.conversation is not None:
        reference.conversation.id = conversation_id
    if tenant is not None and reference.conversation is not None:
        reference.conversation.tenant_id = tenant
    reference.activity_id = None  # a reference names a conversation, not one message in it
    return json.dumps(reference.serialize(), sort_keys=True)


class TeamsBot(ActivityHandler):  # type: ignore[misc]
    """Keeps references and bindings, then hands messages to the conversation."""

    def __init__(self, desk: Desk, refs: ConversationRefs, conversation: Conversation) -> None:
        self._desk = desk
        self._refs = refs
        self.conversation = conversation

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        """A typed message or a card's submit."""
        facts = await self._note(turn_context.activity)
        if facts.identity is None:
            return  # nobody to answer
        name = bind_request(typed(turn_context.activity)) if facts.channel else None
        if name is not None and facts.channel is not None:
            reply = await bind_channel(
                self._desk,
                agent=facts.identity,
                name=name,
                tenant=facts.tenant,
                channel=facts.channel,
            )
            await turn_context.send_activity(reply_activity(reply))
            return
        origin = Origin(binding=facts.binding)
        await self.conversation.on_activity(turn_context, identity=facts.identity, origin=origin)

    async def on_conversation_update_activity(self, turn_context: TurnContext) -> None:
        """The bot added to a team, channel or chat: remember where, bind a support channel."""
        await self._note(turn_context.activity)

    async def on_installation_update(self, turn_context: TurnContext) -> None:
        """The app installed (personal scope, or in a team): remember where."""
        await self._note(turn_context.activity)

    async def _note(self, activity: Activity) -> ActivityFacts:
        facts = facts_of(activity)
        references: dict[str, str] = {}
        if activity.conversation is not None and activity.conversation.id:
            here = reference_json(activity)
            references[activity.conversation.id] = here
            if facts.tenant:
                references[tenant_key(facts.tenant)] = here
            if facts.personal and facts.identity is not None:
                references[user_key(facts.identity.user_id)] = here
            if facts.identity is not None and facts.tenant:
                seen = reference_json(activity, tenant=facts.tenant)
                references[member_key(facts.identity.user_id)] = seen
            if facts.channel:
                references[facts.channel] = reference_json(activity, conversation_id=facts.channel)
        await self._refs.save(references)
        if facts.channel and facts.tenant:
            await self._bind(facts.tenant, facts.channel)
        return facts

    async def _bind(self, tenant: str, channel: str) -> None:
        """A customer bound to `tenant` with no support channel gets `channel` as its own."""
        try:
            async with self._desk.store.unit() as uow:
                if await uow.customers.by_binding(platform=PLATFORM, conversation=channel):
                    return  # bound already (to this customer or another)
                customer = await uow.customers.by_binding(platform=PLATFORM, workspace=tenant)
                binding = customer.binding(PLATFORM) if customer is not None else None
                if customer is None or binding is None or binding.conversation:
                    return
                others = [b for b in customer.bindings if b.platform != PLATFORM]
                await uow.customers.update(
                    customer_id=customer.id,
                    bindings=[*others, ChatBinding(PLATFORM, tenant, channel)],
                )
        except DuplicateError as exc:
            log.warning("Teams channel not bound: %s", exc)
            return
        log.info("Teams channel %s bound as %s's support channel", channel, customer.name)
