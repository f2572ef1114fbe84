"""`supportbot serve` meeting Slack at start-up: unreachable or refusing Slack is a one-line
error (exit 2); a signal during start-up or while serving ends it promptly.

The real command runs in a subprocess; nothing sleeps: every wait has a timeout.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from adapters.teams.runtime import ANONYMOUS_NOTICE
from tests.adapters.slack.fake_slack import FakeSlack

SUPPORTBOT = str(Path(sys.executable).parent / "supportbot")
SOCKET_MODE = {"SLACK_APP_TOKEN": "xapp-test", "SLACK_BOT_TOKEN": "xoxb-test"}
HTTP_MODE = {"SLACK_SIGNING_SECRET": "secret", "SLACK_BOT_TOKEN": "xoxb-test"}
EXIT_TIMEOUT = 30.0  # generous for a loaded machine; a hang fails the test, not the suite


def _env(tmp_path: Path, api_url: str, slack: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MICROSOFT_"))}
    return {
        **env,
        **slack,
        "SLACK_API_URL": api_url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
    }


def _free_port() -> int:
    """A loopback port nothing listens on (just now)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@asynccontextmanager
async def _serve(
    tmp_path: Path, api_url: str, slack: dict[str, str], *args: str
) -> AsyncIterator[asyncio.subprocess.Process]:
    process = await asyncio.create_subprocess_exec(
        SUPPORTBOT,
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(_free_port()),
        *args,
        env=_env(tmp_path, api_url, slack),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        yield process
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def _finish(process: asyncio.subprocess.Process) -> tuple[int, str, str]:
    out, err = await asyncio.wait_for(process.communicate(), EXIT_TIMEOUT)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


@pytest.mark.parametrize("mode", [SOCKET_MODE, HTTP_MODE], ids=["socket", "http"])
async def test_unreachable_slack_is_a_one_line_error(tmp_path: Path, mode: dict[str, str]) -> None:
    port = _free_port()
    async with _serve(tmp_path, f"http://127.0.0.1:{port}/api/", mode) as process:
        status, out, err = await _finish(process)

    assert status == 2
    assert err.count("\n") == 1, err
    assert err.startswith(f"supportbot: error: cannot reach Slack at http://127.0.0.1:{port}/api/")
    assert "serving" not in out


async def test_a_refused_token_is_named(tmp_path: Path, fake_slack: FakeSlack) -> None:
    fake_slack.tokens = {"xoxb-other"}

    async with _serve(tmp_path, fake_slack.api_url, HTTP_MODE) as process:
        status, _, err = await _finish(process)

    assert status == 2
    assert err == "supportbot: error: Slack refused SLACK_BOT_TOKEN: invalid_auth\n"


async def test_a_refused_app_token_is_named(tmp_path: Path, fake_slack: FakeSlack) -> None:
    fake_slack.tokens = {"xoxb-test"}  # the app-level token is not one Slack knows

    async with _serve(tmp_path, fake_slack.api_url, SOCKET_MODE) as process:
        status, _, err = await _finish(process)

    assert status == 2
    assert err == "supportbot: error: Slack refused SLACK_APP_TOKEN: invalid_auth\n"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
async def test_a_signal_ends_a_start_up_that_slack_never_answers(
    tmp_path: Path, sig: signal.Signals
) -> None:
    silent = socket.socket()  # accepts connections, never answers them
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    silent.setblocking(False)
    port = silent.getsockname()[1]
    loop = asyncio.get_running_loop()
    try:
        async with _serve(tmp_path, f"http://127.0.0.1:{port}/api/", SOCKET_MODE) as process:
            caller, _ = await asyncio.wait_for(loop.sock_accept(silent), EXIT_TIMEOUT)
            try:
                process.send_signal(sig)  # serve is waiting for auth.test
                status, out, err = await _finish(process)
            finally:
                caller.close()
    finally:
        silent.close()

    assert status == 0, err
    assert "Traceback" not in err and "serving" not in out


async def test_a_signal_stops_a_running_server(tmp_path: Path, fake_slack: FakeSlack) -> None:
    fake_slack.tokens = {"xoxb-test", "xapp-test"}

    async with _serve(tmp_path, fake_slack.api_url, SOCKET_MODE) as process:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), EXIT_TIMEOUT)
        assert b"supportbot serving on http://127.0.0.1:" in line and b"Socket Mode" in line
        process.send_signal(signal.SIGTERM)
        status, _, err = await _finish(process)

    assert status == 0, err
    # Nothing but the anonymous Teams endpoint's one line (no MICROSOFT_APP_ID here), nor
    # Bolt's "As you gave `client` as well, `token` will be unused."
    assert err == ANONYMOUS_NOTICE + "\n"
