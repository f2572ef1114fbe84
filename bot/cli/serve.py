"""`supportbot serve`: every configured chat platform, the health check and the outbox pump."""

from __future__ import annotations

import argparse
import os
from typing import Any

from bot.cli.main import CliError

DEFAULT_PORT = 3000


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Register this module's subcommands."""
    parser = sub.add_parser(
        "serve",
        help="serve the configured chat platforms",
        description=(
            "Serve every chat platform configured in the environment, GET /healthz, and the "
            "outbox. Slack (SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET, or OAuth installs with "
            "SLACK_CLIENT_ID and SLACK_CLIENT_SECRET) on POST /slack/events, or over Socket "
            "Mode when SLACK_APP_TOKEN is set."
        ),
    )
    parser.add_argument("--port", type=int, default=None, help="port (default: $PORT, else 3000)")
    parser.add_argument(
        "--host", default=None, help="interface to listen on (default: $HOST, else 0.0.0.0)"
    )
    parser.set_defaults(handler=_serve)


def _port(args: argparse.Namespace) -> int:
    if args.port is not None:
        port = int(args.port)
    else:
        raw = os.environ.get("PORT", "").strip()
        if not raw:
            return DEFAULT_PORT
        if not raw.isdigit():
            raise CliError(f"PORT must be a number, got {raw!r}")
        port = int(raw)
    if not 0 < port < 65536:
        raise CliError(f"port must be between 1 and 65535, got {port}")
    return port


def _serve(args: argparse.Namespace) -> int:
    import asyncio

    from bot.cli.compose import platforms_from_env, serve

    port = _port(args)
    host = args.host or os.environ.get("HOST", "").strip() or "0.0.0.0"
    platforms = platforms_from_env()
    asyncio.run(serve(platforms, host=host, port=port))
    return 0
