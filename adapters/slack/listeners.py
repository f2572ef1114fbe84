"""Bolt listeners: ack at once, then hand the payload to SlackHandlers."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext

from adapters.slack.background import Background
from adapters.slack.blocks import VALUE_ACTION
from adapters.slack.handlers import SlackHandlers
from adapters.slack.inbox import EventInbox
from adapters.slack.surface import ACTION_PREFIX, COMMAND, INTAKE_CALLBACK

__all__ = ["register"]


def register(
    app: AsyncApp, handlers: SlackHandlers, background: Background, inbox: EventInbox
) -> None:
    """Attach every command, view, action and event listener the app handles (events once
    each, however often Slack delivers them: see inbox.py)."""

    @app.command(COMMAND)
    async def ticket_command(ack: AsyncAck, command: dict[str, Any]) -> None:
        await ack()
        background.spawn(handlers.ticket_command(command), name="ticket-command")

    @app.view_submission(INTAKE_CALLBACK)
    async def intake_submitted(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack(**await handlers.intake_submitted(body))

    @app.block_action({"action_id": VALUE_ACTION, "type": "block_actions"})
    async def intake_changed(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        if (body.get("view") or {}).get("callback_id") == INTAKE_CALLBACK:
            await handlers.intake_changed(body)

    @app.action(re.compile("^" + re.escape(ACTION_PREFIX)))
    async def ticket_button(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        await handlers.button(body)

    @app.event("app_mention")
    async def mentioned(
        event: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        team, bot = context.team_id, context.bot_user_id
        await inbox.once(body, team, lambda: handlers.mention(event, team, bot_user=bot))

    @app.event("message")
    async def message(
        event: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        team, bot = context.team_id, context.bot_user_id
        await inbox.once(body, team, lambda: handlers.message(event, team, bot_user=bot))
