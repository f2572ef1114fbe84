"""Configuration from the environment, and `supportbot serve` refusing what cannot work."""

from __future__ import annotations

import pytest

from adapters.slack.settings import DEFAULT_API_URL, SlackConfigError, SlackSettings
from bot.cli.main import main

BASE = {"SLACK_SIGNING_SECRET": "secret", "SLACK_BOT_TOKEN": "xoxb-1"}


def test_one_workspace_over_http() -> None:
    settings = SlackSettings.from_env(BASE)
    assert not settings.oauth and not settings.socket_mode
    assert settings.api_url == DEFAULT_API_URL


def test_the_api_url_can_point_at_a_proxy_or_fake() -> None:
    settings = SlackSettings.from_env({**BASE, "SLACK_API_URL": "http://127.0.0.1:9999/api"})
    assert settings.api_url == "http://127.0.0.1:9999/api/"


def test_socket_mode_and_oauth_are_recognised() -> None:
    socket = SlackSettings.from_env({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"})
    assert socket.socket_mode
    oauth = SlackSettings.from_env(
        {"SLACK_SIGNING_SECRET": "s", "SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "c"}
    )
    assert oauth.oauth


@pytest.mark.parametrize(
    ("env", "complaint"),
    [
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET"),
        ({"SLACK_SIGNING_SECRET": "s"}, "SLACK_BOT_TOKEN"),
        ({**BASE, "SLACK_CLIENT_ID": "1.2"}, "SLACK_CLIENT_SECRET"),
        ({"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "c"}, "OAuth installs need it"),
        ({"SLACK_APP_TOKEN": "xapp-1"}, r"^set SLACK_BOT_TOKEN .*installable in many\)$"),
        ({**BASE, "SLACK_BOT_TOKEN": "xoxp-user"}, "bot token"),
        ({**BASE, "SLACK_APP_TOKEN": "xoxb-wrong"}, "app-level"),
    ],
)
def test_unusable_settings_are_named(env: dict[str, str], complaint: str) -> None:
    with pytest.raises(SlackConfigError, match=complaint):
        SlackSettings.from_env(env)


def test_no_slack_variable_means_slack_is_not_wanted() -> None:
    assert SlackSettings.from_env({"SLACK_API_URL": "http://127.0.0.1:9/api/"}) is None
    assert SlackSettings.from_env({"SLACK_BOT_TOKEN": " "}) is None


def test_secrets_never_show_in_repr() -> None:
    settings = SlackSettings.from_env({**BASE, "SLACK_APP_TOKEN": "xapp-hidden"})
    assert "secret" not in repr(settings) and "xoxb" not in repr(settings)
    assert "xapp" not in repr(settings)


SLACK_VARIABLES = (
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "SLACK_CLIENT_ID",
    "SLACK_CLIENT_SECRET",
)


def test_serve_with_half_a_slack_configuration_says_what_is_missing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in SLACK_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")

    assert main(["serve"]) == 2

    assert capsys.readouterr().err == (
        "supportbot: error: Slack: set SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN for Socket Mode)\n"
    )


@pytest.mark.parametrize(
    ("args", "env"), [(["serve", "--port", "70000"], {}), (["serve"], {"PORT": "web"})]
)
def test_serve_rejects_a_bad_port(
    args: list[str],
    env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)

    assert main(args) == 2
    assert "port" in capsys.readouterr().err.lower()
