"""The wording of service windows: the notices customers get, and what agents are told."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from bot.app.messages.text import plural, time_left, when
from bot.app.replies import Field, Reply
from bot.domain.models import ServiceWindow
from bot.domain.policy import Policy
from bot.domain.windows import LEAD, MAX_REASON, MAX_SERVICE, Phase

__all__ = [
    "WINDOW_HELP",
    "cannot",
    "listing",
    "notice",
    "recorded",
    "scope",
]

WINDOW_HELP = f"""Service windows (agents):
  window add 2026-12-01 20:00-23:00 [service NAME] reason TEXT
  window add 2026-12-01 22:00 to 2026-12-02 02:00 service "Salesforce sync" reason Upgrade
  window change ID [DATE HH:MM-HH:MM] [service NAME | service all] [reason TEXT]
  window cancel ID [reason TEXT]
  window list
Times are Copenhagen time (tomorrow and today work as dates; 22:00-02:00 ends the next day).
A service name is one word, or quoted; without one the window is for all services.
Service names have at most {MAX_SERVICE} characters, reasons at most {MAX_REASON}.
Customers are told when a window is announced, changed or cancelled, 24 hours before it
starts, when it starts and when it ends."""


def scope(window: ServiceWindow) -> str:
    """What the window affects, e.g. 'Salesforce sync' or 'all services'."""
    return window.service or "all services"


def _times(policy: Policy, window: ServiceWindow) -> tuple[Field, Field]:
    return (
        Field("Start", when(window.start, policy), at=window.start),
        Field("End", when(window.end, policy), at=window.end),
    )


def _lead(policy: Policy, window: ServiceWindow, now: datetime) -> str:
    """Where the window stands from `now`, for an announcement made late or a change."""
    now = now.astimezone(UTC)  # real hours between instants, not wall-clock ones
    if window.end <= now:
        return " It is over."
    if window.start <= now:
        return f" It is under way now and ends {when(window.end, policy)}."
    if window.start - now <= LEAD:
        return f" It starts in {time_left(window.start - now)}."
    return ""


def notice(
    policy: Policy,
    window: ServiceWindow,
    phase: Phase,
    *,
    now: datetime,
    before: ServiceWindow | None = None,
    note: str | None = None,
) -> Reply:
    """The notice posted in customers' channels for one phase of a window."""
    what = scope(window)
    fields: list[Field] = [Field("Service", what), *_times(policy, window)]
    if phase is Phase.ANNOUNCED:
        title = "Service window planned"
        text = f"A service window is planned for {what}.{_lead(policy, window, now)}"
    elif phase is Phase.CHANGED:
        title = "Service window changed"
        text = f"The service window for {what} has changed.{_lead(policy, window, now)}"
        if before is not None:
            was = f"{when(before.start, policy, zone=False)} to {when(before.end, policy)}"
            if before.service != window.service:
                was += f", {scope(before)}"
            fields.append(Field("Was", was))
    elif phase is Phase.CANCELLED:
        title = "Service window cancelled"
        text = f"The service window for {what} is cancelled: it will not take place."
        if note:
            text += f"\nWhy: {note}"
        return Reply(title=title, text=text, fields=tuple(fields), footer=_footer(window))
    elif phase is Phase.SOON:
        title = f"Reminder: service window {when(window.start, policy, zone=False)}"
        left = window.start - now.astimezone(UTC)
        text = f"The service window for {what} starts in {time_left(left)}."
    elif phase is Phase.STARTED:
        title = "Service window started"
        text = f"The service window for {what} has started; it ends {when(window.end, policy)}."
    else:
        title = "Service window over"
        text = f"The service window for {what} is over."
    return Reply(
        title=title,
        text=f"{text}\nReason: {window.reason}",
        fields=tuple(fields),
        footer=_footer(window),
    )


def _footer(window: ServiceWindow) -> str:
    return f"Service window {window.id}"


def recorded(
    policy: Policy, window: ServiceWindow, action: str, *, customers: int, posts: int
) -> Reply:
    """What the agent (or operator) is told after adding, changing or cancelling a window."""
    told = (
        f"{plural(customers, 'customer')} told ({plural(posts, 'post')} queued)."
        if customers
        else "No customer has a support channel to tell yet."
    )
    return Reply(
        title=f"Service window {window.id} {action}",
        text=(
            f"{scope(window)}: {when(window.start, policy, zone=False)} to "
            f"{when(window.end, policy)}.\nReason: {window.reason}\n{told}"
        ),
        private=True,
    )


def cannot(problem: str, *, usage: bool = True) -> Reply:
    """A friendly re-ask: what was wrong, and how to type it."""
    text = problem[:1].upper() + problem[1:]
    if not text.endswith((".", "?", "!")):
        text += "."
    if usage:
        text += "\n\n" + WINDOW_HELP
    return Reply(title="Service window not recorded", text=text, private=True)


def listing(policy: Policy, windows: Sequence[ServiceWindow], now: datetime) -> Reply:
    """Current and upcoming windows with their ids (what agents change or cancel by)."""
    if not windows:
        return Reply(text="No service windows are current or upcoming.", private=True)
    lines = []
    for w in windows:
        state = " (cancelled)" if w.cancelled else (" (under way)" if w.start <= now else "")
        lines.append(
            f"{w.id}: {when(w.start, policy, zone=False)} to {when(w.end, policy)}, "
            f"{scope(w)}{state}: {w.reason}"
        )
    return Reply(title="Service windows", text="\n".join(lines), private=True)
