"""The Teams app package: the manifest template, its icons and the zip admins upload."""

from __future__ import annotations

import io
import json
import re
import struct
import zipfile
import zlib
from typing import Any

import pytest

from adapters.teams import icons
from adapters.teams.conversation import COMMANDS
from adapters.teams.package import (
    APP_DIR,
    TEMPLATE,
    PackageError,
    PackageSettings,
    build_zip,
    declared_commands,
    manifest_problems,
    render_manifest,
    settings,
)
from bot.app.conversation import respond
from tests.app.conftest import CARLA, build_world
from tests.fakes import InMemoryStore

APP_ID = "5f8a1c2e-3b4d-4e6f-8a9b-0c1d2e3f4a5b"
SCOPES = {"personal", "team", "groupChat"}


def package(**overrides: str) -> PackageSettings:
    values = {
        "app_id": APP_ID,
        "public_url": "https://supportbot.example.com",
        "app_version": "1.2.3",
    }
    return settings(**{**values, **overrides})


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    return render_manifest(package())


def read_png(data: bytes) -> tuple[int, int, int, list[bytes]]:
    """Width, height, colour type and the unfiltered rows of an 8-bit PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, {}
    idat = b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert zlib.crc32(kind + body) == crc, kind
        if kind == b"IDAT":
            idat += body
        chunks[kind] = body
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunks[b"IHDR"])
    assert depth == 8 and interlace == 0
    channels = {2: 3, 6: 4}[colour]
    raw = zlib.decompress(idat)
    stride = width * channels + 1
    rows = [raw[i * stride : (i + 1) * stride] for i in range(height)]
    assert all(row[0] == 0 for row in rows), "only unfiltered rows are read here"
    return width, height, colour, [row[1:] for row in rows]


def test_the_manifest_has_every_field_the_schema_requires(manifest: dict[str, Any]) -> None:
    assert manifest["$schema"].endswith("/teams/v1.22/MicrosoftTeams.schema.json")
    assert manifest["manifestVersion"] == "1.22"
    assert manifest["version"] == "1.2.3"
    assert manifest["id"] == APP_ID
    developer = manifest["developer"]
    assert developer["name"] and len(developer["name"]) <= 32
    for key in ("websiteUrl", "privacyUrl", "termsOfUseUrl"):
        assert developer[key].startswith("https://"), key
    assert 0 < len(manifest["name"]["short"]) <= 30
    assert len(manifest["name"]["full"]) <= 100
    assert 0 < len(manifest["description"]["short"]) <= 80
    assert 0 < len(manifest["description"]["full"]) <= 4000
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}
    assert manifest["accentColor"] == "#{:02X}{:02X}{:02X}".format(*icons.ACCENT)
    assert manifest_problems(manifest) == []


def test_the_bot_is_the_app_id_in_every_scope(manifest: dict[str, Any]) -> None:
    [bot] = manifest["bots"]
    assert bot["botId"] == APP_ID
    assert set(bot["scopes"]) == SCOPES
    assert bot["isNotificationOnly"] is False
    assert manifest["validDomains"] == ["supportbot.example.com"]


def test_the_bot_hears_thread_replies_in_channels_without_a_mention(
    manifest: dict[str, Any],
) -> None:
    # Replies in a ticket card's thread are first responses; without this consent Teams sends
    # a channel message to the bot only when it is @mentioned.
    permissions = manifest["authorization"]["permissions"]["resourceSpecific"]
    assert permissions == [{"name": "ChannelMessage.Read.Group", "type": "Application"}]
    assert manifest["webApplicationInfo"]["id"] == APP_ID


def test_the_commands_are_offered_in_every_scope(manifest: dict[str, Any]) -> None:
    assert declared_commands(manifest) == {
        "ticket": SCOPES,
        "uptime": SCOPES,
        "help": SCOPES,
    }


def test_the_template_carries_no_real_app_id() -> None:
    raw = TEMPLATE.read_text()
    assert "${{MICROSOFT_APP_ID}}" in raw
    template = json.loads(raw)
    assert template["id"] == template["bots"][0]["botId"] == "${{MICROSOFT_APP_ID}}"


@pytest.mark.parametrize(
    ("overrides", "complaint"),
    [
        ({"app_id": ""}, "MICROSOFT_APP_ID is not set"),
        ({"app_id": "  "}, "MICROSOFT_APP_ID is not set"),
        ({"app_id": "my-bot"}, "is not a GUID"),
        ({"app_id": APP_ID + "0"}, "is not a GUID"),
        ({"public_url": ""}, "PUBLIC_URL is not set"),
        ({"public_url": "http://supportbot.example.com"}, "must be an https:// URL"),
        ({"public_url": "supportbot.example.com"}, "must be an https:// URL"),
        ({"app_version": "0.1.0.dev1"}, "is not MAJOR.MINOR.PATCH"),
    ],
)
def test_settings_teams_would_refuse_are_refused(overrides: dict[str, str], complaint: str) -> None:
    with pytest.raises(PackageError, match=complaint) as caught:
        package(**overrides)
    assert "\n" not in str(caught.value)


def test_the_public_host_is_the_valid_domain_without_port_or_path() -> None:
    manifest = render_manifest(package(public_url="https://Bot.Example.com:8443/teams/"))
    assert manifest["validDomains"] == ["bot.example.com"]
    assert manifest["developer"]["websiteUrl"] == "https://Bot.Example.com:8443/teams"


def _drop_web_application_info(template: dict[str, Any]) -> None:
    del template["webApplicationInfo"]


def _long_name_and_odd_colour(template: dict[str, Any]) -> None:
    template["name"]["short"] = "supportbot, the support desk of the vendor"
    template["accentColor"] = "navy"


def _second_bot(template: dict[str, Any]) -> None:
    template["bots"].append(dict(template["bots"][0]))


def _eleven_commands(template: dict[str, Any]) -> None:
    commands = template["bots"][0]["commandLists"][0]["commands"]
    commands.extend({"title": f"c{i}", "description": "d"} for i in range(8))


def _domain_with_scheme(template: dict[str, Any]) -> None:
    template["validDomains"] = ["https://${{PUBLIC_HOST}}"]


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        (_long_name_and_odd_colour, "name.short is 42 characters long; at most 30; accentColor"),
        (_drop_web_application_info, "webApplicationInfo.id must be the app id"),
        (_second_bot, "exactly one bot"),
        (_eleven_commands, "at most 10 commands"),
        (_domain_with_scheme, "validDomains hold host names"),
    ],
)
def test_a_template_teams_would_refuse_is_not_packaged(tmp_path, change, complaint) -> None:
    template = json.loads(TEMPLATE.read_text())
    change(template)
    broken = tmp_path / "manifest.json"
    broken.write_text(json.dumps(template))
    with pytest.raises(PackageError, match=re.escape(complaint)):
        build_zip(package(), template=broken)


def test_an_unknown_placeholder_is_refused(tmp_path) -> None:
    template = json.loads(TEMPLATE.read_text())
    template["developer"]["privacyUrl"] = "${{PRIVACY_URL}}"
    odd = tmp_path / "manifest.json"
    odd.write_text(json.dumps(template))
    with pytest.raises(PackageError, match="unknown placeholder PRIVACY_URL"):
        render_manifest(package(), template=odd)


def test_the_zip_holds_the_manifest_and_both_icons_at_its_root() -> None:
    data = build_zip(package())
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        assert json.loads(archive.read("manifest.json")) == render_manifest(package())
        assert archive.read("color.png") == (APP_DIR / "color.png").read_bytes()
        assert archive.read("outline.png") == (APP_DIR / "outline.png").read_bytes()
    assert build_zip(package()) == data, "the same settings give the same bytes"


def test_the_color_icon_is_192_square_and_opaque() -> None:
    width, height, colour, rows = read_png((APP_DIR / "color.png").read_bytes())
    assert (width, height) == (192, 192)
    alphas = {row[i] for row in rows for i in range(3, len(row), 4)} if colour == 6 else {255}
    assert alphas == {255}
    corner = tuple(rows[0][:3])
    assert corner == icons.ACCENT


def test_the_outline_icon_is_32_square_white_on_transparent() -> None:
    width, height, colour, rows = read_png((APP_DIR / "outline.png").read_bytes())
    assert (width, height, colour) == (32, 32, 6)
    pixels = [tuple(row[i : i + 4]) for row in rows for i in range(0, len(row), 4)]
    alphas = [p[3] for p in pixels]
    assert alphas.count(0) > len(pixels) // 4, "mostly transparent"
    assert alphas.count(255) > 50, "with a solid glyph"
    assert {p[:3] for p in pixels if p[3]} == {(255, 255, 255)}, "drawn in white only"
    assert pixels[0][3] == 0 and pixels[-1][3] == 0


def test_the_committed_icons_are_what_the_script_draws() -> None:
    assert (APP_DIR / "color.png").read_bytes() == icons.color_icon()
    assert (APP_DIR / "outline.png").read_bytes() == icons.outline_icon()


def test_the_command_menu_is_the_conversations_command_list(manifest: dict[str, Any]) -> None:
    [listing] = manifest["bots"][0]["commandLists"]
    menu = [(c["title"], c["description"]) for c in listing["commands"]]
    assert menu == list(COMMANDS)


async def test_the_declared_questions_are_ones_the_bot_answers(manifest: dict[str, Any]) -> None:
    world = await build_world(InMemoryStore())
    questions = set(declared_commands(manifest)) - {"ticket"}  # ticket opens the intake card
    assert questions == {"uptime", "help"}
    for title in sorted(questions):
        reply = await respond(world.desk, speaker=CARLA, text=title)
        assert reply.text and "didn't catch that" not in reply.text, title
