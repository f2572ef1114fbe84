"""What the Slack app handles and calls: the single source manifest.json is checked against."""

from __future__ import annotations

__all__ = [
    "ACTION_PREFIX",
    "BOT_SCOPES",
    "COMMAND",
    "EVENT_SCOPES",
    "INTAKE_CALLBACK",
    "METHOD_SCOPES",
    "SUBSCRIBED_EVENTS",
]

COMMAND = "/ticket"
INTAKE_CALLBACK = "ticket.intake"  # callback_id of the intake modal
ACTION_PREFIX = "ticket."  # every button the brain offers is named "ticket.<verb>"

# Events subscribed in the manifest -> the bot scope each needs. `message.*` are the channel
# types of the one `message` event Bolt listens to (DMs and replies in ticket threads).
EVENT_SCOPES: dict[str, str] = {
    "app_mention": "app_mentions:read",
    "message.im": "im:history",
    "message.channels": "channels:history",
    "message.groups": "groups:history",
}
SUBSCRIBED_EVENTS = tuple(EVENT_SCOPES)

# Web API methods the app calls -> bot scopes they need (empty: no scope needed).
METHOD_SCOPES: dict[str, tuple[str, ...]] = {
    "auth.test": (),
    "views.open": (),
    "views.update": (),
    "chat.postMessage": ("chat:write",),
    "chat.postEphemeral": ("chat:write",),
    "chat.update": ("chat:write",),
    "conversations.open": ("im:write",),
}

# Every bot scope the app asks for when installed: slash commands plus the above.
BOT_SCOPES: tuple[str, ...] = tuple(
    sorted(
        {"commands"}
        | set(EVENT_SCOPES.values())
        | {scope for scopes in METHOD_SCOPES.values() for scope in scopes}
    )
)
