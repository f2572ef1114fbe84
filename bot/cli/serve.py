"""`supportbot serve`: the Slack app (HTTP or Socket Mode), health check and outbox pump."""

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
        help="run the Slack app server",
        description=(
            "Serve Slack on POST /slack/events (Socket Mode instead when SLACK_APP_TOKEN is "
            "set), /slack/install and /slack/oauth_redirect when SLACK_CLIENT_ID and "
            "SLACK_CLIENT_SECRET are set, and GET /healthz."
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

    from adapters.slack.settings import SlackConfigError, SlackSettings

    port = _port(args)
    host = args.host or os.environ.get("HOST", "").strip() or "0.0.0.0"
    try:
        settings = SlackSettings.from_env()
    except SlackConfigError as exc:
        raise CliError(str(exc)) from None
    asyncio.run(_run(settings, host=host, port=port))
    return 0


async def _run(settings: Any, *, host: str, port: int) -> None:
    """Build the desk and the server (the composition root), serve until SIGINT/SIGTERM."""
    import asyncio
    import signal

    from adapters.slack.startup import SlackUnavailableError
    from adapters.web.server import build_server, run_server
    from bot.app.clock import SystemClock
    from bot.app.desk import Desk
    from bot.cli.database import open_configured
    from bot.cli.database import policy as load_policy
    from storage.monitoring import SqlMonitoring

    policy = load_policy()
    store = await open_configured(policy.ticket_prefix)
    try:
        desk = Desk.create(
            store=store, clock=SystemClock(), policy=policy, monitoring=SqlMonitoring(store)
        )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        try:
            server = await build_server(desk, settings, engine=store.engine)
            await run_server(server, host=host, port=port, stop=stop)
        except SlackUnavailableError as exc:
            raise CliError(str(exc)) from None
        except OSError as exc:
            raise CliError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    finally:
        await store.close()
