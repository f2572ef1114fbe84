"""The aiohttp server: mounts the chat runtimes it is given, health, and the outbox pump."""

from adapters.web.pump import OutboxPump
from adapters.web.runtime import ChatRuntime, Hook
from adapters.web.server import Server, build_server, run_server

__all__ = ["ChatRuntime", "Hook", "OutboxPump", "Server", "build_server", "run_server"]
