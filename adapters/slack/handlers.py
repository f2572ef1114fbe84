"""What the Slack listeners do: turn Slack payloads into use-case calls and render the replies.

Framework-free on purpose: Bolt's listeners (listeners.py) and the fast `/ticket` path
(http.py) both call these methods with plain payload dicts.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Callable, Mapping
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.slack.blocks import (
    answers_from_state,
    fit,
    form_view,
    notice_view,
    reply_message,
)
from adapters.slack.client import Sleep, retry_handlers
from adapters.slack.filers import FilerCache
from adapters.slack.notifier import send
from adapters.slack.settings import PLATFORM
from adapters.slack.surface import INTAKE_CALLBACK
from adapters.slack.workspaces import NotInstalledError, Workspaces
from bot.app.actions import act, record_thread_reply
from bot.app.callers import Origin
from bot.app.conversation import respond
from bot.app.desk import Desk
from bot.app.filing import file_ticket
from bot.app.forms import Form
from bot.app.intake import SUMMARY, IntakeError, intake_form, validate_answers
from bot.app.messages import intake as msg
from bot.app.replies import Reply
from bot.domain.models import ChatBinding, Destination, Identity, ThreadRef

__all__ = ["SlackHandlers"]

log = logging.getLogger(__name__)

ERROR_MAX = 150  # Slack shows input errors under the field; keep them short
_MENTION = re.compile(r"<@([A-Z0-9]+)(?:\|([^>]*))?>")
_LEADING_MENTION = re.compile(r"^\s*<@[A-Z0-9]+(?:\|[^>]*)?>")


def typed(event: Mapping[str, Any], *, bot_user: str | None = None) -> str:
    """What the person typed. Mentions of the bot (how a message addresses it; the leading
    one when the bot's id is not known) are dropped; anyone else's mention stays as visible
    text, '@U0123' or '@name', which pings nobody when posted again. Slack's &amp; &lt; &gt;
    are undone (whatever the bot posts back is escaped again)."""
    text = str(event.get("text", ""))
    if bot_user is None:
        text = _LEADING_MENTION.sub("", text, count=1)

    def shown(found: re.Match[str]) -> str:
        if found.group(1) == bot_user:
            return ""
        return "@" + (found.group(2) or found.group(1))

    text = _MENTION.sub(shown, text)
    return text.strip().replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def slack_identity(user_id: str) -> Identity:
    """The neutral identity of a Slack user."""
    return Identity(PLATFORM, user_id)


class SlackHandlers:
    """The Slack adapter's use of the desk: commands, modal submissions, buttons, messages."""

    def __init__(
        self,
        desk: Desk,
        *,
        client: AsyncWebClient,
        workspaces: Workspaces,
        session: aiohttp.ClientSession | None = None,
        wake: Callable[[], None] = lambda: None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.desk = desk
        self.client = client
        self.workspaces = workspaces
        self.session = session
        self.wake = wake
        self.sleep = sleep
        self.form = intake_form(desk.policy)
        self.filers = FilerCache(desk)

    # -- /ticket ---------------------------------------------------------------------------

    async def ticket_command(self, command: Mapping[str, Any]) -> None:
        """After the ack: open the intake modal, or explain privately why not."""
        team = command.get("team_id")
        channel = command.get("channel_id")
        origin = Origin(binding=ChatBinding(PLATFORM, team, channel))
        refused = await self.filers.refusal(slack_identity(str(command["user_id"])), origin)
        if refused is not None:
            await self.respond(command.get("response_url"), refused)
            return
        view = form_view(
            self.form,
            callback_id=INTAKE_CALLBACK,
            initial={SUMMARY: str(command.get("text") or "").strip()},
            metadata={"team": team, "channel": channel},
        )
        try:
            token = await self.workspaces.token(team, command.get("enterprise_id"))
        except NotInstalledError as exc:
            log.warning("/ticket from a workspace without an installation: %s", exc)
            return
        await self.client.views_open(trigger_id=command["trigger_id"], view=view, token=token)

    # -- intake modal: an answer that decides which questions follow ------------------------

    async def intake_changed(self, body: Mapping[str, Any]) -> None:
        """Re-render the open modal for the answers so far (e.g. ask about data loss)."""
        view = body["view"]
        answers = answers_from_state(self.form, view.get("state", {}).get("values", {}))
        updated = form_view(
            self.form, callback_id=INTAKE_CALLBACK, initial=answers, metadata=_metadata(view)
        )
        if [b["block_id"] for b in updated["blocks"]] == [
            b.get("block_id") for b in view["blocks"]
        ]:
            return  # the same questions apply: nothing to redraw
        team = (body.get("team") or {}).get("id")
        token = await self.workspaces.token(team)
        try:
            await self.client.views_update(
                view_id=view["id"], hash=view.get("hash"), view=updated, token=token
            )
        except SlackApiError as exc:
            # hash_conflict: a newer answer already triggered a newer update; it wins.
            log.info("intake view not updated: %s", exc.response.get("error"))

    # -- intake modal submitted ------------------------------------------------------------

    async def intake_submitted(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """Validate and file; the returned dict is the ack (errors, or a confirmation view)."""
        view = body["view"]
        raw = answers_from_state(self.form, view.get("state", {}).get("values", {}))
        try:
            answers = validate_answers(self.desk.policy, raw)
        except IntakeError as exc:
            return _errors(self.form, exc.errors, view, raw)
        meta = _metadata(view)
        team = meta.get("team") or (body.get("team") or {}).get("id")
        filed = await file_ticket(
            self.desk,
            reporter=slack_identity(body["user"]["id"]),
            answers=answers,
            source_key=f"slack:view:{view['id']}",
            origin=Origin(binding=ChatBinding(PLATFORM, team, meta.get("channel"))),
        )
        self.wake()  # the announcement waits in the outbox
        title = "Ticket filed" if filed.ticket is not None else "Not filed"
        return {"response_action": "update", "view": notice_view(filed.reply, title=title)}

    # -- buttons ---------------------------------------------------------------------------

    async def button(self, body: Mapping[str, Any]) -> None:
        """A ticket button: run the action; the outcome goes privately to whoever clicked.

        The public status update reaches the ticket's thread through the outbox, and so does
        the edit that redraws the announcement (and approval requests) with the new state.
        """
        action = body["actions"][0]
        ref = str(action.get("value", ""))
        reply = await act(
            self.desk,
            actor=slack_identity(body["user"]["id"]),
            ref=ref,
            action=str(action["action_id"]),
        )
        self.wake()  # the thread post and the redrawn announcement wait in the outbox
        await self.respond(body.get("response_url"), reply)

    # -- messages --------------------------------------------------------------------------

    async def mention(
        self, event: Mapping[str, Any], team: str | None, bot_user: str | None = None
    ) -> None:
        """`@supportbot ack SUP-1001` or `@supportbot what's current uptime`: act or answer,
        in the thread of the mention."""
        origin = Origin(binding=ChatBinding(PLATFORM, team, event.get("channel")))
        text = typed(event, bot_user=bot_user)
        reply = await respond(
            self.desk, speaker=slack_identity(event["user"]), text=text, origin=origin
        )
        self.wake()  # an action's thread post and redrawn announcement wait in the outbox
        thread = event.get("thread_ts") or event.get("ts")
        await self.post(team, event["channel"], reply, thread_ts=thread, user=event["user"])

    async def message(
        self, event: Mapping[str, Any], team: str | None, bot_user: str | None = None
    ) -> None:
        """A DM is an action or a question; a reply in a ticket's thread is just that (the
        first response, if an agent's), even if it starts with a verb: commands in a
        channel go through a mention."""
        if event.get("subtype") or event.get("bot_id") or not event.get("user"):
            return  # edits, joins, other bots: not people talking to us
        author = slack_identity(event["user"])
        if event.get("channel_type") == "im":
            # A DM says nothing about the organisation: the Slack team alone never told one.
            reply = await respond(self.desk, speaker=author, text=typed(event, bot_user=bot_user))
            self.wake()
            await self.post(team, event["channel"], reply)  # a DM is private already
            return
        thread_ts = event.get("thread_ts")
        if not thread_ts or thread_ts == event.get("ts"):
            return  # not a thread reply
        if bot_user and f"<@{bot_user}" in str(event.get("text", "")):
            return  # addressed to the bot: the app_mention event answers it
        noted = await record_thread_reply(
            self.desk,
            author=author,
            thread=ThreadRef(PLATFORM, event["channel"], thread_ts),
        )
        self.wake()
        if noted is not None:
            await self.post(team, event["channel"], noted, thread_ts=thread_ts, user=event["user"])

    # -- rendering -------------------------------------------------------------------------

    async def respond(self, response_url: str | None, reply: Reply) -> None:
        """Answer through a response_url (always private: only the user who acted sees it)."""
        if not response_url:
            log.warning("no response_url to answer on")
            return
        webhook = AsyncWebhookClient(
            response_url, session=self.session, retry_handlers=retry_handlers(self.sleep)
        )
        try:
            result = await webhook.send(
                response_type="ephemeral", replace_original=False, **reply_message(reply)
            )
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            # What the user did is done; only this private answer is lost.
            log.warning("response_url unreachable: %s", str(exc) or type(exc).__name__)
            return
        if result.status_code >= 400:
            log.warning("response_url answered %s", result.status_code)

    async def post(
        self,
        team: str | None,
        channel: str,
        reply: Reply,
        *,
        thread_ts: str | None = None,
        user: str | None = None,
    ) -> None:
        """Post a reply in a channel (privately to `user` if the reply is private)."""
        destination = Destination(PLATFORM, channel, thread_ts, user)
        token = await self.workspaces.token(team)
        await send(self.client, destination=destination, reply=reply, token=token)


def _errors(
    form: Form, errors: Mapping[str, str], view: Mapping[str, Any], answers: Mapping[str, str]
) -> dict[str, Any]:
    """Each error under its question. If an answer is still needed for a question the modal
    does not show yet (submitted before it appeared), the modal is redrawn with it, every
    answer kept and the errors as the questions' hints (Slack rejects errors on block ids it
    does not show)."""
    shown = {b.get("block_id") for b in view.get("blocks", []) if b.get("type") == "input"}
    if all(key in shown for key in errors):
        return {
            "response_action": "errors",
            "errors": {key: fit(text, ERROR_MAX) for key, text in errors.items()},
        }
    notes = {key: text if key in shown else msg.NEW_QUESTION for key, text in errors.items()}
    redrawn = form_view(
        form,
        callback_id=INTAKE_CALLBACK,
        initial=answers,
        metadata=_metadata(view),
        notes=notes,
    )
    return {"response_action": "update", "view": redrawn}


def _metadata(view: Mapping[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
