"""What a person types to the bot, on any channel: an action on a ticket, or a question.

One entry point for free text, so 'ack SUP-1001' does the same at the console, in a Slack DM
and in an @mention. Intake (the step-by-step ticket form) and thread replies are separate:
the adapter decides which of those a message is before it gets here.
"""

from __future__ import annotations

from bot.app.actions import act
from bot.app.callers import Origin
from bot.app.commands import parse_command
from bot.app.desk import Desk
from bot.app.messages import tickets as msg
from bot.app.questions import answer
from bot.app.replies import Reply
from bot.app.window_commands import window_command
from bot.domain.models import Identity
from bot.domain.text import UnsafeTextError, clean

__all__ = ["respond"]


async def respond(
    desk: Desk, *, speaker: Identity, text: str, origin: Origin | None = None
) -> Reply:
    """The bot's reply to one message: run the action it names, else answer it as a question.

    What cannot be stored or shown is removed first, or the message refused (bot.domain.text).
    """
    try:
        stripped = clean(text).strip()
    except UnsafeTextError:
        return msg.unsafe_text()
    windowed = await window_command(desk, speaker=speaker, text=stripped)
    if windowed is not None:
        return windowed
    command = parse_command(desk.policy, stripped)
    if command is None:
        return await answer(desk, asker=speaker, text=stripped, origin=origin)
    if command.ref is None:
        verb = stripped.split(maxsplit=1)[0]
        return msg.which_ticket(verb, desk.policy.ticket_prefix)
    return await act(desk, actor=speaker, ref=command.ref, action=command.action, text=command.text)
