"""One console conversation: typed lines become intake steps, actions or questions.

The session holds only who you are and an intake in progress; everything else is a use case.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field

from adapters.console.clock import ConsoleClock
from adapters.console.seed import PERSONAS, Persona
from bot.app import dialogue
from bot.app.callers import Origin
from bot.app.conversation import respond
from bot.app.desk import Desk
from bot.app.filing import file_ticket, may_file
from bot.app.intake import SUMMARY
from bot.app.messages.text import when
from bot.app.replies import Reply

__all__ = ["QUIT", "Session"]

QUIT = object()

_DRAFT_DROPPED = Reply(text="The ticket you were filing was not filed.", private=True)

CONSOLE_HELP = """Console commands:
  /ticket [summary]   file a ticket, step by step (customer or approver)
  /as ROLE            switch to customer, approver, agent or end-user
  /whoami             who you are now
  /clock [+2h|+1d|INSTANT]
                      the time; or move the console's clock forward (never back) and see
                      what falls due: countdowns, breaches, service-window notices
  /help               this help and what the bot understands
  /quit               leave (Ctrl-D works too)
Anything else is a message to the bot: an action like 'ack SUP-1001' or a question."""


# Console commands that still work in the middle of a ticket (/as asks before dropping it).
_ESCAPES = ("/quit", "/exit", "/q", "/as", "/whoami", "/help", "/clock")
_YES = {"yes", "y", "ja", "j"}


@dataclass
class Session:
    """The person at the keyboard, their organisation and an intake in progress."""

    desk: Desk
    persona: Persona
    origin: Origin
    form: dialogue.IntakeState | None = None
    switching: Persona | None = None  # asked whether to drop the draft to become them
    personas: Mapping[str, Persona] = field(default_factory=lambda: PERSONAS)  # for /as
    clock: ConsoleClock | None = None  # for /clock; None: the time is only shown

    @property
    def prompt(self) -> str:
        """The input prompt naming who is typing."""
        if self.form is not None:
            return f"{self.persona.identity.user_id} (ticket)> "
        return f"{self.persona.identity.user_id}> "

    def whoami(self) -> Reply:
        """Who you are typing as."""
        return Reply(
            text=f"You are {self.persona.name} ({self.persona.role}), "
            f"console user '{self.persona.identity.user_id}'.",
            private=True,
        )

    async def handle(self, line: str) -> list[Reply] | object:
        """The replies to one typed line, or QUIT."""
        text = line.strip()
        word, _, rest = text.partition(" ")
        command = word.casefold()
        if self.switching is not None:
            return self._confirm_switch(text)
        if self.form is not None and command not in _ESCAPES:
            return await self._intake(line)
        if not text:
            return []
        if command in ("/quit", "/exit", "/q"):
            return QUIT
        if command == "/help":
            help_replies = [Reply(title="Console", text=CONSOLE_HELP, private=True)]
            if self.form is None:
                help_replies.append(
                    await respond(self.desk, speaker=self.persona.identity, text="help")
                )
            return help_replies
        if command == "/whoami":
            return [self.whoami()]
        if command == "/as":
            return self._switch(rest)
        if command == "/clock":
            return await self._clock(rest)
        if command == "/ticket":
            return await self._start_ticket(rest)
        if command.startswith("/"):
            return [Reply(text=f"Unknown command {word}. Type /help.", private=True)]
        return [
            await respond(self.desk, speaker=self.persona.identity, text=text, origin=self.origin)
        ]

    def end(self) -> list[Reply]:
        """What to say when the person leaves (/quit, end of input): a draft is not filed."""
        if self.form is None or not self.form.started:
            return []
        self.form = None
        return [_DRAFT_DROPPED]

    async def _clock(self, rest: str) -> list[Reply]:
        if self.clock is not None:
            return await self.clock.handle(rest)
        if rest.strip():
            return [Reply(text="This console's clock cannot be moved.", private=True)]
        return [Reply(text=f"It is {when(self.desk.now(), self.desk.policy)}.", private=True)]

    def _switch(self, rest: str) -> list[Reply]:
        words = shlex.split(rest) if rest.strip() else []
        persona = self.personas.get(words[0].casefold()) if words else None
        if persona is None:
            roles = ", ".join(self.personas)
            return [Reply(text=f"Switch to one of: {roles}, e.g. '/as agent'.", private=True)]
        if self.form is not None and self.form.started:
            self.switching = persona
            return [
                Reply(
                    text=f"You are in the middle of filing a ticket. Drop it and switch to "
                    f"{persona.name} ({persona.role})? Nothing would be filed. (yes / no)",
                    private=True,
                )
            ]
        return self._become(persona)

    def _become(self, persona: Persona) -> list[Reply]:
        dropped = self.end()
        self.persona = persona
        self.form = None
        return [*dropped, self.whoami()]

    def _confirm_switch(self, text: str) -> list[Reply]:
        persona, self.switching = self.switching, None
        if persona is not None and text.casefold() in _YES:
            return self._become(persona)
        assert self.form is not None
        step = dialogue.reask(self.desk.policy, self.form)
        return [Reply(text="Kept your ticket; go on where you were.", private=True), *step]

    async def _start_ticket(self, summary: str) -> list[Reply]:
        refused = await may_file(self.desk, reporter=self.persona.identity, origin=self.origin)
        if refused is not None:
            return [refused]
        prefill = {SUMMARY: summary} if summary.strip() else None
        step = dialogue.start(
            self.desk.policy, self.desk.calendar, now=self.desk.now(), prefill=prefill
        )
        self.form = step.state
        return list(step.replies)

    async def _intake(self, line: str) -> list[Reply]:
        assert self.form is not None
        step = dialogue.advance(
            self.desk.policy, self.desk.calendar, self.form, line, now=self.desk.now()
        )
        replies = list(step.replies)
        if step.answers is not None:
            self.form = None
            filed = await file_ticket(
                self.desk,
                reporter=self.persona.identity,
                answers=step.answers,
                origin=self.origin,
            )
            replies.append(filed.reply)
        elif step.state.phase is dialogue.Phase.CANCELLED:
            self.form = None
        else:
            self.form = step.state
        return replies
