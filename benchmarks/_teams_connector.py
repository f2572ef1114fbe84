"""A local stand-in for the Bot Connector service, for the Teams benchmark.

Answers what a bot calls while replying (send to / reply in a conversation, update, create a
conversation, members) and counts the Adaptive Cards sent, by the id of the activity they
answer. `GET /stats?prefix=P` returns {"cards": n, "activities": m} for replies to activities
whose id starts with P.

    python benchmarks/_teams_connector.py PORT
"""

from __future__ import annotations

import itertools
import sys
from collections import Counter

from aiohttp import web

CARD = "application/vnd.microsoft.card.adaptive"


def build() -> web.Application:
    """The fake connector's aiohttp application."""
    cards: Counter[str] = Counter()
    activities: Counter[str] = Counter()
    ids = itertools.count(1)

    async def send(request: web.Request) -> web.Response:
        body = await request.json()
        answered = request.match_info.get("reply_to") or body.get("replyToId") or ""
        activities[answered] += 1
        if any(a.get("contentType") == CARD for a in body.get("attachments") or []):
            cards[answered] += 1
        return web.json_response({"id": f"sent-{next(ids)}"})

    async def update(request: web.Request) -> web.Response:
        await request.read()
        return web.json_response({"id": request.match_info["activity"]})

    async def create(request: web.Request) -> web.Response:
        await request.read()
        return web.json_response({"id": f"a:created-{next(ids)}", "activityId": ""})

    async def members(request: web.Request) -> web.Response:
        return web.json_response([])

    async def stats(request: web.Request) -> web.Response:
        prefix = request.query.get("prefix", "")
        return web.json_response(
            {
                "cards": sum(n for k, n in cards.items() if k.startswith(prefix)),
                "activities": sum(n for k, n in activities.items() if k.startswith(prefix)),
            }
        )

    app = web.Application()
    app.router.add_post("/v3/conversations/{conversation}/activities", send)
    app.router.add_post("/v3/conversations/{conversation}/activities/{reply_to}", send)
    app.router.add_put("/v3/conversations/{conversation}/activities/{activity}", update)
    app.router.add_post("/v3/conversations", create)
    app.router.add_get("/v3/conversations/{conversation}/members", members)
    app.router.add_get("/v3/conversations/{conversation}/members/{member}", members)
    app.router.add_get("/stats", stats)
    return app


if __name__ == "__main__":
    web.run_app(build(), host="127.0.0.1", port=int(sys.argv[1]), print=None)
