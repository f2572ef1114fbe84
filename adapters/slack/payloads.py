"""The shape of the signed Slack payloads our listeners read, checked once at the HTTP edge.

A signed request can still be malformed (a bug on Slack's side, a replayed test payload, a
leaked signing secret): a missing `user`, no `actions`, a string where an object belongs.
Checked here, such a request is a 400 with the reason, not a traceback in a listener.
Only the fields the listeners read are checked; anything else Slack sends is left alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["malformed"]


@dataclass(frozen=True, slots=True)
class _Opt:
    """A field that may be missing or null, and has `shape` when present."""

    shape: Any


@dataclass(frozen=True, slots=True)
class _Each:
    """A list whose every item has `shape` (at least `least` of them)."""

    shape: Any
    least: int = 0


@dataclass(frozen=True, slots=True)
class _Map:
    """An object whose every value has `shape`, whatever the keys."""

    shape: Any


_ID = {"id": str}
_ELEMENT = {"value": _Opt(str), "selected_option": _Opt({"value": _Opt(str)})}
_VIEW = {
    "id": str,
    "blocks": _Each({"block_id": str, "type": str}),
    "state": _Opt({"values": _Opt(_Map(_Map(_ELEMENT)))}),
    "private_metadata": _Opt(str),
    "callback_id": _Opt(str),
    "hash": _Opt(str),
}
_EVENT = {
    "type": str,
    "user": _Opt(str),
    "text": _Opt(str),
    "channel": _Opt(str),
    "channel_type": _Opt(str),
    "ts": _Opt(str),
    "thread_ts": _Opt(str),
    "subtype": _Opt(str),
    "bot_id": _Opt(str),
}
_SHAPES: dict[str, dict[str, Any]] = {
    "block_actions": {
        "user": _ID,
        "team": _Opt(_ID),
        "actions": _Each({"action_id": str, "value": _Opt(str)}, least=1),
        "view": _Opt(_VIEW),
        "response_url": _Opt(str),
    },
    "view_submission": {"user": _ID, "team": _Opt(_ID), "view": _VIEW},
    "event_callback": {"team_id": _Opt(str), "event_id": _Opt(str), "event": _EVENT},
    "url_verification": {"challenge": str},
}
_COMMAND = {
    "command": str,
    "user_id": str,
    "team_id": str,
    "channel_id": _Opt(str),
    "trigger_id": str,
    "text": _Opt(str),
    "response_url": _Opt(str),
}
# People in a channel: an app mention always names who and where.
_MENTION = {"user": str, "channel": str}


def malformed(body: Mapping[str, Any]) -> str | None:
    """What is wrong with a parsed Slack request body, or None if the listeners can read it."""
    if "command" in body:
        return _problem(body, _COMMAND, "")
    kind = body.get("type")
    shape = _SHAPES.get(kind) if isinstance(kind, str) else None
    if shape is None:
        return None  # no listener reads it: Bolt answers it as it answers anything unknown
    problem = _problem(body, shape, "")
    if problem is None and kind == "event_callback" and body["event"]["type"] == "app_mention":
        problem = _problem(body["event"], _MENTION, "event.")
    return problem


def _problem(value: Any, shape: Any, path: str) -> str | None:
    where = path.rstrip(".") or "the body"
    if isinstance(shape, type):
        return None if isinstance(value, shape) else f"{where} must be {shape.__name__}"
    if isinstance(shape, _Each):
        if not isinstance(value, list) or len(value) < shape.least:
            return f"{where} must be a list of at least {shape.least}"
        for i, item in enumerate(value):
            if found := _problem(item, shape.shape, f"{path.rstrip('.')}[{i}]."):
                return found
        return None
    if not isinstance(value, Mapping):
        return f"{where} must be an object"
    if isinstance(shape, _Map):
        for key, item in value.items():
            if found := _problem(item, shape.shape, f"{path}{key}."):
                return found
        return None
    for key, field in shape.items():
        item = value.get(key)
        if isinstance(field, _Opt):
            if item is None:
                continue
            field = field.shape
        elif item is None:
            return f"{path}{key} is missing"
        if found := _problem(item, field, f"{path}{key}."):
            return found
    return None
