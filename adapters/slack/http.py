"""POST /slack/events and the OAuth pages: one signature check, and a fast `/ticket` ack.

Every request is verified here, once, before anything else happens (wrong or stale signature:
401, nothing touched), so Bolt's own verification is switched off. The headers are checked
before the body is read; the body is read in chunks up to MAX_BODY, and all bodies not yet
verified share UNVERIFIED_BYTES of memory, so unsigned floods cannot grow the process. A signed
body our listeners could not read (payloads.py) is a 400. `/ticket` is then answered
200 at once and the modal opened in the background (Slack's trigger_id stays valid for 3 s,
far longer than that takes). Everything else goes through Bolt's `AsyncApp.async_dispatch`.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.request.internals import parse_body
from slack_sdk.signature import Clock, SignatureVerifier

from adapters.slack.background import Background
from adapters.slack.handlers import SlackHandlers
from adapters.slack.payloads import malformed
from adapters.slack.surface import COMMAND

__all__ = ["MAX_BODY", "UNVERIFIED_BYTES", "SlackHttp"]

# Slack's payloads are kilobytes; a megabyte leaves room for the largest modal state.
MAX_BODY = 1 << 20
# Bodies being read before their signature is checked, together (eight full-size ones, or
# thousands of Slack's usual few kilobytes).
UNVERIFIED_BYTES = 8 << 20
# Slack's replay window: older (or future) timestamps are refused, as slack_sdk does.
MAX_SKEW_SECONDS = 300
_TIMESTAMP = re.compile(r"[0-9]{1,12}", re.ASCII)
_CHUNK = 64 << 10


class SlackHttp:
    """The aiohttp handlers of the Slack app."""

    def __init__(
        self,
        app: AsyncApp,
        handlers: SlackHandlers,
        *,
        signing_secret: str,
        background: Background,
        clock: Clock | None = None,
    ) -> None:
        self.app = app
        self.handlers = handlers
        self.background = background
        self._clock = clock or Clock()
        self._verifier = SignatureVerifier(signing_secret, self._clock)
        self._unverified_free = UNVERIFIED_BYTES

    def add_routes(self, router: web.UrlDispatcher, *, oauth: bool) -> None:
        """Mount POST /slack/events (and the install pages when OAuth is configured)."""
        router.add_post("/slack/events", self.events)
        if oauth:
            router.add_get("/slack/install", self.install)
            router.add_get("/slack/oauth_redirect", self.oauth_redirect)

    async def events(self, request: web.Request) -> web.StreamResponse:
        """Slash commands, events and interactivity, all on one URL."""
        timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
        signature = request.headers.get("X-Slack-Signature", "")
        if not (
            _TIMESTAMP.fullmatch(timestamp)
            and abs(self._clock.now() - int(timestamp)) <= MAX_SKEW_SECONDS
            and signature.startswith("v0=")
        ):
            return _refused(401, "invalid or stale signature")
        size = request.content_length
        if size is not None and size > MAX_BODY:
            return _too_large()
        reserve = MAX_BODY if size is None else size
        if reserve > self._unverified_free:
            return _refused(503, "busy, try again", {"Retry-After": "1"})
        self._unverified_free -= reserve
        try:
            raw = await _read_at_most(request, MAX_BODY)
            if raw is None:
                return _too_large()
            try:  # Slack sends UTF-8 (and slack_sdk can only verify text)
                body = raw.decode("utf-8")
            except UnicodeDecodeError:
                return web.Response(status=400, text="the request body is not UTF-8")
            if not self._verifier.is_valid(body, timestamp, signature):
                return web.Response(status=401, text="invalid or stale signature")
        finally:
            self._unverified_free += reserve
        return await self._verified(request, body)

    async def _verified(self, request: web.Request, body: str) -> web.StreamResponse:
        if request.content_type == "application/x-www-form-urlencoded" and "command=" in body:
            form = dict(parse_qsl(body))
            if form.get("command") == COMMAND:
                if problem := malformed(form):
                    return web.Response(status=400, text=problem)
                self.background.spawn(self.handlers.ticket_command(form), name="ticket-command")
                return web.Response(status=200)
        try:  # as Bolt will parse it: JSON, or a form whose `payload` is JSON
            parsed = parse_body(body, request.content_type)
        except (ValueError, RecursionError):  # RecursionError: nested too deep to parse
            return web.Response(status=400, text="malformed request body")
        if not isinstance(parsed, dict):
            return web.Response(status=400, text="the request body is not a JSON object")
        if problem := malformed(parsed):
            return web.Response(status=400, text=problem)
        bolt_request = AsyncBoltRequest(
            body=body, query=request.query_string, headers=dict(request.headers)
        )
        return await to_aiohttp_response(await self.app.async_dispatch(bolt_request))

    async def install(self, request: web.Request) -> web.Response:
        """GET /slack/install: the 'Add to Slack' page (starts OAuth)."""
        flow = self.app.oauth_flow
        if flow is None:
            raise web.HTTPNotFound()
        bolt_request = AsyncBoltRequest(
            body="", query=request.query_string, headers=dict(request.headers)
        )
        return await to_aiohttp_response(await flow.handle_installation(bolt_request))

    async def oauth_redirect(self, request: web.Request) -> web.Response:
        """GET /slack/oauth_redirect: Slack returns here with the code after installing."""
        flow = self.app.oauth_flow
        if flow is None:
            raise web.HTTPNotFound()
        bolt_request = AsyncBoltRequest(
            body="", query=request.query_string, headers=dict(request.headers)
        )
        return await to_aiohttp_response(await flow.handle_callback(bolt_request))


def _too_large() -> web.Response:
    return _refused(413, f"the request body is larger than {MAX_BODY} bytes")


def _refused(status: int, text: str, headers: dict[str, str] | None = None) -> web.Response:
    """A refusal before the body was read: the connection closes, so the rest is never read
    (aiohttp would otherwise read it to the end to keep the connection)."""
    response = web.Response(status=status, text=text, headers=headers)
    response.force_close()
    return response


async def _read_at_most(request: web.Request, limit: int) -> bytes | None:
    """The body, read in chunks; None as soon as it grows past `limit` (the rest is unread)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_chunked(_CHUNK):
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
