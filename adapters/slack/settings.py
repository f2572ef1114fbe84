"""Slack configuration from the environment; secrets never printed."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["DEFAULT_API_URL", "PLATFORM", "SlackConfigError", "SlackSettings"]

PLATFORM = "slack"  # how identities, bindings and outbox targets name Slack
DEFAULT_API_URL = "https://slack.com/api/"
# The variables that configure the Slack app: any of them set means Slack is meant to run.
APP_VARIABLES = (
    "SLACK_SIGNING_SECRET",
    "SLACK_BOT_TOKEN",
    "SLACK_APP_TOKEN",
    "SLACK_CLIENT_ID",
    "SLACK_CLIENT_SECRET",
)


class SlackConfigError(ValueError):
    """The environment does not describe a usable Slack app."""


@dataclass(frozen=True)
class SlackSettings:
    """How to reach Slack: one workspace (bot token) or many (OAuth), HTTP or Socket Mode."""

    signing_secret: str = field(default="", repr=False)
    bot_token: str = field(default="", repr=False)
    app_token: str = field(default="", repr=False)
    client_id: str = ""
    client_secret: str = field(default="", repr=False)
    api_url: str = DEFAULT_API_URL

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> SlackSettings | None:
        """Read SLACK_* variables: None when none is set (Slack is not wanted here), else
        settings that can work, or SlackConfigError naming what is missing."""
        env = os.environ if environ is None else environ
        if not any(env.get(name, "").strip() for name in APP_VARIABLES):
            return None
        api_url = env.get("SLACK_API_URL", "").strip() or DEFAULT_API_URL
        if not api_url.endswith("/"):
            api_url += "/"
        settings = cls(
            signing_secret=env.get("SLACK_SIGNING_SECRET", "").strip(),
            bot_token=env.get("SLACK_BOT_TOKEN", "").strip(),
            app_token=env.get("SLACK_APP_TOKEN", "").strip(),
            client_id=env.get("SLACK_CLIENT_ID", "").strip(),
            client_secret=env.get("SLACK_CLIENT_SECRET", "").strip(),
            api_url=api_url,
        )
        settings.check()
        return settings

    @property
    def oauth(self) -> bool:
        """Whether the app is installed into many workspaces through OAuth."""
        return bool(self.client_id and self.client_secret)

    @property
    def socket_mode(self) -> bool:
        """Whether events arrive over a Socket Mode websocket instead of HTTP."""
        return bool(self.app_token)

    def check(self) -> None:
        """Raise SlackConfigError unless the combination of settings can work."""
        if bool(self.client_id) != bool(self.client_secret):
            raise SlackConfigError("set both SLACK_CLIENT_ID and SLACK_CLIENT_SECRET, or neither")
        missing = []
        if not self.oauth and not self.bot_token:
            missing.append(
                "SLACK_BOT_TOKEN (one workspace; or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET, "
                "installable in many)"
            )
        if self.oauth and not self.signing_secret:
            missing.append("SLACK_SIGNING_SECRET (OAuth installs need it)")
        elif not self.socket_mode and not self.signing_secret:
            missing.append("SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN for Socket Mode)")
        if missing:
            raise SlackConfigError("set " + " and ".join(missing))
        if self.bot_token and not self.bot_token.startswith("xoxb-"):
            raise SlackConfigError("SLACK_BOT_TOKEN must be a bot token (xoxb-...)")
        if self.app_token and not self.app_token.startswith("xapp-"):
            raise SlackConfigError("SLACK_APP_TOKEN must be an app-level token (xapp-...)")
