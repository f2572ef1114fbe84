"""Channel-neutral replies: plain text, fields and buttons that each chat adapter renders.

Nothing here is markup. Adapters escape every string they render, so text a user typed
(mentions, links, formatting) always shows as plain text.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

__all__ = ["Button", "ButtonStyle", "Field", "Reply"]


class ButtonStyle(StrEnum):
    """How a button is emphasised."""

    DEFAULT = "default"
    PRIMARY = "primary"
    DANGER = "danger"


@dataclass(frozen=True, slots=True)
class Field:
    """A labelled value shown beside the text.

    `at`: the instant `value` names (in the agreement's time zone), so a chat that can show
    each reader their own time (Slack's date token) does so beside it; others show `value`.
    """

    label: str
    value: str
    at: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe dict; `at` (an ISO 8601 string) only when set, so older rows match."""
        data: dict[str, Any] = {"label": self.label, "value": self.value}
        if self.at is not None:
            data["at"] = self.at.isoformat()
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Field:
        """Rebuild a field stored by `to_json` (rows from before `at` existed included)."""
        at = data.get("at")
        return cls(
            label=data["label"],
            value=data["value"],
            at=datetime.fromisoformat(at) if isinstance(at, str) else None,
        )


@dataclass(frozen=True, slots=True)
class Button:
    """An action a user can take; `action` names the use case, `value` its argument."""

    label: str
    action: str
    value: str
    style: ButtonStyle = ButtonStyle.DEFAULT


@dataclass(frozen=True, slots=True)
class Reply:
    """One message from the bot. `private` means only the asking user should see it."""

    text: str
    title: str | None = None
    fields: tuple[Field, ...] = ()
    buttons: tuple[Button, ...] = ()
    footer: str | None = None
    private: bool = False

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe dict, for the outbox."""
        data = asdict(self)
        data["fields"] = [f.to_json() for f in self.fields]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Reply:
        """Rebuild a reply stored by `to_json`."""
        return cls(
            text=data["text"],
            title=data.get("title"),
            fields=tuple(Field.from_json(f) for f in data.get("fields", ())),
            buttons=tuple(
                Button(b["label"], b["action"], b["value"], ButtonStyle(b.get("style", "default")))
                for b in data.get("buttons", ())
            ),
            footer=data.get("footer"),
            private=bool(data.get("private", False)),
        )
