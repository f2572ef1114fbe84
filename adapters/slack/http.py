"""POST /slack/events and the OAuth pages: one signature check, and a fast `/ticket` ack.

Every request is verified here, once, before anything else happens (wrong or stale signature:
401, nothing touched), so Bolt's own verification is switched off. `/ticket` is then answered
200 at once and the modal opened in the background (Slack's trigger_id stays valid for 3 s,
far longer than that takes). Everything else goes through Bolt's `AsyncApp.async_dispatch`.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.request.internals import parse_body
from slack_sdk.signature import Clock, SignatureVerifier

from adapters.slack.background import Background
from adapters.slack.handlers import SlackHandlers
from adapters.slack.surface import COMMAND

__all__ = ["SlackHttp"]


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
        self._verifier = SignatureVerifier(signing_secret, clock or Clock())

    def add_routes(self, router: web.UrlDispatcher, *, oauth: bool) -> None:
        """Mount POST /slack/events (and the install pages when OAuth is configured)."""
        router.add_post("/slack/events", self.events)
        if oauth:
            router.add_get("/slack/install", self.install)
            router.add_get("/slack/oauth_redirect", self.oauth_redirect)

    async def events(self, request: web.Request) -> web.StreamResponse:
        """Slash commands, events and interactivity, all on one URL."""
        raw = await request.read()
        timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
        signature = request.headers.get("X-Slack-Signature", "")
        try:  # Slack sends UTF-8 (and slack_sdk can only verify text)
            body = raw.decode("utf-8")
        except UnicodeDecodeError:
            return web.Response(status=400, text="the request body is not UTF-8")
        if not (timestamp.isdigit() and self._verifier.is_valid(body, timestamp, signature)):
            return web.Response(status=401, text="invalid or stale signature")
        if request.content_type == "application/x-www-form-urlencoded" and "command=" in body:
            form = dict(parse_qsl(body))
            if form.get("command") == COMMAND:
                self.background.spawn(self.handlers.ticket_command(form), name="ticket-command")
                return web.Response(status=200)
        try:  # as Bolt will parse it: JSON, or a form whose `payload` is JSON
            parsed = parse_body(body, request.content_type)
        except ValueError:
            return web.Response(status=400, text="malformed request body")
        if not isinstance(parsed, dict):
            return web.Response(status=400, text="the request body is not a JSON object")
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
