"""Burst of concurrent signed `/ticket` requests: `supportbot serve` vs a minimal Bolt AsyncApp.

Both servers run as real subprocesses on loopback, pointed at the same local fake Slack Web
API (also a subprocess). Each round sends the same burst (default 200 requests at once) to
each server and measures the time to HTTP 200 per request, errors, and how many modals Slack
was asked to open (successfully) for that burst. Prints p50/p99/max and the p99 ratio.

    .venv/bin/python benchmarks/bench_slack.py [--burst 200] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
from slack_sdk.signature import SignatureVerifier

ROOT = Path(__file__).resolve().parents[1]
SECRET = "bench-signing-secret"
TOKEN = "xoxb-test"
TEAM, CHANNEL, USER = "T0001", "C0BENCH", "U0BENCH"

# The peer: the smallest Bolt app that acks `/ticket` and opens a modal, as Bolt's docs show.
MINIMAL_BOLT = """
import os, sys
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

app = AsyncApp(
    signing_secret=os.environ["SLACK_SIGNING_SECRET"],
    client=AsyncWebClient(
        token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"]
    ),
)

@app.command("/ticket")
async def ticket(ack, body, client):
    await ack()
    await client.views_open(trigger_id=body["trigger_id"], view={
        "type": "modal", "callback_id": "ticket",
        "title": {"type": "plain_text", "text": "New ticket"},
        "submit": {"type": "plain_text", "text": "File"},
        "blocks": [{"type": "input", "block_id": "summary",
                    "label": {"type": "plain_text", "text": "Summary"},
                    "element": {"type": "plain_text_input", "action_id": "value"}}],
    })

app.start(port=int(sys.argv[1]), path="/slack/events")
"""


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Result:
    """One burst against one server."""

    name: str
    latencies: list[float]
    errors: int
    modals: int
    cpu_ms: float  # the server's CPU time for the burst and the modals it opened

    def pct(self, q: float) -> float:
        """The q-quantile of the latencies, in ms (nearest rank)."""
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        index = min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))
        return ordered[index] * 1000


@contextlib.asynccontextmanager
async def process(
    args: list[str], env: dict[str, str], health: str
) -> AsyncIterator[subprocess.Popen[str]]:
    """Run a subprocess until `health` answers, yield it, then stop it."""
    proc = subprocess.Popen(
        args,
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        async with aiohttp.ClientSession() as http:
            deadline = time.monotonic() + 30
            while True:
                if proc.poll() is not None:
                    raise SystemExit(
                        f"{args[:3]} exited: {proc.stderr.read() if proc.stderr else ''}"
                    )
                try:
                    async with http.get(health) as response:
                        if response.status < 500:
                            break
                except aiohttp.ClientError:
                    pass
                if time.monotonic() > deadline:
                    raise SystemExit(f"{args[:3]} did not start")
                await asyncio.sleep(0.05)  # polling a starting subprocess, not a test
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def signed_command(trigger: str, response_url: str) -> tuple[bytes, dict[str, str]]:
    """A `/ticket` request body and the headers Slack would sign it with."""
    body = urlencode(
        {
            "token": "legacy",
            "team_id": TEAM,
            "team_domain": "bench",
            "channel_id": CHANNEL,
            "channel_name": "support",
            "user_id": USER,
            "user_name": "bench",
            "command": "/ticket",
            "text": "Sync stopped",
            "api_app_id": "A0001",
            "response_url": response_url,
            "trigger_id": trigger,
        }
    )
    ts = str(int(time.time()))
    signature = SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body)
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": str(signature),
    }
    return body.encode(), headers


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc), or NaN elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def burst(name: str, url: str, fake: str, prefix: str, size: int, pid: int) -> Result:
    """Send `size` signed /ticket requests at once; wait for the modals they should open."""
    cpu_before = cpu_seconds(pid)
    requests = [signed_command(f"{prefix}-{i}", f"{fake}response/{prefix}") for i in range(size)]
    latencies: list[float] = []
    errors = 0
    connector = aiohttp.TCPConnector(limit=0, force_close=True)
    async with aiohttp.ClientSession(connector=connector) as http:
        start = asyncio.Event()

        async def one(body: bytes, headers: dict[str, str]) -> None:
            nonlocal errors
            await start.wait()
            began = time.perf_counter()
            try:
                async with http.post(url, data=body, headers=headers) as response:
                    await response.read()
                    if response.status != 200:
                        errors += 1
                        return
            except aiohttp.ClientError:
                errors += 1
                return
            latencies.append(time.perf_counter() - began)

        tasks = [asyncio.create_task(one(b, h)) for b, h in requests]
        await asyncio.sleep(0)  # let every task reach the starting line
        start.set()
        await asyncio.gather(*tasks)
        modals = 0
        deadline = time.monotonic() + 10  # Slack's trigger ids live 3 s; allow slack here
        while time.monotonic() < deadline:
            async with http.get(f"{fake}stats", params={"prefix": prefix + "-"}) as response:
                modals = (await response.json())["views.open"]
            if modals >= size:
                break
            await asyncio.sleep(0.05)
    return Result(name, latencies, errors, modals, (cpu_seconds(pid) - cpu_before) * 1000)


async def seed(database_url: str) -> None:
    """A customer with a support channel and the registered contact who files tickets."""
    sys.path.insert(0, str(ROOT))
    from adapters.slack.settings import PLATFORM
    from bot.domain.models import ChatBinding, Identity, Role
    from storage import open_store

    store = await open_store(database_url)
    try:
        async with store.unit() as uow:
            customer = await uow.customers.add(
                name="Bench A/S", bindings=[ChatBinding(PLATFORM, TEAM, CHANNEL)]
            )
            await uow.contacts.add(
                customer_id=customer.id,
                identity=Identity(PLATFORM, USER),
                role=Role.CUSTOMER,
            )
    finally:
        await store.close()


async def main() -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--burst", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    python = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        database_url = f"sqlite:///{tmp}/bench.db"
        await seed(database_url)
        fake_port, ours_port, bolt_port = free_port(), free_port(), free_port()
        fake = f"http://127.0.0.1:{fake_port}/"
        env = {
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_API_URL": fake + "api/",
            "DATABASE_URL": database_url,
            "PYTHONPATH": str(ROOT),
        }
        for name in ("SLACK_APP_TOKEN", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET"):
            os.environ.pop(name, None)
        serve = [
            python,
            "-m",
            "bot.cli.main",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(ours_port),
        ]
        fake_cmd = [python, "-m", "tests.adapters.slack.fake_slack", str(fake_port)]
        bolt_cmd = [python, "-c", MINIMAL_BOLT, str(bolt_port)]
        async with (
            process(fake_cmd, env, fake + "stats"),
            process(serve, env, f"http://127.0.0.1:{ours_port}/healthz") as ours,
            process(bolt_cmd, env, f"http://127.0.0.1:{bolt_port}/slack/events") as bolt,
        ):
            targets = {
                "supportbot serve": (f"http://127.0.0.1:{ours_port}/slack/events", ours.pid),
                "minimal Bolt AsyncApp": (f"http://127.0.0.1:{bolt_port}/slack/events", bolt.pid),
            }
            for name, (url, pid) in targets.items():  # warm up: first-request costs (auth.test)
                await burst(name, url, fake, f"warm-{name[:4]}", 5, pid)
            results: dict[str, list[Result]] = {name: [] for name in targets}
            for round_ in range(args.rounds):
                order = list(targets.items()) if round_ % 2 == 0 else list(targets.items())[::-1]
                for name, (url, pid) in order:
                    prefix = f"r{round_}-{name[:4]}"
                    results[name].append(await burst(name, url, fake, prefix, args.burst, pid))
    print(f"burst of {args.burst} concurrent signed /ticket requests, {args.rounds} rounds")
    print(
        f"{'server':24} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'errors':>7} {'modals':>7} "
        f"{'CPU ms':>7}"
    )
    p99: dict[str, float] = {}
    for name, rounds in results.items():
        for r in rounds:
            print(
                f"{name:24} {r.pct(0.5):8.1f} {r.pct(0.99):8.1f} {r.pct(1.0):8.1f} "
                f"{r.errors:7d} {r.modals:7d} {r.cpu_ms:7.0f}"
            )
        p99[name] = statistics.median(r.pct(0.99) for r in rounds)
    ours, peer = p99["supportbot serve"], p99["minimal Bolt AsyncApp"]
    print(
        f"median p99: supportbot {ours:.1f} ms, minimal Bolt {peer:.1f} ms, ratio {ours / peer:.2f}"
    )
    ok = (
        all(r.errors == 0 and r.modals == args.burst for r in results["supportbot serve"])
        and ours <= peer / 2
    )
    print(
        "target (p99 <= half of Bolt's, 0 errors, every modal opened):", "met" if ok else "MISSED"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
