"""The Teams app package: the manifest template filled in for one bot, zipped with its icons.

Teams admins upload the zip (manifest.json, color.png, outline.png at its root). The template
in app/manifest.json holds `${{NAME}}` placeholders, filled from settings at packaging time, so
the repository never carries a real app id. Only the parts of the manifest schema that this
app uses are checked here; the rest is Teams' to judge on upload.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

__all__ = [
    "APP_DIR",
    "ICONS",
    "SCHEMA_VERSION",
    "TEMPLATE",
    "PackageError",
    "PackageSettings",
    "build_zip",
    "declared_commands",
    "manifest_problems",
    "render_manifest",
    "settings",
]

APP_DIR = Path(__file__).resolve().parent / "app"
TEMPLATE = APP_DIR / "manifest.json"
ICONS = ("color.png", "outline.png")
SCHEMA_VERSION = "1.22"

# Patterns of the v1.22 schema's definitions (guid, semver, hexColor, httpsUrl).
GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
SEMVER = re.compile(r"^([0-9]|[1-9]+[0-9]*)\.([0-9]|[1-9]+[0-9]*)\.([0-9]|[1-9]+[0-9]*)$")
HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_PLACEHOLDER = re.compile(r"\$\{\{([A-Z_]+)\}\}")
# A zip entry's time: fixed, so the same settings always give the same bytes.
_EPOCH = (1980, 1, 1, 0, 0, 0)


class PackageError(ValueError):
    """The package cannot be built as asked; the message is one line for the admin."""


@dataclass(frozen=True)
class PackageSettings:
    """What fills the template: the bot's app id, its public address and the app version."""

    app_id: str
    public_url: str
    app_version: str

    @property
    def public_host(self) -> str:
        """The host of the public URL: the manifest's one valid domain."""
        return urlsplit(self.public_url).hostname or ""

    def values(self) -> dict[str, str]:
        """Placeholder name -> value."""
        return {
            "MICROSOFT_APP_ID": self.app_id,
            "PUBLIC_URL": self.public_url,
            "PUBLIC_HOST": self.public_host,
            "APP_VERSION": self.app_version,
        }


def settings(*, app_id: str, public_url: str, app_version: str) -> PackageSettings:
    """Checked settings; raises PackageError naming the first thing wrong."""
    app_id = app_id.strip()
    if not app_id:
        raise PackageError(
            "MICROSOFT_APP_ID is not set: the package names the bot by its Microsoft app id "
            "(the Azure Bot resource's Microsoft App ID)"
        )
    if not GUID.match(app_id):
        raise PackageError(
            f"MICROSOFT_APP_ID {app_id!r} is not a GUID like 00000000-0000-0000-0000-000000000000"
        )
    public_url = public_url.strip().rstrip("/")
    if not public_url:
        raise PackageError(
            "PUBLIC_URL is not set (or pass --public-url): the https address serve is reached "
            "at, e.g. https://supportbot.example.com"
        )
    parts = urlsplit(public_url)
    if parts.scheme != "https" or not parts.hostname:
        raise PackageError(f"public URL {public_url!r} must be an https:// URL with a host")
    app_version = app_version.strip()
    if not SEMVER.match(app_version):
        raise PackageError(
            f"app version {app_version!r} is not MAJOR.MINOR.PATCH (pass --app-version 1.0.0)"
        )
    return PackageSettings(app_id=app_id.lower(), public_url=public_url, app_version=app_version)


def _fill(node: Any, values: Mapping[str, str]) -> Any:
    """The template with every placeholder in a string value replaced."""
    if isinstance(node, dict):
        return {key: _fill(value, values) for key, value in node.items()}
    if isinstance(node, list):
        return [_fill(value, values) for value in node]
    if isinstance(node, str):

        def sub(found: re.Match[str]) -> str:
            name = found.group(1)
            if name not in values:
                raise PackageError(f"the manifest template has an unknown placeholder {name}")
            return values[name]

        return _PLACEHOLDER.sub(sub, node)
    return node


def render_manifest(package: PackageSettings, *, template: Path = TEMPLATE) -> dict[str, Any]:
    """The manifest for `package`, checked; raises PackageError if Teams would refuse it."""
    try:
        parsed = json.loads(template.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PackageError(f"cannot read the manifest template {template}: {exc}") from None
    if not isinstance(parsed, dict):
        raise PackageError(f"the manifest template {template} is not a JSON object")
    manifest: dict[str, Any] = _fill(parsed, package.values())
    problems = manifest_problems(manifest)
    if problems:
        raise PackageError(f"the manifest is not valid: {'; '.join(problems)}")
    return manifest


def declared_commands(manifest: Mapping[str, Any]) -> dict[str, set[str]]:
    """Command title -> the scopes its bot declares it for."""
    found: dict[str, set[str]] = {}
    for bot in manifest.get("bots", []):
        for listing in bot.get("commandLists", []):
            for command in listing.get("commands", []):
                found.setdefault(command["title"], set()).update(listing.get("scopes", []))
    return found


def _text(problems: list[str], where: str, value: Any, limit: int) -> None:
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{where} is missing")
    elif len(value) > limit:
        problems.append(f"{where} is {len(value)} characters long; at most {limit}")


def _https(problems: list[str], where: str, value: Any) -> None:
    if not isinstance(value, str) or not value.lower().startswith("https://"):
        problems.append(f"{where} must be an https:// URL")


def manifest_problems(manifest: Mapping[str, Any]) -> list[str]:
    """What the v1.22 schema (and Teams' upload check) would refuse in the fields this app uses."""
    problems: list[str] = []
    if manifest.get("manifestVersion") != SCHEMA_VERSION:
        problems.append(f"manifestVersion must be {SCHEMA_VERSION}")
    if not SEMVER.match(str(manifest.get("version", ""))):
        problems.append("version must be MAJOR.MINOR.PATCH")
    if not GUID.match(str(manifest.get("id", ""))):
        problems.append("id must be a GUID")
    developer = manifest.get("developer") or {}
    _text(problems, "developer.name", developer.get("name"), 32)
    for key in ("websiteUrl", "privacyUrl", "termsOfUseUrl"):
        _https(problems, f"developer.{key}", developer.get(key))
    name = manifest.get("name") or {}
    _text(problems, "name.short", name.get("short"), 30)
    if "full" in name:
        _text(problems, "name.full", name["full"], 100)
    description = manifest.get("description") or {}
    _text(problems, "description.short", description.get("short"), 80)
    _text(problems, "description.full", description.get("full"), 4000)
    icons = manifest.get("icons") or {}
    if (icons.get("color"), icons.get("outline")) != ICONS:
        problems.append(f"icons must be color={ICONS[0]} and outline={ICONS[1]}")
    if not HEX_COLOR.match(str(manifest.get("accentColor", ""))):
        problems.append("accentColor must be #RRGGBB")
    bots = manifest.get("bots") or []
    if len(bots) != 1:
        problems.append("there must be exactly one bot")
    for bot in bots:
        if bot.get("botId") != manifest.get("id"):
            problems.append("bots[0].botId must be the app id")
        for listing in bot.get("commandLists", []):
            if len(listing.get("commands", [])) > 10:
                problems.append("a command list holds at most 10 commands")
            for command in listing.get("commands", []):
                _text(problems, "a command title", command.get("title"), 128)
                _text(problems, "a command description", command.get("description"), 4000)
    rsc = (manifest.get("authorization") or {}).get("permissions", {}).get("resourceSpecific")
    if rsc and (manifest.get("webApplicationInfo") or {}).get("id") != manifest.get("id"):
        # Teams grants resource-specific consent to the Entra app named here.
        problems.append("webApplicationInfo.id must be the app id when RSC permissions are asked")
    domains = manifest.get("validDomains", [])
    if any("://" in d or "/" in d or not d for d in domains):
        problems.append("validDomains hold host names, without scheme or path")
    return problems


def build_zip(package: PackageSettings, *, template: Path = TEMPLATE) -> bytes:
    """The zip Teams admins upload: manifest.json and the two icons at its root."""
    manifest = render_manifest(package, template=template)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        entries = [("manifest.json", (json.dumps(manifest, indent=2) + "\n").encode())]
        entries += [(icon, (APP_DIR / icon).read_bytes()) for icon in ICONS]
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()
