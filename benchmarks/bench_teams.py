"""Burst of concurrent `ticket` messages to Teams: `supportbot serve` vs a minimal CloudAdapter bot.

Both servers run as real subprocesses on loopback in anonymous mode (no MICROSOFT_APP_ID),
and every activity's serviceUrl points at the same local fake Bot Connector (also a
subprocess). Each round posts the same burst (default 200 activities at once, each from its
own registered contact in its own personal chat) to each server as Activity JSON on
/api/messages and measures the time to the HTTP answer (botbuilder answers a message with 201),
errors, and how many Adaptive Cards reached the connector in reply. Prints p50/p99/max per
round, the median p99 of each and their ratio; the target is supportbot's p99 at most the
minimal bot's, every card sent and no errors.

    .venv/bin/python benchmarks/bench_teams.py [--burst 200] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_slack import cpu_seconds, free_port, process  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TENANT = "9f3c1a2b-4d5e-4f60-8a71-b2c3d4e5f607"
CHANNEL = "19:bench-support@thread.tacv2"
BOT_ID = "28:bench-bot"

# The peer: the smallest botbuilder bot that answers every message with an Adaptive Card, as
# the Bot Framework samples build one (CloudAdapter on aiohttp, anonymous without an app id).
# Its card is an intake form of the same size and shape as supportbot's.
MINIMAL_BOT = """
import sys
from aiohttp import web
from botbuilder.core import ActivityHandler, CardFactory, MessageFactory
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication

class Config:
    APP_ID = ""
    APP_PASSWORD = ""
    APP_TYPE = "MultiTenant"
    APP_TENANTID = ""

def text(id, label, multi=False):
    return {"type": "Input.Text", "id": id, "label": label, "isMultiline": multi,
            "isRequired": True, "errorMessage": f"{label} is required"}

CARD = {
    "type": "AdaptiveCard", "version": "1.5",
    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
    "body": [
        {"type": "TextBlock", "text": "New support ticket", "weight": "Bolder", "size": "Medium"},
        text("summary", "Summary"),
        text("description", "What happened?", multi=True),
        {"type": "Input.ChoiceSet", "id": "affected", "label": "Who is affected?",
         "isRequired": True, "errorMessage": "Choose who is affected",
         "choices": [{"title": t, "value": v} for t, v in
                     (("All users", "all"), ("Some users", "some"), ("One user", "single"))]},
        {"type": "Input.ChoiceSet", "id": "data_loss", "label": "Is data lost?",
         "style": "expanded", "choices": [{"title": "Yes", "value": "yes"},
                                          {"title": "No", "value": "no"}]},
    ],
    "actions": [{"type": "Action.Submit", "title": "File ticket", "data": {"form": "intake"}}],
}

adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(Config()))

class Bot(ActivityHandler):
    async def on_message_activity(self, turn_context):
        await turn_context.send_activity(MessageFactory.attachment(CardFactory.adaptive_card(CARD)))

bot = Bot()

async def messages(request):
    return await adapter.process(request, bot)

async def health(request):
    return web.Response(text="ok")

app = web.Application()
app.router.add_post("/api/messages", messages)
app.router.add_get("/healthz", health)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None)
"""


def user_id(i: int) -> str:
    """The AAD object id of the i-th bench contact."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"supportbot-bench-teams-{i}"))


def activity(activity_id: str, i: int, service_url: str) -> dict[str, Any]:
    """A `ticket` message from contact i in their personal chat with the bot, as Teams sends it."""
    return {
        "type": "message",
        "id": activity_id,
        "timestamp": datetime.now(UTC).isoformat(),
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": {"id": f"29:bench-{i}", "name": f"Bench User {i}", "aadObjectId": user_id(i)},
        "conversation": {
            "id": f"a:bench-personal-{i}",
            "conversationType": "personal",
            "tenantId": TENANT,
        },
        "recipient": {"id": BOT_ID, "name": "supportbot"},
        "text": "ticket",
        "textFormat": "plain",
        "locale": "en-US",
        "channelData": {"tenant": {"id": TENANT}},
    }


@dataclass
class Result:
    """One burst against one server."""

    name: str
    latencies: list[float]
    errors: int
    cards: int
    cpu_ms: float  # the server's CPU time for the burst and the cards it sent

    def pct(self, q: float) -> float:
        """The q-quantile of the latencies, in ms (nearest rank)."""
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        index = min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))
        return ordered[index] * 1000


async def burst(name: str, url: str, fake: str, prefix: str, size: int, pid: int) -> Result:
    """Post `size` `ticket` activities at once; wait for the cards they should bring."""
    cpu_before = cpu_seconds(pid)
    bodies = [activity(f"{prefix}-{i}", i, fake) for i in range(size)]
    latencies: list[float] = []
    errors = 0
    connector = aiohttp.TCPConnector(limit=0, force_close=True)
    async with aiohttp.ClientSession(connector=connector) as http:
        start = asyncio.Event()

        async def one(body: dict[str, Any]) -> None:
            nonlocal errors
            await start.wait()
            began = time.perf_counter()
            try:
                async with http.post(url, json=body) as response:
                    await response.read()
                    if not 200 <= response.status < 300:
                        errors += 1
                        return
            except aiohttp.ClientError:
                errors += 1
                return
            latencies.append(time.perf_counter() - began)

        tasks = [asyncio.create_task(one(b)) for b in bodies]
        await asyncio.sleep(0)  # let every task reach the starting line
        start.set()
        await asyncio.gather(*tasks)
        cards = 0
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            async with http.get(f"{fake}stats", params={"prefix": prefix + "-"}) as response:
                cards = (await response.json())["cards"]
            if cards >= size:
                break
            await asyncio.sleep(0.05)  # polling another process for its count, not a test
    return Result(name, latencies, errors, cards, (cpu_seconds(pid) - cpu_before) * 1000)


async def seed(database_url: str, size: int) -> None:
    """A customer bound to the bench tenant, and `size` registered contacts who file tickets."""
    sys.path.insert(0, str(ROOT))
    from adapters.teams import PLATFORM
    from bot.domain.models import ChatBinding, Identity, Role
    from storage import open_store

    store = await open_store(database_url)
    try:
        async with store.unit() as uow:
            customer = await uow.customers.add(
                name="Bench A/S", bindings=[ChatBinding(PLATFORM, TENANT, CHANNEL)]
            )
            for i in range(size):
                await uow.contacts.add(
                    customer_id=customer.id,
                    identity=Identity(PLATFORM, user_id(i)),
                    role=Role.CUSTOMER,
                    display_name=f"Bench User {i}",
                )
    finally:
        await store.close()


async def main() -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--burst", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help="an empty database to use (default: a new SQLite file); e.g. PostgreSQL",
    )
    args = parser.parse_args()
    python = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        database_url = args.database_url or f"sqlite:///{tmp}/bench.db"
        await seed(database_url, args.burst)
        fake_port, ours_port, peer_port = free_port(), free_port(), free_port()
        fake = f"http://127.0.0.1:{fake_port}/"
        env = {"DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)}
        # Teams alone, anonymous: no Slack and no app id in the servers' environment.
        drop = ("SLACK_", "MICROSOFT_APP_")
        for name in [n for n in os.environ if n.startswith(drop)]:
            os.environ.pop(name)
        serve = [python, "-m", "bot.cli.main", "serve", "--host", "127.0.0.1"]
        serve += ["--port", str(ours_port)]
        fake_cmd = [python, str(ROOT / "benchmarks" / "_teams_connector.py"), str(fake_port)]
        peer_cmd = [python, "-c", MINIMAL_BOT, str(peer_port)]
        async with (
            process(fake_cmd, env, fake + "stats"),
            process(serve, env, f"http://127.0.0.1:{ours_port}/healthz") as ours,
            process(peer_cmd, env, f"http://127.0.0.1:{peer_port}/healthz") as peer,
        ):
            targets = {
                "supportbot serve": (f"http://127.0.0.1:{ours_port}/api/messages", ours.pid),
                "minimal CloudAdapter": (f"http://127.0.0.1:{peer_port}/api/messages", peer.pid),
            }
            # Warm up with the whole burst once: first contact stores each personal chat's
            # conversation reference, which a running desk has long done.
            for name, (url, pid) in targets.items():
                await burst(name, url, fake, f"warm-{name[:4]}", args.burst, pid)
            results: dict[str, list[Result]] = {name: [] for name in targets}
            for round_ in range(args.rounds):
                order = list(targets.items()) if round_ % 2 == 0 else list(targets.items())[::-1]
                for name, (url, pid) in order:
                    prefix = f"r{round_}-{name[:4]}"
                    results[name].append(await burst(name, url, fake, prefix, args.burst, pid))
    database = "PostgreSQL" if database_url.startswith("postgres") else "SQLite"
    print(f"burst of {args.burst} concurrent `ticket` activities, {args.rounds} rounds, {database}")
    print(
        f"{'server':24} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'errors':>7} {'cards':>7} "
        f"{'CPU ms':>7}"
    )
    p99: dict[str, float] = {}
    for name, rounds in results.items():
        for r in rounds:
            print(
                f"{name:24} {r.pct(0.5):8.1f} {r.pct(0.99):8.1f} {r.pct(1.0):8.1f} "
                f"{r.errors:7d} {r.cards:7d} {r.cpu_ms:7.0f}"
            )
        p99[name] = statistics.median(r.pct(0.99) for r in rounds)
    ours_p99, peer_p99 = p99["supportbot serve"], p99["minimal CloudAdapter"]
    print(
        f"median p99: supportbot {ours_p99:.1f} ms, minimal CloudAdapter {peer_p99:.1f} ms, "
        f"ratio {ours_p99 / peer_p99:.2f}"
    )
    ok = (
        all(r.errors == 0 and r.cards == args.burst for r in results["supportbot serve"])
        and ours_p99 <= peer_p99
    )
    print(
        "target (p99 <= the minimal bot's, 0 errors, every card sent):", "met" if ok else "MISSED"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
