"""The priority classifier follows the agreement's table and explains itself in one line."""

from __future__ import annotations

import pytest

from bot.domain.policy import Affected, PriorityKey, default_policy
from bot.domain.priority import classify


@pytest.mark.parametrize(
    ("affected", "data_loss", "priority", "hours"),
    [
        (Affected.ALL, True, PriorityKey.HIGHEST, 1),
        (Affected.SOME, True, PriorityKey.HIGH, 4),
        (Affected.SOME, False, PriorityKey.MEDIUM, 8),
        (Affected.SINGLE, False, PriorityKey.LOW, 12),
        # The two combinations the table leaves open, decided in policy.toml.
        (Affected.ALL, False, PriorityKey.HIGH, 4),
        (Affected.SINGLE, True, PriorityKey.MEDIUM, 8),
    ],
)
def test_table_rows(affected: Affected, data_loss: bool, priority: PriorityKey, hours: int) -> None:
    result = classify(default_policy(), affected=affected, data_loss=data_loss)
    assert (result.priority, result.first_response_hours) == (priority, hours)


def test_inquiry_is_lowest() -> None:
    result = classify(default_policy(), inquiry=True)
    assert (result.priority, result.first_response_hours) == (PriorityKey.LOWEST, 16)
    assert result.reason == "Lowest: an inquiry, first response within 16 business hours"


def test_reason_reads_as_one_line() -> None:
    result = classify(default_policy(), affected=Affected.SOME, data_loss=True)
    assert result.reason == (
        "High: some users affected with risk of data loss, first response within 4 business hours"
    )
    highest = classify(default_policy(), affected=Affected.ALL, data_loss=True)
    assert highest.reason.endswith("within 1 business hour")


def test_rules_outside_the_table_say_so() -> None:
    result = classify(default_policy(), affected=Affected.ALL, data_loss=False)
    assert "not in the agreement's table" in result.reason
    assert "\n" not in result.reason


def test_missing_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="affected and data_loss are required"):
        classify(default_policy(), affected=Affected.ALL)
