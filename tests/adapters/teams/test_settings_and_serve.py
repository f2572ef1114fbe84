"""Teams configuration from the environment, and `supportbot serve` with Teams alone."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import aiohttp
import pytest

from adapters.teams.runtime import ANONYMOUS_NOTICE
from adapters.teams.settings import TeamsConfigError, TeamsSettings
from bot.cli.compose import platforms_from_env
from bot.cli.main import main

SUPPORTBOT = str(Path(sys.executable).parent / "supportbot")
EXIT_TIMEOUT = 30.0
APP = {"MICROSOFT_APP_ID": "5a3c1e7d-2f4b-4c8a-9e6d-0b1a2c3d4e5f"}


def test_no_app_id_is_anonymous() -> None:
    assert TeamsSettings.from_env({}).anonymous


def test_an_app_with_its_password_is_multi_tenant_by_default() -> None:
    settings = TeamsSettings.from_env({**APP, "MICROSOFT_APP_PASSWORD": "pw"})
    assert not settings.anonymous and settings.app_type == "MultiTenant"
    assert "pw" not in repr(settings)


def test_the_app_type_is_read_whatever_its_case() -> None:
    env = {**APP, "MICROSOFT_APP_TYPE": "singletenant", "MICROSOFT_APP_TENANT_ID": "t"}
    settings = TeamsSettings.from_env({**env, "MICROSOFT_APP_PASSWORD": "pw"})
    assert settings.app_type == "SingleTenant" and settings.tenant_id == "t"
    msi = TeamsSettings.from_env({**env, "MICROSOFT_APP_TYPE": "UserAssignedMSI"})
    assert msi.app_type == "UserAssignedMSI" and not msi.password


@pytest.mark.parametrize(
    ("env", "complaint"),
    [
        (APP, "set MICROSOFT_APP_PASSWORD too"),
        ({"MICROSOFT_APP_PASSWORD": "pw"}, "set MICROSOFT_APP_ID too"),
        ({**APP, "MICROSOFT_APP_TYPE": "Personal"}, "must be one of"),
        (
            {**APP, "MICROSOFT_APP_PASSWORD": "pw", "MICROSOFT_APP_TYPE": "SingleTenant"},
            "MICROSOFT_APP_TENANT_ID",
        ),
    ],
)
def test_unusable_settings_are_named(env: dict[str, str], complaint: str) -> None:
    with pytest.raises(TeamsConfigError, match=complaint):
        TeamsSettings.from_env(env)


def test_teams_is_served_without_any_slack_variable() -> None:
    platforms = platforms_from_env({})
    assert platforms.slack is None and platforms.teams is not None


def test_an_app_id_without_its_password_stops_serve_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in list(os.environ):
        if name.startswith(("SLACK_", "MICROSOFT_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("MICROSOFT_APP_ID", APP["MICROSOFT_APP_ID"])

    assert main(["serve"]) == 2

    assert capsys.readouterr().err == (
        "supportbot: error: Teams: MICROSOFT_APP_ID is set: set MICROSOFT_APP_PASSWORD too\n"
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_serve_runs_teams_alone_anonymously_and_says_so(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MICROSOFT_"))}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'serve.db'}"
    port = _free_port()
    process = await asyncio.create_subprocess_exec(
        SUPPORTBOT,
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), EXIT_TIMEOUT)
        assert b"Teams: HTTP /api/messages (anonymous, local use only)" in line
        assert b"Slack" not in line
        async with aiohttp.ClientSession() as http:
            async with http.post(
                f"http://127.0.0.1:{port}/api/messages",
                json={"type": "message", "text": "hi"},
                headers={"Authorization": "Bearer not-a-token"},
            ) as response:
                assert response.status == 401
            async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                health = await response.json()
        assert health["runtimes"] == {"teams": {"mode": "anonymous"}}
        process.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(process.communicate(), EXIT_TIMEOUT)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()

    assert process.returncode == 0, err
    assert err.decode() == ANONYMOUS_NOTICE + "\n"  # one line, and nothing else
