"""`supportbot teams package`: the zip admins upload, and its refusals."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from bot.cli.main import main

APP_ID = "5f8a1c2e-3b4d-4e6f-8a9b-0c1d2e3f4a5b"


@pytest.fixture
def run(monkeypatch, capsys, tmp_path):
    """Run `supportbot ...` in an empty directory with a Teams bot configured."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MICROSOFT_APP_ID", APP_ID)
    monkeypatch.setenv("PUBLIC_URL", "https://supportbot.example.com")

    def go(*argv: str) -> tuple[int, str, str]:
        try:
            status = main(list(argv))
        except SystemExit as exc:
            status = int(exc.code or 0)
        out, err = capsys.readouterr()
        return status, out, err

    return go


def manifest_in(path: Path) -> dict:
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        return json.loads(archive.read("manifest.json"))


def test_package_writes_the_zip_for_the_configured_bot(run, tmp_path) -> None:
    status, out, err = run("teams", "package")
    assert (status, err) == (0, "")
    manifest = manifest_in(tmp_path / "supportbot-teams.zip")
    assert manifest["id"] == manifest["bots"][0]["botId"] == APP_ID
    assert manifest["validDomains"] == ["supportbot.example.com"]
    assert manifest["version"] == "0.1.0"
    assert out.startswith("wrote supportbot-teams.zip (Teams app 0.1.0 for bot " + APP_ID)
    assert out.count("\n") == 1


def test_package_takes_file_url_and_version_from_options(run, tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("PUBLIC_URL")
    status, _, err = run(
        "teams",
        "package",
        "--out",
        "acme.zip",
        "--public-url",
        "https://bot.acme.example/",
        "--app-version",
        "2.0.1",
    )
    assert (status, err) == (0, "")
    manifest = manifest_in(tmp_path / "acme.zip")
    assert manifest["validDomains"] == ["bot.acme.example"]
    assert manifest["version"] == "2.0.1"


@pytest.mark.parametrize("value", [None, "", "   "])
def test_package_refuses_without_an_app_id(run, monkeypatch, tmp_path, value) -> None:
    if value is None:
        monkeypatch.delenv("MICROSOFT_APP_ID")
    else:
        monkeypatch.setenv("MICROSOFT_APP_ID", value)
    status, out, err = run("teams", "package")
    assert status == 2 and out == ""
    assert err.startswith("supportbot: error: MICROSOFT_APP_ID is not set")
    assert err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_package_refuses_an_app_id_that_is_not_a_guid(run, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("MICROSOFT_APP_ID", "supportbot")
    status, _, err = run("teams", "package")
    assert status == 2
    assert err == (
        "supportbot: error: MICROSOFT_APP_ID 'supportbot' is not a GUID like "
        "00000000-0000-0000-0000-000000000000\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_package_refuses_without_a_public_url(run, monkeypatch) -> None:
    monkeypatch.delenv("PUBLIC_URL")
    status, _, err = run("teams", "package")
    assert status == 2
    assert err.startswith("supportbot: error: PUBLIC_URL is not set (or pass --public-url)")


def test_package_never_replaces_a_file_unasked(run, tmp_path) -> None:
    target = tmp_path / "supportbot-teams.zip"
    target.write_bytes(b"an older package")
    status, _, err = run("teams", "package")
    assert status == 2
    assert err == "supportbot: error: supportbot-teams.zip exists; pass --force to replace it\n"
    assert target.read_bytes() == b"an older package"
    status, _, err = run("teams", "package", "--force")
    assert (status, err) == (0, "")
    assert manifest_in(target)["id"] == APP_ID
    assert sorted(p.name for p in tmp_path.iterdir()) == ["supportbot-teams.zip"]


def test_package_says_so_when_it_cannot_write(run, tmp_path) -> None:
    status, _, err = run("teams", "package", "--out", "missing/dir/app.zip")
    assert status == 2
    assert err.startswith("supportbot: error: cannot write missing/dir/app.zip: ")
    assert list(tmp_path.iterdir()) == []


def test_package_uses_an_edited_copy_of_the_template(run, tmp_path) -> None:
    from adapters.teams.package import TEMPLATE

    template = json.loads(TEMPLATE.read_text())
    template["developer"]["privacyUrl"] = "https://vendor.example/privacy"
    (tmp_path / "ours.json").write_text(json.dumps(template))
    status, _, err = run("teams", "package", "--manifest", "ours.json")
    assert (status, err) == (0, "")
    manifest = manifest_in(tmp_path / "supportbot-teams.zip")
    assert manifest["developer"]["privacyUrl"] == "https://vendor.example/privacy"
    assert manifest["bots"][0]["botId"] == APP_ID


@pytest.mark.parametrize(
    ("content", "complaint"),
    [
        (None, "--manifest ours.json: no such file"),
        ("{not json", "cannot read the manifest template ours.json: Expecting property name"),
        ("[]", "the manifest template ours.json is not a JSON object"),
    ],
)
def test_package_refuses_a_template_it_cannot_use(run, tmp_path, content, complaint) -> None:
    if content is not None:
        (tmp_path / "ours.json").write_text(content)
    status, _, err = run("teams", "package", "--manifest", "ours.json")
    assert status == 2
    assert err.startswith(f"supportbot: error: {complaint}")
    assert err.count("\n") == 1
    assert not (tmp_path / "supportbot-teams.zip").exists()
