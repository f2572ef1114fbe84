"""The intake dialogue as a pure state machine: every question, re-ask, cancel and the summary."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.app import dialogue, intake
from bot.app.dialogue import IntakeState, Phase, Step
from bot.domain.calendar import BusinessCalendar
from bot.domain.policy import default_policy
from tests.app.conftest import CPH, MONDAY_9

POLICY = default_policy()
CAL = BusinessCalendar(POLICY)

# One good answer per question, in the order asked for an incident.
GOOD = ["Sync stopped", "Nothing syncs since 7", "2", "2", "2", "production", "today", "40"]


def begin(now: datetime = MONDAY_9, **prefill: str) -> Step:
    return dialogue.start(POLICY, CAL, now=now, prefill=prefill or None)


def feed(step: Step, *answers: str, now: datetime = MONDAY_9) -> Step:
    for text in answers:
        step = dialogue.advance(POLICY, CAL, step.state, text, now=now)
    return step


def texts(step: Step) -> str:
    return "\n".join(
        "\n".join([r.title or "", r.text, *(f"{f.label}: {f.value}" for f in r.fields)])
        for r in step.replies
    )


def test_the_form_asks_scope_then_consultancy_then_something_else() -> None:
    form = intake.intake_form(POLICY)
    assert [q.key for q in form.questions] == [
        "summary", "description", "affected", "data_loss", "category",
        "environment", "since", "users",
    ]  # fmt: skip
    categories = [c.value for c in form.question("category").choices]
    assert categories[:5] == [item.key for item in POLICY.second_level_scope]
    assert categories[5:-1] == [item.key for item in POLICY.consultancy_services]
    assert categories[-1] == "other"
    assert [c.value for c in form.question("affected").choices] == [
        "all", "some", "single", "inquiry",
    ]  # fmt: skip
    assert form.question("data_loss").when == ("affected", ("all", "some", "single"))


def test_a_full_walk_ends_in_a_summary_with_priority_reason_due_and_time_left() -> None:
    step = begin()
    assert "(1/8) What is the problem" in texts(step)
    step = feed(step, *GOOD)
    assert step.state.phase is Phase.CONFIRMING
    shown = texts(step)
    assert "Priority: Medium (8 business hours)" in shown
    assert "Why: Medium: some users affected without risk of data loss" in shown
    assert "First response due: Tue 01 Dec 2026 09:00 (Copenhagen time)" in shown
    assert "Business time left: 8 h" in shown
    assert "Category: Synchronization issues" in shown
    assert "Users affected: 40" in shown
    done = feed(step, "yes")
    assert done.state.phase is Phase.CONFIRMED
    assert done.state.values == {
        "summary": "Sync stopped",
        "description": "Nothing syncs since 7",
        "affected": "some",
        "data_loss": "no",
        "category": "synchronization",
        "environment": "production",
        "since": "today",
        "users": "40",
    }


def test_filed_late_on_friday_the_clock_runs_on_monday() -> None:
    friday = datetime(2026, 11, 27, 15, 30, tzinfo=CPH)
    step = feed(begin(now=friday), *GOOD, now=friday)
    shown = texts(step)
    assert "First response due: Mon 30 Nov 2026 15:30 (Copenhagen time)" in shown
    assert "Business time left: 8 h" in shown


def test_a_question_skips_data_loss_and_is_lowest() -> None:
    step = feed(begin(), "How do I export?", "Where is the export button?", "4", "14", "", "", "")
    shown = texts(step)
    assert step.state.phase is Phase.CONFIRMING
    assert "data_loss" not in step.state.values
    assert "Priority: Lowest (16 business hours)" in shown
    assert "an inquiry" in shown
    assert "Category: Something else" in shown


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        (["some users", "NO RISK OF DATA LOSS"], ("some", "no")),
        (["All", "ja"], ("all", "yes")),
        (["single", "Yes"], ("single", "yes")),
        (["3.", "n"], ("single", "no")),
    ],
)
def test_choices_take_numbers_labels_and_values_case_insensitively(
    answers: list[str], expected: tuple[str, str]
) -> None:
    step = feed(begin(), "s", "d", *answers)
    assert (step.state.values["affected"], step.state.values["data_loss"]) == expected


def test_a_consultancy_category_says_it_is_billable_before_filing() -> None:
    step = feed(begin(), "Restore", "Deleted 3 locations", "3", "1", "restore_deleted", "", "", "")
    shown = texts(step)
    assert "consultancy service: it is billable, outside the fixed fee" in shown
    assert "approver" in shown


@pytest.mark.parametrize(
    ("before", "bad", "error"),
    [
        ([], "", "cannot be empty"),
        ([], "   ", "cannot be empty"),
        ([], "x" * 151, "this answer takes at most 150 characters and yours has 151."),
        (["s"], "", "cannot be empty"),
        (["s"], "x" * 3001, "this answer takes at most 3000 characters and yours has 3001."),
        ([], "skip", "this one is required, so it cannot be skipped"),
        (["s"], "spring over", "this one is required, so it cannot be skipped"),
        (["s", "d"], "", "Please pick one of the options."),
        (["s", "d"], "5", "a number from 1 to 4"),
        (["s", "d"], "0", "a number from 1 to 4"),
        (["s", "d"], "everybody", "a number from 1 to 4"),
        (["s", "d", "1"], "maybe", "a number from 1 to 2"),
        (["s", "d", "1", "1"], "15", "a number from 1 to 14"),
        (["s", "d", "1", "1", "1"], "x" * 201, "at most 200 characters"),
        (["s", "d", "1", "1", "1", "", ""], "lots", "not a number of users"),
        (["s", "d", "1", "1", "1", "", ""], "0", "not a number of users"),
        (["s", "d", "1", "1", "1", "", ""], "²", "not a number of users"),
    ],
)
def test_bad_answers_get_a_friendly_reask_of_the_same_question(
    before: list[str], bad: str, error: str
) -> None:
    asked = feed(begin(), *before)
    again = feed(asked, bad)
    assert again.state == asked.state  # nothing recorded, same question
    assert len(again.replies) == 2
    assert again.replies[0].text.startswith("Sorry, ")
    assert error in again.replies[0].text
    assert again.replies[1] == asked.replies[-1]  # the question, asked again


def test_optional_details_can_be_skipped_with_enter_or_skip() -> None:
    step = feed(begin(), *GOOD[:5], "", "skip", "-")
    assert step.state.phase is Phase.CONFIRMING
    assert {"environment", "since", "users"}.isdisjoint(
        {k for k, v in step.state.values.items() if v}
    )


@pytest.mark.parametrize("answered", range(len(GOOD) + 1))
@pytest.mark.parametrize("word", ["cancel", "CANCEL", "/cancel", "annuller"])
def test_cancel_at_any_step_files_nothing(answered: int, word: str) -> None:
    step = feed(begin(), *GOOD[:answered])
    cancelled = feed(step, word)
    assert cancelled.state.phase is Phase.CANCELLED
    assert cancelled.state.finished
    assert texts(cancelled) == "\nCancelled. Nothing was filed."
    assert feed(cancelled, "yes").state.phase is Phase.CANCELLED  # finished stays finished


def test_no_at_the_confirmation_cancels_and_gibberish_asks_again() -> None:
    confirming = feed(begin(), *GOOD)
    unclear = feed(confirming, "hmm")
    assert unclear.state == confirming.state
    assert "Type 'yes' to file the ticket" in texts(unclear)
    assert feed(confirming, "nej").state.phase is Phase.CANCELLED


def test_back_changes_the_previous_answer() -> None:
    at_category = feed(begin(), "s", "d", "1", "1")
    back = feed(at_category, "back")
    assert back.state.current == "data_loss"
    changed = feed(back, "no", "1")
    assert changed.state.values["data_loss"] == "no"
    confirming = feed(changed, "", "", "")
    assert feed(confirming, "back").state.current == "users"


def test_a_prefilled_summary_is_not_asked_again() -> None:
    step = begin(summary="  Users   cannot log in ")
    assert step.state.values == {"summary": "Users cannot log in"}
    assert "(2/8) Describe" in texts(step)


def test_the_question_count_never_jumps_when_data_loss_does_not_apply() -> None:
    assert "at most 8 questions" in texts(begin())
    assert "(3/8) Who is affected?" in texts(feed(begin(), "s", "d"))
    assert "(4/8) What is it about?" in texts(feed(begin(), "s", "d", "4"))
    assert "(4/8) Is there a risk of data loss?" in texts(feed(begin(), "s", "d", "1"))
    assert "(7/8) How many users" in texts(feed(begin(), "s", "d", "4", "1", "", ""))


def test_a_prefilled_summary_over_the_limit_is_cut_and_says_so() -> None:
    long = "Users in the Aarhus segment cannot log in " * 5  # 210 characters
    step = begin(summary=long)
    kept = step.state.values["summary"]
    assert len(kept) <= 150 and long.startswith(kept) and not kept.endswith(" ")
    assert long.startswith(kept + " ")  # cut at a word
    assert (
        f"Your summary was 209 characters; it takes at most 150, so I kept the first part: "
        f"'{kept}'."
    ) in texts(step)
    assert "(2/8) Describe" in texts(step)
    assert feed(step, "back").state.current == "summary"


@pytest.mark.parametrize("line", ["/ticket", "/ticket Printer on fire", "/status", "/foo"])
def test_a_slash_command_during_intake_is_not_an_answer(line: str) -> None:
    asked = begin()
    again = feed(asked, line)
    assert again.state == asked.state
    assert again.replies[0].text.startswith(
        f"You are in the middle of filing a ticket, so I did not take '{line.split()[0]}' "
    )
    assert "type 'cancel' to stop this ticket first" in again.replies[0].text
    assert again.replies[1] == asked.replies[-1]
    confirming = feed(begin(), *GOOD)
    assert "Type 'yes' to file" in texts(feed(confirming, "/ticket"))


def test_a_path_is_an_answer_not_a_command() -> None:
    step = feed(begin(), "/var/log is full")
    assert step.state.values["summary"] == "/var/log is full"
    assert feed(begin(), "/tmp is full").state.values["summary"] == "/tmp is full"


def test_validate_answers_reports_every_bad_field_for_a_one_shot_form() -> None:
    with pytest.raises(intake.IntakeError) as caught:
        intake.validate_answers(
            POLICY, {"summary": "", "description": "d", "affected": "some", "category": "nope"}
        )
    assert set(caught.value.errors) == {"summary", "data_loss", "category"}
    answers = intake.validate_answers(
        POLICY, {"summary": "s", "description": "d", "affected": "inquiry", "category": "other"}
    )
    assert answers.values == {
        "summary": "s",
        "description": "d",
        "affected": "inquiry",
        "category": "other",
        "environment": "",
        "since": "",
        "users": "",
    }
    assert answers.details == {}


def test_validation_drops_answers_to_questions_that_do_not_apply() -> None:
    values = intake.validate_answers(
        POLICY,
        {
            "summary": "s",
            "description": "d",
            "affected": "Nobody, it is just a question",
            "data_loss": "yes",
            "category": "Data validation",
            "users": "1.200",
        },
    ).values
    assert values["affected"] == "inquiry" and "data_loss" not in values
    assert values["category"] == "data_validation" and values["users"] == "1200"
    with pytest.raises(intake.IntakeError) as caught:
        intake.validate_answers(POLICY, {"summary": "s"})
    assert set(caught.value.errors) == {"description", "affected", "category"}


def test_a_state_without_a_current_question_asks_the_next_one() -> None:
    step = dialogue.advance(
        POLICY, CAL, IntakeState(Phase.ASKING, (("summary", "s"),)), "ignored", now=MONDAY_9
    )
    assert step.state.current == "description"


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(["1", "2", "3", "4", "14", "yes", "no", "back", "", "skip", "ja"]),
            st.text(max_size=40),
        ),
        max_size=30,
    )
)
def test_any_sequence_of_lines_keeps_the_dialogue_consistent(lines: list[str]) -> None:
    step = begin()
    for line in lines:
        step = dialogue.advance(POLICY, CAL, step.state, line, now=MONDAY_9)
        assert step.replies or step.state.phase is Phase.CONFIRMED or step.state.finished
        state = step.state
        if state.phase is Phase.ASKING:
            assert state.current is not None and state.current not in state.values
        if state.phase is Phase.CONFIRMED:
            # What the dialogue confirms always files: the one-shot validation agrees.
            assert step.answers is not None
            assert intake.validate_answers(POLICY, state.values) == step.answers
            break
        if state.phase is Phase.CANCELLED:
            break


def test_answers_lose_what_cannot_be_stored_and_direction_overrides_are_reasked() -> None:
    step = feed(begin(summary="Sync\x00 stopped\x07"), "Line one\r\nline\u200b two\x1b[0m")
    assert step.state.values == {
        "summary": "Sync stopped",
        "description": "Line one\nline two[0m",
    }
    asked = feed(begin(), "Sync stopped")
    again = feed(asked, "harmless\u202etxt.exe")
    assert again.state == asked.state
    assert again.replies[0].text.startswith("Sorry, that has invisible characters")
    assert again.replies[1] == asked.replies[-1]
    prefilled = begin(summary="bad\u2066one")
    assert prefilled.state.values == {}  # asked after all, saying why
    assert "invisible characters" in texts(prefilled)
    with pytest.raises(intake.IntakeError) as caught:
        intake.validate_answers(POLICY, {"summary": "x\u202ey", "description": "d"})
    assert caught.value.errors["summary"].startswith("Sorry, that has invisible characters")


@pytest.mark.parametrize("typed", ["2,5", "2.5", "0,5", "1.20", "1.200,5"])
def test_a_decimal_number_of_users_is_reasked_not_read_as_a_whole(typed: str) -> None:
    asked = feed(begin(), "s", "d", "1", "1", "1", "", "")
    again = feed(asked, typed)
    assert again.state == asked.state
    assert again.replies[0].text == (
        f"Sorry, '{typed}' is not a whole number of users. Please give the number in digits "
        "without a comma or point, e.g. 25 or 2500."
    )


@pytest.mark.parametrize(
    ("typed", "users"),
    [("25", "25"), ("1.200", "1200"), ("1,200", "1200"), ("120 000", "120000")],
)
def test_thousands_separators_are_read(typed: str, users: str) -> None:
    step = feed(begin(), "s", "d", "1", "1", "1", "", "", typed)
    assert step.state.values["users"] == users
