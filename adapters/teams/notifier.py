"""The outbox's posts to Teams: proactive, through the conversation references kept.

An announcement goes to the customer's support channel and starts a thread there; thread
posts reply in it; a direct message goes to the person's personal chat with the bot, created
from the tenant's reference if the bot never had one with them; an edit redraws a post with
update_activity. A customer (or person) the bot has not heard from on Teams yet has no
reference to post through: its posts wait (a retryable error), they do not fail for good.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import (
    Activity,
    ChannelAccount,
    ConversationParameters,
    ConversationReference,
)
from msrest.exceptions import HttpOperationError

from adapters.teams import PLATFORM
from adapters.teams.delivery import (
    Sleep,
    longest_call,
    reply_activity,
    status_of,
    with_retries,
)
from adapters.teams.refs import NOT_REACHABLE, ConversationRefs, member_key, tenant_key, user_key
from bot.app.outbox import NotPostedYet, UndeliverableError
from bot.app.ports import Store
from bot.app.replies import Reply
from bot.domain.models import Customer, Destination, Identity, ThreadRef

__all__ = ["NOT_REACHABLE", "NotReachableYet", "TeamsNotifier", "thread_id"]

# The connector's answers that trying again will not mend: the bot was removed from the
# conversation or the team (403), the conversation or message is gone (404).
PERMANENT = frozenset({400, 401, 403, 404})
CALLS_PER_DELIVERY = 2  # a direct message: create the personal chat, then post
TENANT_PREFIX = "tenant:"  # announces_in for a tenant whose support channel is not known yet


class NotReachableYet(NotPostedYet):
    """Nothing to post through yet (no reference): the post waits and is tried again."""


def thread_id(channel: str, root: str) -> str:
    """The conversation id of a reply thread in a Teams channel."""
    return f"{channel};messageid={root}"


class TeamsNotifier:
    """Implements bot.app.ports.Notifier for Teams; raises on failure so the outbox retries."""

    def __init__(
        self,
        adapter: CloudAdapter,
        refs: ConversationRefs,
        store: Store,
        *,
        app_id: str,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._adapter = adapter
        self._refs = refs
        self._store = store
        self._app_id = app_id
        self._sleep = sleep

    def announces_in(self, customer: Customer) -> str | None:
        """The customer's Teams channel; a tenant without one yet gives a placeholder, so its
        announcements wait for the channel (bound when the bot is first mentioned there)."""
        binding = customer.binding(PLATFORM)
        if binding is None:
            return None
        if binding.conversation:
            return binding.conversation
        return f"{TENANT_PREFIX}{binding.workspace}" if binding.workspace else None

    @property
    def longest_send(self) -> timedelta:
        """The most one delivery can take: its connector calls, each with every retry."""
        return CALLS_PER_DELIVERY * longest_call()

    async def deliver(
        self, *, destination: Destination, content: dict[str, Any], key: str
    ) -> ThreadRef:
        """Post `content` (a Reply as JSON) at the destination; where it landed. (Teams keeps
        nothing a bot could find the post by later: `key` is not sent.)"""
        if destination.platform != PLATFORM:
            raise ValueError(f"not a Teams destination: {destination.platform}")
        reply = Reply.from_json(content)
        with _permanent_errors():
            channel = destination.conversation
            direct = bool(destination.user) and (channel in ("", destination.user) or reply.private)
            if direct:
                assert destination.user is not None
                return await self._direct(destination.user, reply)
            if channel.startswith(TENANT_PREFIX):
                raise NotReachableYet(f"{NOT_REACHABLE}: no support channel in that tenant")
            reference = await self._reference(channel)
            conversation = thread_id(channel, destination.thread) if destination.thread else channel
            posted = await self._post(reference, conversation, reply_activity(reply))
            return ThreadRef(PLATFORM, channel, destination.thread or posted)

    async def find(self, *, destination: Destination, key: str) -> ThreadRef | None:
        """None: a bot cannot read a Teams conversation back to look for an earlier post."""
        return None

    async def edit(self, *, destination: Destination, content: dict[str, Any]) -> None:
        """Redraw the post at `destination` (its conversation and activity id) in place."""
        if destination.platform != PLATFORM:
            raise ValueError(f"not a Teams destination: {destination.platform}")
        if not destination.thread:
            raise ValueError("an edit needs the id of the activity to redraw")
        activity = reply_activity(Reply.from_json(content))
        activity.id = destination.thread
        with _permanent_errors():
            reference = await self._reference(destination.conversation)

            async def update(turn_context: TurnContext) -> None:
                await turn_context.update_activity(activity)  # retried by the adapter

            await self._adapter.continue_conversation(reference, update, self._app_id)

    async def _reference(self, conversation: str) -> ConversationReference:
        stored = await self._refs.get(conversation)
        if stored is None:
            raise NotReachableYet(f"{NOT_REACHABLE}: no reference for that conversation")
        return _reference(stored)

    async def _post(
        self, reference: ConversationReference, conversation: str, activity: Activity
    ) -> str:
        """Post `activity` in `conversation` (the reference's, or a thread of it); its id."""
        target = _reference(json.dumps(reference.serialize()))
        assert target.conversation is not None
        target.conversation.id = conversation
        ids: list[str] = []

        async def send(turn_context: TurnContext) -> None:
            # The continuation's made-up id would make this a reply to it: post anew.
            turn_context.activity.id = None
            sent = await turn_context.send_activity(activity)  # retried by the adapter
            ids.append(sent.id if sent is not None and sent.id else "")

        await self._adapter.continue_conversation(target, send, self._app_id)
        if not ids or not ids[-1]:
            raise RuntimeError("the Teams connector returned no activity id")
        return ids[-1]

    async def _direct(self, user: str, reply: Reply) -> ThreadRef:
        """Post in the person's personal chat, creating it from the tenant's reference."""
        personal = await self._refs.get(user_key(user))
        if personal is not None:
            reference = _reference(personal)
            assert reference.conversation is not None
            conversation = reference.conversation.id
            posted = await self._post(reference, conversation, reply_activity(reply))
            return ThreadRef(PLATFORM, conversation, posted)
        return await self._create_personal(user, reply)

    async def _create_personal(self, user: str, reply: Reply) -> ThreadRef:
        tenant = await self._tenant_of(user)
        stored = await self._refs.get(tenant_key(tenant)) if tenant else None
        if stored is None:
            raise NotReachableYet(f"{NOT_REACHABLE}: the bot has not heard from their tenant")
        seen = _reference(stored)
        parameters = ConversationParameters(
            is_group=False,
            bot=seen.bot,
            members=[ChannelAccount(id=user)],
            tenant_id=tenant,
            channel_data={"tenant": {"id": tenant}},
        )
        landed: list[ThreadRef] = []
        activity = reply_activity(reply)

        async def send(turn_context: TurnContext) -> None:
            created = turn_context.activity
            reference = TurnContext.get_conversation_reference(created)
            reference.activity_id = None
            serialized = json.dumps(reference.serialize(), sort_keys=True)
            conversation = created.conversation.id
            await self._refs.save({user_key(user): serialized, conversation: serialized})
            created.id = None  # post anew, as a reply to nothing
            sent = await turn_context.send_activity(activity)
            landed.append(ThreadRef(PLATFORM, conversation, sent.id if sent else ""))

        # Creating the chat again after a failure is harmless: Teams has one per person.
        await with_retries(
            lambda: self._adapter.create_conversation(
                self._app_id, send, parameters, seen.channel_id, seen.service_url
            ),
            sleep=self._sleep,
            what="personal chat",
        )
        if not landed or not landed[-1].thread:
            raise RuntimeError("the Teams connector returned no activity id")
        return landed[-1]

    async def _tenant_of(self, user: str) -> str | None:
        """The tenant of a registered contact (their organisation's Teams binding), else the
        tenant the person was last seen in (an end user answered privately)."""
        async with self._store.unit() as uow:
            contact = await uow.contacts.find(identity=Identity(PLATFORM, user))
            owner = await uow.customers.get(customer_id=contact.customer_id) if contact else None
        if contact is None:
            seen = await self._refs.get(member_key(user))
            conversation = _reference(seen).conversation if seen is not None else None
            return conversation.tenant_id if conversation is not None else None
        binding = owner.binding(PLATFORM) if owner is not None else None
        return binding.workspace if binding is not None else None


def _reference(serialized: str) -> ConversationReference:
    reference: ConversationReference = ConversationReference().deserialize(json.loads(serialized))
    return reference


@contextlib.contextmanager
def _permanent_errors() -> Iterator[None]:
    """A connector answer that retrying cannot mend becomes UndeliverableError."""
    try:
        yield
    except HttpOperationError as exc:
        status = status_of(exc)
        if status in PERMANENT:
            raise UndeliverableError(f"Teams refused it: HTTP {status}") from exc
        raise
