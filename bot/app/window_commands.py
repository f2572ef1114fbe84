"""`window add|change|cancel|list` typed to the bot: the grammar, and the replies.

    window add 2026-12-01 20:00-23:00 [service NAME] [reason] TEXT
    window add tomorrow 22:00 to 2026-12-02 02:00 service "Salesforce sync" reason Upgrade
    window change ID [DATE HH:MM-HH:MM] [service NAME | service all] [reason TEXT]
    window cancel ID [reason TEXT]
    window list | window help

Times are local to the agreement's time zone (Copenhagen). An end earlier than the start on
the same date is on the next day (22:00-02:00). A local time the clocks skip (02:30 on the
spring-forward night) is refused; one they pass twice (02:30 on the autumn night) is the
first of the two, in summer time, and the confirmation shows the instants as recorded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.app import windows as use
from bot.app.desk import Desk
from bot.app.messages import windows as say
from bot.app.replies import Reply
from bot.domain.models import Identity
from bot.domain.windows import WindowProblem

__all__ = [
    "WindowCommand",
    "local_instant",
    "parse_window",
    "window_command",
]

VERBS = ("add", "change", "cancel", "list", "help")
_ALIASES = {
    "schedule": "add",
    "new": "add",
    "plan": "add",
    "edit": "change",
    "move": "change",
    "update": "change",
    "delete": "cancel",
    "remove": "cancel",
    "ls": "list",
}
_DATE = r"\d{4}-\d{1,2}-\d{1,2}|today|tomorrow|i\s+dag|i\s+morgen"
_TIME = r"\d{1,2}[:.]\d{2}"
_WHEN = re.compile(
    rf"^(?P<d1>{_DATE})(?:\s+|T)(?P<t1>{_TIME})\s*(?:-|–|—|\bto\b|\btil\b|\buntil\b)\s*"
    rf"(?:(?P<d2>{_DATE})(?:\s+|T))?(?P<t2>{_TIME})(?=\s|$)",
    re.IGNORECASE,
)
_STARTS_WITH_DATE = re.compile(rf"^(?:{_DATE}|{_TIME})(?=\W|$)", re.IGNORECASE)
_ID = re.compile(r"^(?:#|w-?)?(?P<id>\d+)(?=\s|$)", re.IGNORECASE)
_SERVICE = re.compile(
    r"^service\s+(?:\"(?P<dq>[^\"]*)\"|'(?P<sq>[^']*)'|“(?P<cq>[^”]*)”|(?P<word>\S+))",
    re.IGNORECASE,
)
_ALL = ("all", "alle", "*", "everything")
_REASON = re.compile(r"^(?:reason|because|why|årsag)\b\s*:?\s*|^:\s*", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class WindowCommand:
    """A typed window command; `service` is use.KEEP when not given."""

    verb: str
    window_id: int | None = None
    start: datetime | None = None
    end: datetime | None = None
    service: str | None | use.Keep = use.KEEP
    reason: str | None = None


def local_instant(day: date, at: time, tz: ZoneInfo) -> datetime:
    """A wall-clock time in `tz` as an instant; WindowProblem if the clocks skip it."""
    naive = datetime.combine(day, at)
    local = naive.replace(tzinfo=tz)
    if local.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != naive:
        raise WindowProblem(
            f"{at:%H:%M} on {day:%d %b %Y} does not exist in {tz.key} time: the clocks go "
            "forward that night"
        )
    return local


def _day(text: str, today: date) -> date:
    word = " ".join(text.split()).casefold()
    if word in ("today", "i dag"):
        return today
    if word in ("tomorrow", "i morgen"):
        return today + timedelta(days=1)
    try:
        return date.fromisoformat("-".join(part.zfill(2) for part in word.split("-")))
    except ValueError:
        raise WindowProblem(f"{text} is not a date (type it as YYYY-MM-DD)") from None


def _clock(text: str) -> time:
    hours, minutes = re.split(r"[:.]", text)
    try:
        return time(int(hours), int(minutes))
    except ValueError:
        raise WindowProblem(f"{text} is not a time of day (type it as HH:MM)") from None


def _when(found: re.Match[str], tz: ZoneInfo, now: datetime) -> tuple[datetime, datetime]:
    today = now.astimezone(tz).date()
    first = _day(found["d1"], today)
    last = _day(found["d2"], today) if found["d2"] else first
    start_at, end_at = _clock(found["t1"]), _clock(found["t2"])
    if found["d2"] is None and end_at <= start_at:
        last = first + timedelta(days=1)  # 22:00-02:00 ends the next morning
    return local_instant(first, start_at, tz), local_instant(last, end_at, tz)


def _window_id(rest: str, verb: str) -> tuple[int, str]:
    found = _ID.match(rest)
    if found is None:
        raise WindowProblem(f"which window? Type `window {verb} ID`; `window list` shows the ids")
    return int(found["id"]), rest[found.end() :].strip()


def _details(rest: str) -> tuple[str | None | use.Keep, str | None]:
    """The optional `service NAME` and the reason after it."""
    service: str | None | use.Keep = use.KEEP
    found = _SERVICE.match(rest)
    if found is not None:
        name = next(
            g for g in (found["dq"], found["sq"], found["cq"], found["word"]) if g is not None
        )
        service = None if name.strip().casefold() in _ALL else name
        rest = rest[found.end() :].strip()
    rest = _REASON.sub("", rest, count=1).strip()
    return service, rest or None


def parse_window(text: str, *, tz: ZoneInfo, now: datetime) -> WindowCommand | None:
    """The window command in `text`, None if it is not one; WindowProblem if it is one typed
    wrong (the message says what)."""
    words = text.strip().split(maxsplit=2)
    if not words or words[0].casefold() not in ("window", "windows", "vindue"):
        return None
    if len(words) == 1:
        return WindowCommand("help")
    verb = _ALIASES.get(words[1].casefold(), words[1].casefold())
    if verb not in VERBS:
        return None  # "windows planned?" is a question, not a command
    rest = words[2].strip() if len(words) > 2 else ""
    if verb in ("list", "help"):
        return WindowCommand(verb)
    window_id = None
    if verb in ("change", "cancel"):
        window_id, rest = _window_id(rest, verb)
    if verb == "cancel":
        return WindowCommand(verb, window_id, reason=_REASON.sub("", rest, count=1).strip() or None)
    start = end = None
    found = _WHEN.match(rest)
    if found is not None:
        start, end = _when(found, tz, now)
        rest = rest[found.end() :].strip()
    elif verb == "add" or _STARTS_WITH_DATE.match(rest):
        raise WindowProblem(
            "I could not read when: type a date and both times, e.g. 2026-12-01 20:00-23:00"
        )
    service, reason = _details(rest)
    if verb == "add":
        if reason is None:
            raise WindowProblem("say why: the reason is what customers read")
        return WindowCommand(verb, None, start, end, service, reason)
    if start is None and service is use.KEEP and reason is None:
        raise WindowProblem("what should change? Give new times, a service or a reason")
    return WindowCommand(verb, window_id, start, end, service, reason)


async def window_command(desk: Desk, *, speaker: Identity, text: str) -> Reply | None:
    """The reply to a typed window command, or None if `text` is not one."""
    typo: WindowProblem | None = None
    try:
        command = parse_window(text, tz=desk.policy.timezone, now=desk.now())
    except WindowProblem as problem:
        command, typo = None, problem
    else:
        if command is None:
            return None
    try:
        await use.ensure_agent(desk, speaker)  # others are refused, not taught the grammar
        if typo is not None:
            return say.cannot(str(typo))
        assert command is not None
        return await _run(desk, speaker, command)
    except use.NotAllowed as refusal:
        return say.cannot(str(refusal), usage=False)
    except WindowProblem as problem:
        return say.cannot(str(problem))


async def _run(desk: Desk, speaker: Identity, command: WindowCommand) -> Reply:
    policy = desk.policy
    if command.verb == "help":
        return Reply(title="Service windows", text=say.WINDOW_HELP, private=True)
    if command.verb == "list":
        return say.listing(policy, await use.upcoming(desk, by=speaker), desk.now())
    if command.verb == "cancel":
        assert command.window_id is not None
        done = await use.cancel(desk, by=speaker, window_id=command.window_id, note=command.reason)
        return say.recorded(
            policy, done.window, "cancelled", customers=done.customers, posts=done.posts
        )
    service = command.service
    if command.verb == "add":
        assert command.start is not None and command.end is not None and command.reason
        done = await use.schedule(
            desk,
            by=speaker,
            start=command.start,
            end=command.end,
            reason=command.reason,
            service=None if isinstance(service, use.Keep) else service,
        )
        return say.recorded(
            policy, done.window, "added", customers=done.customers, posts=done.posts
        )
    assert command.window_id is not None
    done = await use.change(
        desk,
        by=speaker,
        window_id=command.window_id,
        start=command.start,
        end=command.end,
        reason=command.reason,
        service=service,
    )
    return say.recorded(policy, done.window, "changed", customers=done.customers, posts=done.posts)
