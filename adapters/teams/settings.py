"""Teams configuration from the environment (MICROSOFT_APP_*); secrets never printed."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["APP_TYPES", "TeamsConfigError", "TeamsSettings"]

# Bot Framework app types, as MICROSOFT_APP_TYPE names them (case-insensitive there).
APP_TYPES = ("MultiTenant", "SingleTenant", "UserAssignedMSI")


class TeamsConfigError(ValueError):
    """The environment does not describe a usable Teams bot."""


@dataclass(frozen=True)
class TeamsSettings:
    """Who the bot is in the Bot Framework; no app id means anonymous (local use only).

    `openid_metadata_url` replaces the Bot Framework's OpenID metadata (where the keys that
    sign incoming tokens are published) and `credentials` how outgoing calls get their tokens
    (a botframework ServiceClientCredentialsFactory): tests set them, production leaves them.
    """

    app_id: str = ""
    password: str = field(default="", repr=False)
    app_type: str = "MultiTenant"
    tenant_id: str = ""
    openid_metadata_url: str = ""
    credentials: Any = field(default=None, repr=False, compare=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> TeamsSettings:
        """Read MICROSOFT_APP_ID, _PASSWORD, _TYPE and _TENANT_ID; TeamsConfigError naming
        what is missing when the combination cannot work."""
        env = os.environ if environ is None else environ
        raw_type = env.get("MICROSOFT_APP_TYPE", "").strip() or "MultiTenant"
        app_type = next((t for t in APP_TYPES if t.lower() == raw_type.lower()), None)
        if app_type is None:
            raise TeamsConfigError(
                f"MICROSOFT_APP_TYPE must be one of {', '.join(APP_TYPES)}, got {raw_type!r}"
            )
        settings = cls(
            app_id=env.get("MICROSOFT_APP_ID", "").strip(),
            password=env.get("MICROSOFT_APP_PASSWORD", "").strip(),
            app_type=app_type,
            tenant_id=env.get("MICROSOFT_APP_TENANT_ID", "").strip(),
        )
        settings.check()
        return settings

    @property
    def anonymous(self) -> bool:
        """Whether requests go unauthenticated (no app id: the Emulator, the Test Tool)."""
        return not self.app_id

    def check(self) -> None:
        """Raise TeamsConfigError unless the combination of settings can work."""
        if self.anonymous:
            if self.password:
                raise TeamsConfigError("MICROSOFT_APP_PASSWORD is set: set MICROSOFT_APP_ID too")
            return
        missing = []
        if self.app_type != "UserAssignedMSI" and not self.password:
            missing.append("MICROSOFT_APP_PASSWORD")
        if self.app_type != "MultiTenant" and not self.tenant_id:
            missing.append(f"MICROSOFT_APP_TENANT_ID ({self.app_type} apps need it)")
        if missing:
            raise TeamsConfigError("MICROSOFT_APP_ID is set: set " + " and ".join(missing) + " too")
