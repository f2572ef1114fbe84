"""The aiohttp server that mounts Slack, health and the outbox pump."""

from adapters.web.pump import OutboxPump
from adapters.web.server import Server, build_server, run_server

__all__ = ["OutboxPump", "Server", "build_server", "run_server"]
