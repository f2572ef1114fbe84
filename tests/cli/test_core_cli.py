"""`supportbot sla due`, `classify` and `calendar`, as a user runs them."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.cli.core import quick_parse
from bot.cli.main import build_parser, main

POLICY = Path(__file__).parents[2] / "bot" / "domain" / "policy.toml"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_exiting(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Like run, for argparse errors that exit instead of returning."""
    with pytest.raises(SystemExit) as exited:
        main(list(argv))
    out, err = capsys.readouterr()
    assert isinstance(exited.value.code, int)
    return exited.value.code, out, err


# -- sla due ----------------------------------------------------------------------------------


def test_sla_due_prints_one_line_per_opened_in_order(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys,
        "sla",
        "due",
        "--priority",
        "highest",
        "--opened",
        "2026-12-23T15:30:00+01:00",
        "--opened",
        "2026-03-27T14:30:00Z",  # Friday before the spring DST change, given in UTC
        "--opened",
        "2026-03-02T08:00+01:00",
    )
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "2026-12-28T08:30:00+01:00",
        "2026-03-30T08:30:00+02:00",
        "2026-03-02T09:00:00+01:00",
    ]


@pytest.mark.parametrize(
    "opened",
    [
        ["--opened", "2026-12-23T15:30:00+01:00", "2026-03-27T14:30:00Z", "2026-03-02T08:00+01:00"],
        [
            "--opened",
            "2026-12-23T15:30:00+01:00",
            "2026-03-27T14:30:00Z",
            "--opened=2026-03-02T08:00+01:00",
        ],
        [
            "--opened",
            "2026-12-23T15:30:00+01:00",
            "--opened",
            "2026-03-27T14:30:00Z",
            "2026-03-02T08:00+01:00",
        ],
    ],
)
def test_sla_due_takes_several_instants_after_one_opened(
    capsys: pytest.CaptureFixture[str], opened: list[str]
) -> None:
    # The usage line says `--opened ISO8601 [ISO8601 ...]`; mixing with repeats keeps order.
    code, out, err = run(capsys, "sla", "due", *opened, "--priority", "highest")
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "2026-12-28T08:30:00+01:00",
        "2026-03-30T08:30:00+02:00",
        "2026-03-02T09:00:00+01:00",
    ]


def test_sla_due_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "sla", "due", "--priority", "medium", "--opened", "2026-12-23T12:00+01:00", "--json"
    )
    assert code == 0
    assert json.loads(out) == [
        {
            "opened": "2026-12-23T12:00:00+01:00",
            "priority": "medium",
            "due": "2026-12-28T12:00:00+01:00",
            "first_response_hours": 8,
        }
    ]


def test_sla_due_many_opened_keeps_order(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["sla", "due", "--priority", "low"]
    hours = [f"2026-03-{day:02d}T{hour:02d}:00+01:00" for day in (2, 3) for hour in range(24)]
    for value in hours:
        argv += ["--opened", value]
    argv.append("--opened=2026-03-07T12:00+01:00")
    code, out, _ = run(capsys, *argv)
    lines = out.splitlines()
    assert code == 0 and len(lines) == 49
    assert lines[0] == "2026-03-03T12:00:00+01:00"  # 00:00 Monday -> 12 hours from 08:00
    assert lines[10] == "2026-03-03T14:00:00+01:00"  # 10:00 Monday
    assert lines[-1] == "2026-03-10T12:00:00+01:00"  # Saturday -> Monday 08:00 + 12 hours


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--priority", "urgent", "--opened", "2026-01-05T10:00Z"], "invalid choice: 'urgent'"),
        (["--priority", "high", "--opened", "2026-01-05T10:00"], "has no UTC offset"),
        (["--priority", "high", "--opened", "next tuesday"], "is not an ISO 8601 timestamp"),
        (["--priority", "high", "--opened", "2026-02-30T10:00Z"], "is not an ISO 8601"),
        (["--priority", "high"], "the following arguments are required: --opened"),
        (["--priority", "high", "--opened"], "expected at least one argument"),
        (["--opened", "--priority", "high"], "expected at least one argument"),
        (["--priority", "high", "--opened", "3500-01-01T10:00Z"], "supported"),
        (
            ["--priority", "high", "--opened", "2026-01-05T10:00Z", "1960-06-01T10:00Z"],
            "--opened '1960-06-01T10:00Z': year 1960 is outside the supported range 1971-2100",
        ),
        (
            ["--priority", "high", "--opened", "9999-12-31T15:00Z"],
            "--opened '9999-12-31T15:00Z': year 9999 is outside the supported range 1971-2100",
        ),
        (
            ["--priority", "high", "--opened", "2100-12-31T15:00Z"],
            "--opened '2100-12-31T15:00Z': the first response would be due after the supported "
            "range 1971-2100",
        ),
    ],
)
def test_sla_due_bad_input_is_one_line_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    try:
        code = main(["sla", "due", *argv])
    except SystemExit as exited:
        code = exited.code  # type: ignore[assignment]
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert message in err
    assert err.count("\n") == 1


# -- classify ---------------------------------------------------------------------------------


def test_classify_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "classify", "--affected", "some", "--data-loss", "yes", "--json")
    assert code == 0
    assert json.loads(out) == {
        "priority": "high",
        "name": "High",
        "first_response_hours": 4,
        "reason": "High: some users affected with risk of data loss, "
        "first response within 4 business hours",
    }


def test_classify_inquiry_plain_text(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "classify", "--inquiry")
    assert code == 0
    assert "Lowest (lowest)" in out
    assert "within 16 business hours" in out


def test_classify_open_combination_uses_the_policy_rule(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, out, _ = run(capsys, "classify", "--affected", "single", "--data-loss", "yes", "--json")
    result = json.loads(out)
    assert (result["priority"], result["first_response_hours"]) == ("medium", 8)
    assert "not in the agreement's table" in result["reason"]


@pytest.mark.parametrize(
    "argv",
    [
        ["classify"],
        ["classify", "--affected", "all"],
        ["classify", "--inquiry", "--data-loss", "no"],
    ],
)
def test_classify_needs_one_complete_description(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    code, out, err = run(capsys, *argv)
    assert (code, out) == (2, "")
    assert err.startswith("supportbot: error: ") and err.count("\n") == 1


def test_classify_unknown_affected_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_exiting(capsys, "classify", "--affected", "everyone", "--data-loss", "no")
    assert code == 2 and "invalid choice: 'everyone'" in err


# -- calendar ---------------------------------------------------------------------------------


def test_calendar_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "calendar", "--year", "2026", "--json")
    assert code == 0
    days = json.loads(out)
    assert days[0] == {"date": "2026-01-01", "name": "New Year's Day"}
    assert {"date": "2026-05-15", "name": "Friday after Ascension Day"} in days
    assert {"date": "2026-06-05", "name": "Constitution Day"} in days
    assert days[-1] == {"date": "2026-12-31", "name": "New Year's Eve"}
    assert len(days) == 11


def test_calendar_plain_text_names_weekdays(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "calendar", "--year", "2026")
    assert code == 0
    assert "2026-12-24  Thu  Christmas Eve" in out.splitlines()


@pytest.mark.parametrize("year", ["1066", "10000", "-5"])
def test_calendar_year_out_of_range(capsys: pytest.CaptureFixture[str], year: str) -> None:
    code, out, err = run(capsys, "calendar", f"--year={year}")
    assert (code, out) == (2, "")
    assert "out of range" in err and err.count("\n") == 1


# -- whole process ----------------------------------------------------------------------------


def _cli(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from bot.cli.main import main; raise SystemExit(main())", *argv],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=60,
    )


def test_malformed_policy_file_stops_with_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "policy.toml"
    bad.write_text(POLICY.read_text().replace('close = "16:00"', 'close = "4 pm"'))
    result = _cli("calendar", "--year", "2026", env={"SUPPORTBOT_POLICY": str(bad)})
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        f"supportbot: error: policy {bad}: operating_hours.close: must be HH:MM, got '4 pm'\n"
    )


def test_deployment_policy_changes_due_times(tmp_path: Path) -> None:
    own = tmp_path / "policy.toml"
    own.write_text(
        POLICY.read_text().replace(
            "extra_closing_days = []",
            'extra_closing_days = [{ date = "2026-12-28", name = "Company day off" }]',
        )
    )
    result = _cli(
        "sla",
        "due",
        "--priority",
        "highest",
        "--opened",
        "2026-12-23T15:30+01:00",
        env={"SUPPORTBOT_POLICY": str(own)},
    )
    assert (result.returncode, result.stdout) == (0, "2026-12-29T08:30:00+01:00\n")


def test_core_commands_import_no_storage_or_chat_sdk() -> None:
    probe = (
        "import sys; from bot.cli.main import main; "
        "main(['sla', 'due', '--priority', 'high', '--opened', '2026-01-05T10:00Z']); "
        "main(['classify', '--inquiry']); main(['calendar', '--year', '2026']); "
        "heavy = ('sqlmodel', 'sqlalchemy', 'pydantic', 'rich', 'slack_sdk', 'slack_bolt', "
        "'botbuilder', 'aiohttp', 'apscheduler', 'businesstimedelta', 'holidays', "
        "'asyncio'); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "[]"


# -- the one-pass reader of `sla due` ---------------------------------------------------------

_VALUES = ["2026-01-05T10:00Z", "2026-12-23T15:30+01:00", "", "-1", "--", "-h", "x", "--json", "-x"]
_PRIORITIES = ["high", "lowest", "urgent", "", "-h", "--opened", "hi"]
_ODD = ["-h", "--help", "--op", "--pri", "--js", "--", "--version", "-5", "", "x", "--opened"]
_CHUNKS = st.one_of(
    st.lists(st.sampled_from(_VALUES), max_size=3).map(lambda vs: ["--opened", *vs]),
    st.sampled_from(_VALUES).map(lambda v: [f"--opened={v}"]),
    st.sampled_from(_PRIORITIES).map(lambda p: ["--priority", p]),
    st.sampled_from(_PRIORITIES).map(lambda p: [f"--priority={p}"]),
    st.just(["--json"]),
    st.sampled_from(_ODD).map(lambda t: [t]),
)


@settings(max_examples=400, deadline=None)
@example(["--priority", "high", "--opened", "2026-01-05T10:00Z", "--"])
@example(["--priority", "high", "--opened", "", "--opened=", "--opened=-1"])
@example(["--priority", "high", "--opened=--"])
@example(["--priority", "high", "--opened", "2026-01-05T10:00Z", "-", "--json"])
@example(["--priority", "urgent", "--opened", "2026-01-05T10:00Z", "--priority", "high"])
@given(st.lists(_CHUNKS, max_size=6).map(lambda chunks: [t for c in chunks for t in c]))
def test_sla_due_fast_reader_agrees_with_argparse_or_declines(tokens: list[str]) -> None:
    # Whatever the one-pass reader accepts, argparse reads identically; everything else is left
    # to argparse, so usage lines and errors are argparse's own.
    argv = ["sla", "due", *tokens]
    quick = quick_parse(argv)
    stderr, stdout = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(stdout):
            parsed = vars(build_parser().parse_args(argv))
    except SystemExit:
        parsed = None
    if quick is not None:
        assert vars(quick) == parsed


def test_sla_due_with_ten_thousand_instants_skips_argparse() -> None:
    argv = ["sla", "due", "--priority", "medium"]
    for day in range(1, 10_001):
        value = f"2026-02-0{day % 9 + 1}T12:00Z"
        argv += ["--opened", value] if day % 2 else [f"--opened={value}"]
    quick = quick_parse(argv)
    assert quick is not None and len(quick.opened) == 10_000
    assert vars(quick) == vars(build_parser().parse_args(argv))


def test_sla_due_help_is_argparse_usage(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_exiting(capsys, "sla", "due", "--priority", "high", "-h")
    assert code == 0
    assert out.startswith("usage: supportbot sla due [-h] --priority")


def test_another_countrys_calendar_comes_from_the_holidays_package(tmp_path: Path) -> None:
    swedish = tmp_path / "policy.toml"
    swedish.write_text(
        POLICY.read_text()
        .replace('country = "DK"', 'country = "SE"')
        .replace("bank_holidays = true", "bank_holidays = false")
    )
    env = {"SUPPORTBOT_POLICY": str(swedish)}
    calendar = _cli("calendar", "--year", "2026", env=env)
    assert calendar.returncode == 0, calendar.stderr
    assert "2026-01-06" in calendar.stdout and "Epiphany" in calendar.stdout
    assert "Constitution Day" not in calendar.stdout  # no Danish bank days
    due = _cli("sla", "due", "--priority", "medium", "--opened", "2026-01-05T15:00+01:00", env=env)
    assert (due.returncode, due.stdout) == (0, "2026-01-07T15:00:00+01:00\n")
    swedish.write_text(POLICY.read_text().replace('country = "DK"', 'country = "SE"'))
    refused = _cli("calendar", "--year", "2026", env=env)
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1
    assert "calendar.bank_holidays: bank closing days are known for DK only" in refused.stderr
