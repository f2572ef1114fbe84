"""The packaged policy says what the agreement says; malformed policy files are refused clearly."""

from __future__ import annotations

import tomllib
from datetime import date, time
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from bot.domain.policy import (
    POLICY_ENV,
    Affected,
    PolicyError,
    PriorityKey,
    default_policy,
    load_policy,
    parse_policy,
)

PACKAGED = resources.files("bot.domain").joinpath("policy.toml").read_text("utf-8")


def _data() -> dict[str, Any]:
    return tomllib.loads(PACKAGED)


def test_packaged_policy_holds_the_agreements_numbers() -> None:
    policy = default_policy()
    hours = {p.key: p.first_response_hours for p in policy.priorities}
    assert hours == {"highest": 1, "high": 4, "medium": 8, "low": 12, "lowest": 16}
    assert [p.key for p in policy.priorities] == list(PriorityKey)
    assert policy.priority("high").definition == "Some users affected – risk of data loss"
    assert (policy.opens, policy.closes) == (time(8), time(16))
    assert policy.timezone.key == "Europe/Copenhagen"
    assert policy.bank_holidays and policy.extra_closing_days == ()
    assert policy.availability_target_percent == 99.5
    assert (policy.availability_period, policy.sample_interval_minutes) == ("month", 5)
    assert policy.hypercare_minimum_weeks == 2
    assert policy.countdown_thresholds == (0.5, 0.75, 0.9)
    assert policy.hypercare_countdown_thresholds == (0.25, 0.5, 0.75)
    assert policy.breach_reminder_minutes == 60
    assert policy.outbox_first_retry_seconds == 30
    assert policy.outbox_max_retry_minutes == 60
    assert policy.outbox_park_after_attempts == 5
    assert policy.outbox_give_up_after_hours == 24
    assert len(policy.second_level_scope) == 5
    assert len(policy.consultancy_services) == 8
    assert policy.is_consultancy("license_management")
    assert not policy.is_consultancy("synchronization")
    assert policy.category_name("synchronization") == "Synchronization issues"


def test_the_two_open_combinations_have_explicit_rules() -> None:
    rules = {(r.affected, r.data_loss): r for r in default_policy().rules}
    outside = {k: r.priority for k, r in rules.items() if not r.agreement}
    assert outside == {
        (Affected.ALL, False): PriorityKey.HIGH,
        (Affected.SINGLE, True): PriorityKey.MEDIUM,
    }
    assert all(rules[k].note for k in outside)


def test_environment_variable_points_at_a_deployments_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(PACKAGED.replace('ticket_prefix = "SUP"', 'ticket_prefix = "ACME"'))
    monkeypatch.setenv(POLICY_ENV, str(path))
    policy = load_policy()
    assert (policy.ticket_prefix, policy.source) == ("ACME", str(path))


def test_extra_closing_days_are_read() -> None:
    data = _data()
    data["calendar"]["extra_closing_days"] = [{"date": "2026-12-28", "name": "Company day off"}]
    policy = parse_policy(data, "p.toml")
    assert [(d.date, d.name) for d in policy.extra_closing_days] == [
        (date(2026, 12, 28), "Company day off")
    ]


@pytest.mark.parametrize(("written", "country"), [("SE", "SE"), ("no", "NO"), ("DE-BY", "DE-BY")])
def test_another_country_is_read_without_bank_holidays(written: str, country: str) -> None:
    data = _data()
    data["calendar"].update(country=written, bank_holidays=False)
    policy = parse_policy(data, "p.toml")
    assert (policy.country, policy.bank_holidays) == (country, False)


def _set(path: str, value: Any) -> dict[str, Any]:
    data = _data()
    *parents, last = path.split(".")
    node: Any = data
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    if value is _DELETE:
        del node[last]
    else:
        node[last] = value
    return data


_DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "key", "problem"),
    [
        ("agreement.timezone", "Mars/Olympus", "agreement.timezone", "unknown time zone"),
        ("operating_hours.open", "8 am", "operating_hours.open", "must be HH:MM"),
        ("operating_hours.close", "07:00", "operating_hours", "open must be before close"),
        ("operating_hours", _DELETE, "operating_hours", "missing table"),
        ("calendar.country", "XX", "calendar.country", "no public holidays are known for 'XX'"),
        ("calendar.country", "DE-ZZ", "calendar.country", "no public holidays are known"),
        ("calendar.country", "SE", "calendar.bank_holidays", "known for DK only; set it to false"),
        ("calendar.bank_holidays", "yes", "calendar.bank_holidays", "must be bool"),
        ("calendar.extra_closing_days", "2026-12-28", "calendar.extra_closing_days", "list"),
        (
            "calendar.extra_closing_days",
            [{"date": "2026-13-01", "name": "x"}],
            "calendar.extra_closing_days[0].date",
            "must be a date",
        ),
        ("sla.at_risk_fraction", 1.5, "sla.at_risk_fraction", "between 0 and 1"),
        ("sla.countdown_thresholds", _DELETE, "sla.countdown_thresholds", "missing"),
        ("sla.countdown_thresholds", [], "sla.countdown_thresholds", "non-empty list"),
        ("sla.countdown_thresholds", 0.5, "sla.countdown_thresholds", "non-empty list"),
        ("sla.countdown_thresholds", [0.5, "0.9"], "sla.countdown_thresholds", "numbers"),
        ("sla.countdown_thresholds", [True], "sla.countdown_thresholds", "numbers"),
        ("sla.countdown_thresholds", [0.5, 1], "sla.countdown_thresholds", "between 0 and 1"),
        ("sla.countdown_thresholds", [0, 0.5], "sla.countdown_thresholds", "between 0 and 1"),
        ("sla.countdown_thresholds", [0.9, 0.5], "sla.countdown_thresholds", "increasing"),
        (
            "sla.hypercare_countdown_thresholds",
            [0.5, 0.5],
            "sla.hypercare_countdown_thresholds",
            "increasing",
        ),
        ("sla.breach_reminder_minutes", 0, "sla.breach_reminder_minutes", "must be positive"),
        ("sla.breach_reminder_minutes", 1.5, "sla.breach_reminder_minutes", "must be int"),
        ("priorities.0.first_response_hours", 0, "priorities[0].first_response_hours", "positive"),
        ("priorities.0.first_response_hours", True, "priorities[0].first_response_hours", "int"),
        ("priorities.1.key", "highest", "priorities", "each of highest"),
        ("priorities.2.key", "urgent", "priorities[2].key", "must be one of highest"),
        ("classification.rules.1.affected", "some", "classification.rules", "exactly one rule"),
        ("classification.rules.1.note", _DELETE, "classification.rules[1].note", "needs a note"),
        ("availability.target_percent", 101, "availability.target_percent", "(0, 100]"),
        (
            "availability.sample_interval_minutes",
            7,
            "availability.sample_interval_minutes",
            "must divide 60",
        ),
        ("hypercare.minimum_weeks", -2, "hypercare.minimum_weeks", "must be positive"),
        ("outbox", _DELETE, "outbox", "missing table"),
        ("outbox.first_retry_seconds", 0, "outbox.first_retry_seconds", "between 1 and 86400"),
        ("outbox.max_retry_minutes", 0, "outbox.max_retry_minutes", "at least first_retry"),
        ("outbox.max_retry_minutes", 1441, "outbox.max_retry_minutes", "at most 1440"),
        ("outbox.park_after_attempts", 0, "outbox.park_after_attempts", "between 1 and 100"),
        ("outbox.park_after_attempts", 1.5, "outbox.park_after_attempts", "must be int"),
        ("outbox.give_up_after_hours", 0, "outbox.give_up_after_hours", "must be positive"),
        ("outbox.give_up_after_hours", 169, "outbox.give_up_after_hours", "at most 168 hours"),
        ("hypercare.minimum_weeks", 53, "hypercare.minimum_weeks", "at most 52 weeks, got 53"),
        (
            "priorities.0.first_response_hours",
            10**12,
            "priorities[0].first_response_hours",
            "at most 744 hours",
        ),
        ("sla.breach_reminder_minutes", 10081, "sla.breach_reminder_minutes", "at most 10080"),
        (
            "availability.sample_interval_minutes",
            61,
            "availability.sample_interval_minutes",
            "must divide 60 minutes",
        ),
        (
            "availability.max_service_window_days",
            0,
            "availability.max_service_window_days",
            "must be positive",
        ),
        (
            "availability.max_service_window_days",
            367,
            "availability.max_service_window_days",
            "at most 366 days",
        ),
        (
            "availability.max_service_window_days",
            _DELETE,
            "availability.max_service_window_days",
            "missing",
        ),
        (
            "calendar.extra_closing_days",
            [{"date": "9999-12-31", "name": "x"}],
            "calendar.extra_closing_days[0].date",
            "outside the years 1971-2100",
        ),
        ("sla.at_risk_fraction", float("nan"), "sla.at_risk_fraction", "between 0 and 1"),
        ("availability.target_percent", float("inf"), "availability.target_percent", "(0, 100]"),
        ("consultancy_services.0.key", "configuration", "consultancy_services", "unique"),
    ],
)
def test_malformed_policy_names_key_and_problem(
    path: str, value: Any, key: str, problem: str
) -> None:
    with pytest.raises(PolicyError) as caught:
        parse_policy(_set(path, value), "/etc/supportbot/policy.toml")
    error = caught.value
    assert (error.source, error.key) == ("/etc/supportbot/policy.toml", key)
    assert problem in error.problem
    assert str(error).startswith(f"/etc/supportbot/policy.toml: {key}: ")
    assert "\n" not in str(error)


def test_syntax_error_and_missing_file_name_the_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("[agreement\nname = 1\n")
    with pytest.raises(PolicyError, match=rf"^{broken}: \(syntax\): "):
        load_policy(broken)
    with pytest.raises(PolicyError, match=r"nowhere\.toml: \(file\): No such file"):
        load_policy(tmp_path / "nowhere.toml")
