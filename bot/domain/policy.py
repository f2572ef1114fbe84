"""The support agreement as frozen data, loaded and validated from a TOML file."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from datetime import date, time
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain.closing_days import DENMARK, holiday_calendar

__all__ = [
    "Affected",
    "ClassificationRule",
    "ClosingDay",
    "Policy",
    "PolicyError",
    "PriorityKey",
    "PriorityRule",
    "ScopeItem",
    "default_policy",
    "load_policy",
    "parse_policy",
]

POLICY_ENV = "SUPPORTBOT_POLICY"
# Upper bounds of the policy's numbers: far beyond any agreement, well inside what the
# calendar arithmetic and the database can hold.
MAX_TARGET_HOURS = 24 * 31  # a first-response target of a month
MAX_REMINDER_MINUTES = 7 * 24 * 60  # a week
MAX_HYPERCARE_WEEKS = 52
MAX_WINDOW_DAYS = 366
# Read as a plain file beside this module: importlib.resources costs ~10 ms of start-up.
PACKAGED = Path(__file__).with_name("policy.toml")
# Sanity bounds on the outbox settings: a retry waits at most a day, and a post is not tried
# more than a hundred times before an operator hears of it.
MAX_RETRY_MINUTES = 24 * 60
MAX_PARK_AFTER = 100
MAX_GIVE_UP_HOURS = 7 * 24  # a post failing for a week is stale: an operator decides


class PolicyError(ValueError):
    """A policy file that cannot be used, naming the file, the key and the problem."""

    def __init__(self, source: str, key: str, problem: str) -> None:
        super().__init__(f"{source}: {key}: {problem}")
        self.source = source
        self.key = key
        self.problem = problem


class PriorityKey(StrEnum):
    """The agreement's five ticket priorities, most urgent first."""

    HIGHEST = "highest"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    LOWEST = "lowest"


class Affected(StrEnum):
    """Who an incident affects."""

    ALL = "all"
    SOME = "some"
    SINGLE = "single"


@dataclass(frozen=True, slots=True)
class PriorityRule:
    """One row of the agreement's incident table."""

    key: PriorityKey
    name: str
    label: str
    definition: str
    first_response_hours: int


@dataclass(frozen=True, slots=True)
class ClassificationRule:
    """Who is affected x risk of data loss -> priority; `agreement` says if the table defines it."""

    affected: Affected
    data_loss: bool
    priority: PriorityKey
    agreement: bool
    note: str = ""


@dataclass(frozen=True, slots=True)
class ScopeItem:
    """An item of the 2nd-level scope or of the consultancy service list."""

    key: str
    name: str


@dataclass(frozen=True, slots=True)
class ClosingDay:
    """An extra day the desk is closed, on top of the Danish calendar."""

    date: date
    name: str


@dataclass(frozen=True, slots=True)
class Policy:
    """Everything the agreement fixes, as data."""

    source: str
    name: str
    timezone: ZoneInfo
    ticket_prefix: str
    opens: time
    closes: time
    country: str
    bank_holidays: bool
    extra_closing_days: tuple[ClosingDay, ...]
    at_risk_fraction: float
    countdown_thresholds: tuple[float, ...]
    hypercare_countdown_thresholds: tuple[float, ...]
    breach_reminder_minutes: int
    priorities: tuple[PriorityRule, ...]
    inquiry_priority: PriorityKey
    rules: tuple[ClassificationRule, ...]
    availability_target_percent: float
    availability_period: str
    sample_interval_minutes: int
    max_service_window_days: int
    hypercare_minimum_weeks: int
    outbox_first_retry_seconds: int
    outbox_max_retry_minutes: int
    outbox_park_after_attempts: int
    outbox_give_up_after_hours: int
    second_level_scope: tuple[ScopeItem, ...]
    consultancy_services: tuple[ScopeItem, ...]

    def priority(self, key: PriorityKey | str) -> PriorityRule:
        """The rule of one priority."""
        wanted = PriorityKey(key)
        for rule in self.priorities:
            if rule.key is wanted:
                return rule
        raise KeyError(key)  # unreachable: validation guarantees all five

    def is_consultancy(self, category: str) -> bool:
        """Whether a category is a billable consultancy service."""
        return any(item.key == category for item in self.consultancy_services)

    def category_name(self, category: str) -> str | None:
        """The human name of a scope or consultancy category, or None if unknown."""
        for item in self.second_level_scope + self.consultancy_services:
            if item.key == category:
                return item.name
        return None


class _Reader:
    """Typed access to a parsed TOML table, raising PolicyError with the dotted key."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, key: str, problem: str) -> PolicyError:
        return PolicyError(self.source, key, problem)

    def table(self, data: dict[str, Any], key: str, path: str = "") -> dict[str, Any]:
        full = f"{path}{key}"
        value = data.get(key)
        if not isinstance(value, dict):
            raise self.fail(full, "missing table" if value is None else "must be a table")
        return value

    def tables(self, data: dict[str, Any], key: str, path: str = "") -> list[dict[str, Any]]:
        full = f"{path}{key}"
        value = data.get(key)
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            problem = "missing list of tables" if value is None else "must be [[tables]]"
            raise self.fail(full, problem)
        if not value:
            raise self.fail(full, "must not be empty")
        return value

    def get(self, data: dict[str, Any], key: str, kind: type, path: str) -> Any:
        full = f"{path}{key}"
        if key not in data:
            raise self.fail(full, "missing")
        value = data[key]
        # bool is an int in Python; keep them apart so `true` is not a number of hours
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            raise self.fail(full, f"must be {kind.__name__}, got {value!r}")
        return value

    def count(self, data: dict[str, Any], key: str, path: str, most: int, unit: str) -> int:
        value: int = self.get(data, key, int, path)
        if value <= 0:
            raise self.fail(f"{path}{key}", f"must be positive, got {value}")
        if value > most:
            raise self.fail(f"{path}{key}", f"must be at most {most} {unit}, got {value}")
        return value

    def text(self, data: dict[str, Any], key: str, path: str) -> str:
        value: str = self.get(data, key, str, path)
        if not value.strip():
            raise self.fail(f"{path}{key}", "must not be empty")
        return value

    def clock(self, data: dict[str, Any], key: str, path: str) -> time:
        raw = self.text(data, key, path)
        try:
            hh, mm = raw.split(":")
            return time(int(hh), int(mm))
        except ValueError:
            raise self.fail(f"{path}{key}", f"must be HH:MM, got {raw!r}") from None

    def fractions(self, data: dict[str, Any], key: str, path: str) -> tuple[float, ...]:
        full = f"{path}{key}"
        if key not in data:
            raise self.fail(full, "missing")
        raw = data[key]
        if not isinstance(raw, list) or not raw:
            raise self.fail(full, f"must be a non-empty list of fractions, got {raw!r}")
        values: list[float] = []
        for value in raw:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise self.fail(full, f"must hold numbers, got {value!r}")
            values.append(float(value))
        if not all(0 < v < 1 for v in values):
            raise self.fail(full, f"must be fractions between 0 and 1, got {raw!r}")
        if any(a >= b for a, b in zip(values, values[1:], strict=False)):
            raise self.fail(full, f"must be strictly increasing, got {raw!r}")
        return tuple(values)

    def enum(self, enum: type[StrEnum], data: dict[str, Any], key: str, path: str) -> Any:
        raw = self.text(data, key, path)
        try:
            return enum(raw)
        except ValueError:
            choices = ", ".join(m.value for m in enum)
            raise self.fail(f"{path}{key}", f"must be one of {choices}, got {raw!r}") from None


def parse_policy(data: dict[str, Any], source: str) -> Policy:
    """Validate a parsed policy document and build the Policy."""
    # The calendar imports this module; its supported years are needed only here.
    from bot.domain.calendar import MAX_YEAR, MIN_YEAR, supported

    r = _Reader(source)
    agreement = r.table(data, "agreement")
    tz_name = r.text(agreement, "timezone", "agreement.")
    try:
        tz = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise r.fail("agreement.timezone", f"unknown time zone {tz_name!r}") from None

    hours = r.table(data, "operating_hours")
    opens = r.clock(hours, "open", "operating_hours.")
    closes = r.clock(hours, "close", "operating_hours.")
    if not opens < closes:
        raise r.fail("operating_hours", "open must be before close on the same day")

    calendar = r.table(data, "calendar")
    country = r.text(calendar, "country", "calendar.").upper()
    bank_holidays = r.get(calendar, "bank_holidays", bool, "calendar.")
    if country != DENMARK:
        try:
            holiday_calendar(country)
        except NotImplementedError:
            raise r.fail(
                "calendar.country",
                f"no public holidays are known for {country!r} (use an ISO code such as DK, "
                "SE, NO or DE, optionally with a subdivision such as DE-BY)",
            ) from None
        if bank_holidays:
            raise r.fail(
                "calendar.bank_holidays",
                f"bank closing days are known for {DENMARK} only; set it to false for "
                f"{country} and list other closing days in extra_closing_days",
            )
    closing: list[ClosingDay] = []
    extra = calendar.get("extra_closing_days", [])
    if not isinstance(extra, list):
        raise r.fail("calendar.extra_closing_days", "must be a list of {date, name} tables")
    for i, raw in enumerate(extra):
        path = f"calendar.extra_closing_days[{i}]."
        if not isinstance(raw, dict):
            raise r.fail(path[:-1], "must be a table with date and name")
        day = raw.get("date")
        if isinstance(day, str):
            try:
                day = date.fromisoformat(day)
            except ValueError:
                raise r.fail(f"{path}date", f"must be a date, got {day!r}") from None
        if not isinstance(day, date):
            raise r.fail(f"{path}date", "must be a date (YYYY-MM-DD)")
        if not supported(day):
            raise r.fail(f"{path}date", f"{day} is outside the years {MIN_YEAR}-{MAX_YEAR}")
        closing.append(ClosingDay(day, r.text(raw, "name", path)))

    sla = r.table(data, "sla")
    at_risk = r.get(sla, "at_risk_fraction", float, "sla.")
    if not 0 < at_risk < 1:
        raise r.fail("sla.at_risk_fraction", f"must be between 0 and 1, got {at_risk}")
    countdown = r.fractions(sla, "countdown_thresholds", "sla.")
    hypercare_countdown = r.fractions(sla, "hypercare_countdown_thresholds", "sla.")
    reminder_minutes = r.count(
        sla, "breach_reminder_minutes", "sla.", MAX_REMINDER_MINUTES, "minutes"
    )

    priorities: list[PriorityRule] = []
    for i, raw in enumerate(r.tables(data, "priorities")):
        path = f"priorities[{i}]."
        key = r.enum(PriorityKey, raw, "key", path)
        hours_value = r.count(raw, "first_response_hours", path, MAX_TARGET_HOURS, "hours")
        priorities.append(
            PriorityRule(
                key=key,
                name=r.text(raw, "name", path),
                label=r.text(raw, "label", path),
                definition=r.text(raw, "definition", path),
                first_response_hours=hours_value,
            )
        )
    keys = [p.key for p in priorities]
    if sorted(keys) != sorted(PriorityKey) or len(set(keys)) != len(keys):
        raise r.fail("priorities", "must list each of highest, high, medium, low, lowest once")
    priorities.sort(key=lambda p: list(PriorityKey).index(p.key))

    classification = r.table(data, "classification")
    inquiry = r.enum(PriorityKey, classification, "inquiry", "classification.")
    rules: list[ClassificationRule] = []
    for i, raw in enumerate(r.tables(classification, "rules", "classification.")):
        path = f"classification.rules[{i}]."
        rules.append(
            ClassificationRule(
                affected=r.enum(Affected, raw, "affected", path),
                data_loss=r.get(raw, "data_loss", bool, path),
                priority=r.enum(PriorityKey, raw, "priority", path),
                agreement=r.get(raw, "agreement", bool, path),
                note=str(raw.get("note", "")),
            )
        )
    combos = [(rule.affected, rule.data_loss) for rule in rules]
    wanted = [(a, d) for a in Affected for d in (True, False)]
    if sorted(combos) != sorted(wanted):
        raise r.fail(
            "classification.rules",
            "must give exactly one rule for each of all/some/single with data_loss true and false",
        )
    for i, rule in enumerate(rules):
        if not rule.agreement and not rule.note:
            raise r.fail(f"classification.rules[{i}].note", "a rule outside the table needs a note")

    availability = r.table(data, "availability")
    target = r.get(availability, "target_percent", float, "availability.")
    if not 0 < target <= 100:
        raise r.fail("availability.target_percent", f"must be in (0, 100], got {target}")
    period = r.text(availability, "period", "availability.")
    if period != "month":
        raise r.fail("availability.period", f"only 'month' is supported, got {period!r}")
    interval = r.get(availability, "sample_interval_minutes", int, "availability.")
    if interval <= 0:
        raise r.fail("availability.sample_interval_minutes", f"must be positive, got {interval}")
    if 60 % interval:
        # Slots must tile every hour, so they start at :00 whatever the day or the zone's offset.
        raise r.fail(
            "availability.sample_interval_minutes", f"must divide 60 minutes, got {interval}"
        )
    window_days = r.count(
        availability, "max_service_window_days", "availability.", MAX_WINDOW_DAYS, "days"
    )

    hypercare = r.table(data, "hypercare")
    minimum_weeks = r.count(hypercare, "minimum_weeks", "hypercare.", MAX_HYPERCARE_WEEKS, "weeks")

    outbox = r.table(data, "outbox")
    first_retry = r.get(outbox, "first_retry_seconds", int, "outbox.")
    max_retry = r.get(outbox, "max_retry_minutes", int, "outbox.")
    park_after = r.get(outbox, "park_after_attempts", int, "outbox.")
    if not 0 < first_retry <= MAX_RETRY_MINUTES * 60:
        raise r.fail(
            "outbox.first_retry_seconds",
            f"must be between 1 and {MAX_RETRY_MINUTES * 60}, got {first_retry}",
        )
    if not first_retry <= max_retry * 60 <= MAX_RETRY_MINUTES * 60:
        raise r.fail(
            "outbox.max_retry_minutes",
            f"must be at least first_retry_seconds and at most {MAX_RETRY_MINUTES}, "
            f"got {max_retry}",
        )
    give_up = r.count(outbox, "give_up_after_hours", "outbox.", MAX_GIVE_UP_HOURS, "hours")
    if not 0 < park_after <= MAX_PARK_AFTER:
        raise r.fail(
            "outbox.park_after_attempts",
            f"must be between 1 and {MAX_PARK_AFTER}, got {park_after}",
        )

    def items(key: str) -> tuple[ScopeItem, ...]:
        found = tuple(
            ScopeItem(r.text(raw, "key", f"{key}[{i}]."), r.text(raw, "name", f"{key}[{i}]."))
            for i, raw in enumerate(r.tables(data, key))
        )
        return found

    scope = items("second_level_scope")
    consultancy = items("consultancy_services")
    all_keys = [item.key for item in scope + consultancy]
    if len(set(all_keys)) != len(all_keys):
        raise r.fail("consultancy_services", "category keys must be unique across both lists")

    return Policy(
        source=source,
        name=r.text(agreement, "name", "agreement."),
        timezone=tz,
        ticket_prefix=r.text(agreement, "ticket_prefix", "agreement."),
        opens=opens,
        closes=closes,
        country=country,
        bank_holidays=bank_holidays,
        extra_closing_days=tuple(closing),
        at_risk_fraction=at_risk,
        countdown_thresholds=countdown,
        hypercare_countdown_thresholds=hypercare_countdown,
        breach_reminder_minutes=reminder_minutes,
        priorities=tuple(priorities),
        inquiry_priority=inquiry,
        rules=tuple(rules),
        availability_target_percent=target,
        availability_period=period,
        sample_interval_minutes=interval,
        max_service_window_days=window_days,
        hypercare_minimum_weeks=minimum_weeks,
        outbox_first_retry_seconds=first_retry,
        outbox_max_retry_minutes=max_retry,
        outbox_park_after_attempts=park_after,
        outbox_give_up_after_hours=give_up,
        second_level_scope=scope,
        consultancy_services=consultancy,
    )


def load_policy(path: str | os.PathLike[str] | None = None) -> Policy:
    """Load the policy from `path`, else $SUPPORTBOT_POLICY, else the packaged default."""
    chosen = path if path is not None else os.environ.get(POLICY_ENV)
    if chosen:
        source = str(chosen)
        try:
            raw = Path(chosen).read_bytes()
        except OSError as exc:
            raise PolicyError(source, "(file)", exc.strerror or str(exc)) from None
    else:
        source = str(PACKAGED)
        raw = PACKAGED.read_bytes()
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise PolicyError(source, "(syntax)", str(exc)) from None
    return parse_policy(data, source)


@cache
def default_policy() -> Policy:
    """The packaged policy, loaded once (tests and benchmarks)."""
    return parse_policy(tomllib.loads(PACKAGED.read_text("utf-8")), str(PACKAGED))
