"""A flood of large unsigned bodies against the real `supportbot serve`: the process does not grow.

The server runs in a subprocess (Linux: its resident memory is read from /proc/<pid>/status);
nothing sleeps, every wait has a timeout.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import time
from pathlib import Path

import aiohttp
import pytest

from tests.adapters.slack.fake_slack import FakeSlack

SUPPORTBOT = str(Path(sys.executable).parent / "supportbot")
FLOOD = 200
BODY = 1_000_000
GROWTH_LIMIT_KB = 50 * 1024
START_TIMEOUT = 30.0

pytestmark = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc")


def _memory_kb(pid: int) -> dict[str, int]:
    """VmRSS (resident now) and VmHWM (the peak so far) of a process, in kB."""
    fields: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0])
    return fields


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _flood(url: str, headers: dict[str, str]) -> list[int | str]:
    """FLOOD bodies of BODY bytes at once; each request's status, or the error that ended it."""
    body = b"{" + b" " * (BODY - 2) + b"}"
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:

        async def one() -> int | str:
            try:
                async with http.post(url, data=body, headers=headers) as response:
                    await response.read()
                    return response.status
            except aiohttp.ClientError as exc:  # refused mid-upload: the server hung up
                return type(exc).__name__

        return list(await asyncio.gather(*(one() for _ in range(FLOOD))))


@pytest.mark.parametrize("signed_looking", [False, True], ids=["no-signature", "bad-signature"])
async def test_unsigned_megabyte_bodies_do_not_grow_the_server(
    tmp_path: Path, fake_slack: FakeSlack, signed_looking: bool
) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env |= {
        "SLACK_SIGNING_SECRET": "secret",
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_API_URL": fake_slack.api_url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
    }
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
        line = await asyncio.wait_for(process.stdout.readline(), START_TIMEOUT)
        assert b"serving on" in line, line
        url = f"http://127.0.0.1:{port}/slack/events"
        async with aiohttp.ClientSession() as http:  # warm up the request path once
            async with http.post(url, data=b"{}") as response:
                assert response.status == 401
        idle = _memory_kb(process.pid)["VmRSS"]

        headers = {"Content-Type": "application/json"}
        if signed_looking:  # fresh timestamp, wrong signature: the body must be read to tell
            headers |= {
                "X-Slack-Request-Timestamp": str(int(time.time())),
                "X-Slack-Signature": "v0=" + "0" * 64,
            }
        outcomes = await _flood(url, headers)
        peak = _memory_kb(process.pid)["VmHWM"]
    finally:
        process.kill()
        await process.wait()

    assert set(outcomes) <= {401, 503, "ServerDisconnectedError", "ClientOSError"}, outcomes
    assert outcomes.count(401) > 0
    assert peak - idle <= GROWTH_LIMIT_KB, f"grew {peak - idle} kB (idle {idle} kB)"
