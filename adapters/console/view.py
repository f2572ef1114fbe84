"""How the console shows things: rich panels on a terminal, plain deterministic lines otherwise.

Every string shown is bot or user text, never markup: rich renders it through `Text`. Nothing
reaches the terminal without `terminal_safe`, so typed or stored text cannot carry escape
sequences to it.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Protocol, TextIO

from bot.app.commands import VERBS
from bot.app.replies import Reply
from bot.domain.models import Destination
from bot.domain.text import terminal_safe

if TYPE_CHECKING:
    from rich.console import Group
    from rich.text import Text

__all__ = ["PlainView", "RichView", "View", "button_hint"]

# The console has no buttons: show the command that does the same.
_VERB_OF_ACTION: dict[str, str] = {}
for _verb, _action in VERBS.items():
    _VERB_OF_ACTION.setdefault(_action, _verb)


def button_hint(action: str, value: str) -> str:
    """The typed command a button stands for, e.g. 'ack SUP-1001'."""
    verb = _VERB_OF_ACTION.get(action, action)
    return f"{verb} {value}"


def where(destination: Destination) -> str:
    """A short name for where a post landed."""
    if destination.user:
        return f"direct message to {destination.user}"
    place = f"#{destination.conversation}"
    return f"{place}, in the ticket's thread" if destination.thread else place


def reply_lines(reply: Reply) -> list[str]:
    """A reply as plain lines (title, text, fields, buttons as commands, footer)."""
    lines: list[str] = []
    if reply.title:
        lines.append(reply.title)
    if reply.text:
        lines.extend(reply.text.splitlines())
    width = max((len(f.label) for f in reply.fields), default=0)
    lines.extend(f"  {f.label + ':':<{width + 1}} {f.value}" for f in reply.fields)
    if reply.buttons:
        hints = "   ".join(f"[{b.label}: {button_hint(b.action, b.value)}]" for b in reply.buttons)
        lines.append(hints)
    if reply.footer:
        lines.append(f"-- {reply.footer}")
    return lines


class View(Protocol):
    """What the chat loop needs from a display."""

    def say(self, reply: Reply) -> None:
        """Show the bot's reply to the person at the keyboard."""

    def posted(self, destination: Destination, reply: Reply) -> None:
        """Show a post the bot made in a channel, thread or direct message."""

    def info(self, text: str) -> None:
        """A line from the console itself (not the bot)."""

    def read(self, prompt: str) -> str | None:
        """The next line typed, or None at end of input."""


class PlainView:
    """Plain text for pipes and scripts: no colours, the typed line echoed after its prompt."""

    def __init__(self, input: TextIO, output: TextIO) -> None:
        self.input = input
        self.output = output

    def _write(self, lines: list[str]) -> None:
        self.output.write(terminal_safe("\n".join(lines)) + "\n")
        self.output.flush()

    def say(self, reply: Reply) -> None:
        """Show the bot's reply, each line prefixed with 'bot'."""
        lines = reply_lines(reply)
        self._write([f"bot> {lines[0]}"] + [f"     {line}" for line in lines[1:]])

    def posted(self, destination: Destination, reply: Reply) -> None:
        """Show a post, naming where it went."""
        self._write(
            [f"[posted to {where(destination)}]"] + [f"  | {x}" for x in reply_lines(reply)]
        )

    def info(self, text: str) -> None:
        """A console line."""
        self._write([f"-- {text}"])

    def read(self, prompt: str) -> str | None:
        """Read a line; echo it so a transcript reads like a conversation."""
        line = self.input.readline()
        if not line:
            return None
        line = line.rstrip("\r\n")
        self._write([f"{prompt}{line}"])
        return line


def _text(text: str, style: str = "") -> Text:
    """Rich text of `text`, safe for the terminal (rich passes escape sequences through)."""
    from rich.text import Text

    return Text(terminal_safe(text), style=style)


class RichView:
    """Colours and panels for a terminal."""

    def __init__(self, input: TextIO, output: TextIO) -> None:
        from rich.console import Console

        self.input = input
        self.console = Console(file=output, highlight=False)

    def _body(self, reply: Reply) -> Group:
        from rich.console import Group, RenderableType
        from rich.table import Table
        from rich.text import Text

        parts: list[RenderableType] = []
        if reply.text:
            parts.append(_text(reply.text))
        if reply.fields:
            table = Table.grid(padding=(0, 2))
            table.add_column(style="bold cyan", no_wrap=True)
            table.add_column()
            for f in reply.fields:
                table.add_row(_text(f.label), _text(f.value))
            parts.append(table)
        if reply.buttons:
            hints = Text()
            for b in reply.buttons:
                hints.append(terminal_safe(f" {b.label} "), style="reverse bold")
                hints.append(terminal_safe(f" {button_hint(b.action, b.value)}   "), style="dim")
            parts.append(hints)
        if reply.footer:
            parts.append(_text(reply.footer, "dim"))
        return Group(*parts)

    def say(self, reply: Reply) -> None:
        """The bot's reply in a green-edged panel."""
        from rich.panel import Panel

        title = _text(reply.title or "supportbot", "bold")
        panel = Panel(self._body(reply), title=title, title_align="left", border_style="green")
        self.console.print(panel)

    def posted(self, destination: Destination, reply: Reply) -> None:
        """A post in a channel or DM, in a magenta panel titled with where it went."""
        from rich.panel import Panel

        title = _text(f"posted to {where(destination)}", "magenta")
        if reply.title:
            title.append(terminal_safe(f" · {reply.title}"), style="bold")
        body = self._body(reply)
        panel = Panel(body, title=title, title_align="left", border_style="magenta")
        self.console.print(panel)

    def info(self, text: str) -> None:
        """A dim console line."""

        self.console.print(_text(text, "dim italic"))

    def read(self, prompt: str) -> str | None:
        """Prompt in colour and read a line; None at end of input."""

        styled = _text(prompt, "bold yellow")
        if self.input is sys.stdin and self.input.isatty():
            try:
                return self.console.input(styled)
            except EOFError:
                return None
        line = self.input.readline()
        if not line:
            return None
        self.console.print(styled, _text(line.rstrip("\r\n")), sep="")
        return line.rstrip("\r\n")
