"""What the bot says and does in Teams: the intake card, its submission, ticket buttons,
thread replies, and questions in free text (Danish too).

`adapters/teams/bot.py` hands every message (a submitted card arrives as a message with
`activity.value`) to `TeamsConversation.on_activity` with the speaker's identity and where
they spoke. Every decision is a use case's; this module only reads Teams' shapes and
renders replies as Adaptive Cards (cards.py).

Teams has no ephemeral messages: a private reply to something said outside the person's
personal chat with the bot goes to that chat, through the outbox (a direct message, which
the Teams notifier delivers, opening the chat from the stored reference if need be).
"""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.schema import Activity, ActivityTypes

from adapters.teams.activities import channel_of, is_personal, mentions_bot, thread_of, typed
from adapters.teams.cards import INTAKE_ACTION, answers_from_value, form_card
from adapters.teams.delivery import Sleep, card_activity, reply_activity
from bot.app.actions import ACTIONS, act, record_thread_reply
from bot.app.callers import Origin
from bot.app.commands import parse_command
from bot.app.conversation import respond
from bot.app.desk import Desk
from bot.app.filing import file_ticket, may_file
from bot.app.intake import SUMMARY, IntakeError, intake_form, validate_answers
from bot.app.outbox import post_to_user
from bot.app.replies import Reply
from bot.domain.models import Identity, ThreadRef

__all__ = ["COMMANDS", "TeamsConversation"]

log = logging.getLogger(__name__)

COMMANDS: tuple[tuple[str, str], ...] = (
    ("ticket", "File a support ticket"),
    ("uptime", "This month's uptime against the agreement"),
    ("help", "What I can answer and do"),
)
"""The bot's command menu (title, description): what the app manifest declares. Each title
typed alone is handled: `ticket` opens the intake card, the others are questions."""

# Typed alone, these open the intake card ("/ticket <summary>" prefills the summary).
_INTAKE_WORDS = {"ticket", "/ticket", "new ticket", "ny sag", "/ny"}
_SLASH_TICKET = re.compile(r"^/ticket\s+(?P<summary>.+)$", re.IGNORECASE | re.DOTALL)


class TeamsConversation:
    """The Teams adapter's use of the desk: messages, submitted cards and button clicks."""

    def __init__(
        self,
        desk: Desk,
        *,
        wake: Callable[[], None] = lambda: None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.desk = desk
        self.wake = wake  # the outbox has posts waiting (a thread post, a private reply)
        self.sleep = sleep  # the runtime's waits (its adapter retries throttled replies)
        self.form = intake_form(desk.policy)

    async def on_activity(
        self, turn_context: TurnContext, *, identity: Identity, origin: Origin
    ) -> None:
        """One message from a person: a submitted card, a button, or typed text."""
        activity = turn_context.activity
        if activity.type != ActivityTypes.message:
            return
        value = activity.value if isinstance(activity.value, dict) else None
        if value is not None and value.get("action") == INTAKE_ACTION:
            await self.intake_submitted(turn_context, value, identity=identity, origin=origin)
        elif value is not None and value.get("action") in ACTIONS:
            await self.button(turn_context, value, identity=identity)
        elif value is None:
            await self.message(turn_context, identity=identity, origin=origin)

    # -- typed text ------------------------------------------------------------------------

    async def message(
        self, turn_context: TurnContext, *, identity: Identity, origin: Origin
    ) -> None:
        """`ticket` opens the intake card; in a ticket's thread a message is a reply (an
        agent's first one is the first response) unless it is a command; anything else is
        an action or a question, answered where it was asked."""
        activity = turn_context.activity
        text = typed(activity)
        prefill = _intake_request(text)
        if prefill is not None:
            await self.intake(turn_context, identity=identity, origin=origin, summary=prefill)
            return
        thread = thread_of(activity)
        # In a channel the bot hears a message when mentioned (or, with consent to read the
        # channel, every message); elsewhere everything said is said to it.
        addressed = channel_of(activity) is None or mentions_bot(activity)
        command = addressed and parse_command(self.desk.policy, text) is not None
        if thread is not None and not command and await self._ticket_lives_in(thread):
            noted = await record_thread_reply(self.desk, author=identity, thread=thread)
            self.wake()  # the redrawn card waits in the outbox
            if noted is not None:
                await self.tell(turn_context, identity, noted)
            return
        if not addressed:
            return  # a channel message not for the bot (delivered with message-read consent)
        reply = await respond(self.desk, speaker=identity, text=text, origin=origin)
        self.wake()  # an action's thread post and redrawn card wait in the outbox
        await self.tell(turn_context, identity, reply)

    async def _ticket_lives_in(self, thread: ThreadRef) -> bool:
        """Whether `thread` is a ticket's (its card's thread), not any other channel thread."""
        async with self.desk.store.unit() as uow:
            return await uow.tickets.by_thread(thread=thread) is not None

    # -- intake ----------------------------------------------------------------------------

    async def intake(
        self, turn_context: TurnContext, *, identity: Identity, origin: Origin, summary: str = ""
    ) -> None:
        """The intake card, or (end users, agents, strangers) why not."""
        refused = await may_file(self.desk, reporter=identity, origin=origin)
        if refused is not None:
            await self.tell(turn_context, identity, refused)
            return
        answers = {SUMMARY: summary} if summary else {}
        card = form_card(self.form, form_id=uuid.uuid4().hex, answers=answers)
        await self.send(turn_context, card_activity(card, summary=self.form.title))

    async def intake_submitted(
        self,
        turn_context: TurnContext,
        value: Mapping[str, Any],
        *,
        identity: Identity,
        origin: Origin,
    ) -> None:
        """Validate and file. Errors redraw the same card with the messages under the fields
        and the answers kept; a filed ticket's confirmation replaces the form."""
        activity = turn_context.activity
        form_id = str(value.get("form") or activity.reply_to_id or activity.id)
        raw = answers_from_value(self.form, value)
        try:
            answers = validate_answers(self.desk.policy, raw)
        except IntakeError as exc:
            card = form_card(self.form, form_id=form_id, answers=raw, errors=exc.errors)
            await self.replace(turn_context, card_activity(card, summary=self.form.title))
            return
        filed = await file_ticket(
            self.desk,
            reporter=identity,
            answers=answers,
            # The card's own id: a double click (or a redelivery) files once.
            source_key=f"teams:card:{form_id}",
            origin=origin,
        )
        self.wake()  # the announcement (and approval requests) wait in the outbox
        if filed.ticket is None and not is_personal(activity):
            # Refused (e.g. someone else submitted a card shown in a channel): say so to them
            # alone and leave the card for the person it was for.
            await self.tell(turn_context, identity, filed.reply)
            return
        await self.replace(turn_context, reply_activity(filed.reply))

    # -- buttons ---------------------------------------------------------------------------

    async def button(
        self, turn_context: TurnContext, value: Mapping[str, Any], *, identity: Identity
    ) -> None:
        """A ticket button (Acknowledge, Approve, ...): run the action for whoever clicked;
        the outcome goes to them alone. The thread post and the redrawn card go through the
        outbox."""
        reply = await act(
            self.desk, actor=identity, ref=str(value.get("value") or ""), action=value["action"]
        )
        self.wake()
        await self.tell(turn_context, identity, reply)

    # -- answering -------------------------------------------------------------------------

    async def tell(self, turn_context: TurnContext, identity: Identity, reply: Reply) -> None:
        """Answer where the person spoke (a channel reply lands in its thread); a private
        reply said outside their personal chat goes to that chat instead."""
        activity = turn_context.activity
        if reply.private and not is_personal(activity):
            await self.tell_privately(identity, reply, key=f"teams:private:{activity.id}")
            return
        await self.send(turn_context, reply_activity(reply))

    async def tell_privately(self, identity: Identity, reply: Reply, *, key: str) -> None:
        """Queue `reply` for `identity`'s personal chat with the bot (once per `key`)."""
        async with self.desk.store.unit() as uow:
            await post_to_user(uow, to=identity, reply=reply, dedupe_key=key, at=self.desk.now())
        self.wake()

    async def send(self, turn_context: TurnContext, activity: Activity) -> None:
        """Post in the conversation (and thread) the person spoke in (the runtime's adapter
        tries again when throttled)."""
        await turn_context.send_activity(activity)

    async def replace(self, turn_context: TurnContext, new: Activity) -> None:
        """Redraw the card that was submitted (a client cannot redraw it itself); if it cannot
        be updated, post the new card instead."""
        activity = turn_context.activity
        if activity.reply_to_id:
            new.id = activity.reply_to_id
            try:
                await turn_context.update_activity(new)
                return
            except Exception as exc:  # the update is a nicety; the answer must still arrive
                log.warning("could not update the submitted card: %s", type(exc).__name__)
            new.id = None
        await self.send(turn_context, new)


def _intake_request(text: str) -> str | None:
    """The summary to prefill ("" for none) if `text` asks for the intake card, else None."""
    words = " ".join(text.split()).casefold()
    if words in _INTAKE_WORDS:
        return ""
    found = _SLASH_TICKET.match(text.strip())
    return found.group("summary").strip() if found is not None else None
