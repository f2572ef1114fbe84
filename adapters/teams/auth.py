"""Who may talk to the bot: the Bot Framework's tokens, checked before anything else runs.

botbuilder raises all sorts of errors on a token it cannot read (a malformed JWT, an unknown
key, a foreign issuer); every one of them is a 401 here, never a 500. Without an app id the bot
is anonymous (the Bot Framework Emulator, the Teams App Test Tool): then only activities that
carry no token and whose replies go back to this machine are accepted, so a public deployment
that forgot its app id does not let anyone speak as any Teams user.
"""

from __future__ import annotations

import ipaddress
import logging
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity
from botframework.connector.auth import (
    AuthenticateRequestResult,
    AuthenticationConstants,
    BotFrameworkAuthentication,
    ServiceClientCredentialsFactory,
)

from adapters.teams.settings import TeamsSettings

__all__ = ["authenticate", "build_authentication", "is_loopback"]

log = logging.getLogger(__name__)


def build_authentication(
    settings: TeamsSettings, credentials: ServiceClientCredentialsFactory | None = None
) -> BotFrameworkAuthentication:
    """The Bot Framework authentication for `settings` (public cloud, or the OpenID metadata
    they name); `credentials` replaces how outgoing calls get their tokens (tests)."""
    config: dict[str, Any] = {
        "APP_ID": settings.app_id,
        "APP_PASSWORD": settings.password,
        "APP_TYPE": settings.app_type,
        "APP_TENANTID": settings.tenant_id,
    }
    if settings.openid_metadata_url:
        # Naming any of these switches botbuilder to its parameterized authentication, which
        # then needs the rest: the public cloud's values, but keys from the given metadata.
        config.update(
            TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL=settings.openid_metadata_url,
            TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL=settings.openid_metadata_url,
            TO_BOT_FROM_CHANNEL_TOKEN_ISSUER=AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER,
            TO_CHANNEL_FROM_BOT_LOGIN_URL=AuthenticationConstants.TO_CHANNEL_FROM_BOT_LOGIN_URL,
            TO_CHANNEL_FROM_BOT_OAUTH_SCOPE=AuthenticationConstants.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE,
            OAUTH_URL=AuthenticationConstants.OAUTH_URL,
        )
    return ConfigurationBotFrameworkAuthentication(
        SimpleNamespace(**config), credentials_factory=credentials
    )


def is_loopback(url: str | None) -> bool:
    """Whether `url` points at this machine (localhost or a loopback address)."""
    host = urlsplit(url or "").hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def authenticate(
    auth: BotFrameworkAuthentication,
    settings: TeamsSettings,
    activity: Activity,
    header: str | None,
) -> AuthenticateRequestResult | None:
    """The checked identity of a request, or None: refuse it with 401."""
    if settings.anonymous and (header or not is_loopback(activity.service_url)):
        # An anonymous bot cannot check a token, and answers only on this machine.
        log.info("Teams: refused a request an anonymous bot cannot trust")
        return None
    try:
        return await auth.authenticate_request(activity, header or "")
    except Exception as exc:  # botbuilder raises PermissionError, jwt errors, KeyError, ...
        # The reason, never the token.
        log.info("Teams: refused a request: %s", type(exc).__name__)
        return None
