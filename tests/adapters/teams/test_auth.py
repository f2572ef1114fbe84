"""Tokens on /api/messages with an app id: the Bot Framework's, checked against its OpenID
metadata (a local fake here, with a locally signed JWT); anything else is a 401, never a 500,
and nothing is stored or posted."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botframework.connector.auth import MicrosoftAppCredentials, ServiceClientCredentialsFactory

from adapters.teams import PLATFORM
from adapters.teams.settings import TeamsSettings
from bot.domain.models import ChatBinding
from tests.adapters.teams.conftest import TENANT, ServeTeams, TeamsWorld
from tests.adapters.teams.fake_openid import FakeOpenId, new_key

APP_ID = "5a3c1e7d-2f4b-4c8a-9e6d-0b1a2c3d4e5f"
OUTGOING = "outgoing-token"  # what the bot's own calls to the connector carry


class _Credentials(MicrosoftAppCredentials):  # type: ignore[misc]
    def get_access_token(self, force_refresh: bool = False) -> str:
        return OUTGOING


class FakeTokens(ServiceClientCredentialsFactory):  # type: ignore[misc]
    """The bot's own tokens for its calls to the connector, without Entra."""

    async def is_valid_app_id(self, app_id: str) -> bool:
        return app_id == APP_ID

    async def is_authentication_disabled(self) -> bool:
        return False

    async def create_credentials(
        self, app_id: str, *args: Any, **kwargs: Any
    ) -> MicrosoftAppCredentials:
        return _Credentials(app_id, "unused")


@pytest.fixture
def openid() -> Iterator[FakeOpenId]:
    fake = FakeOpenId()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
async def secured(serve_teams: ServeTeams, openid: FakeOpenId) -> TeamsWorld:
    settings = TeamsSettings(
        app_id=APP_ID,
        password="secret",
        openid_metadata_url=openid.metadata_url,
        credentials=FakeTokens(),
    )
    return await serve_teams(settings)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_valid_token_is_accepted_and_answered(
    secured: TeamsWorld, openid: FakeOpenId
) -> None:
    token = openid.token(audience=APP_ID, service_url=secured.fake.url)

    assert await secured.post(secured.message("ticket"), headers=bearer(token)) == 200

    (reply,) = await secured.fake.wait_for("reply")
    assert reply.authorization == f"Bearer {OUTGOING}"
    assert openid.requests >= 2  # the metadata, then its keys


async def nothing_happened(world: TeamsWorld) -> None:
    assert world.fake.calls == []
    assert await world.tickets() == []
    assert (await world.customer()).binding(PLATFORM) == ChatBinding(PLATFORM, TENANT, None)


async def test_a_missing_token_is_a_401(secured: TeamsWorld) -> None:
    assert await secured.post(secured.message("ticket")) == 401
    await nothing_happened(secured)


@pytest.mark.parametrize(
    "header",
    [
        "Bearer not-a-jwt",
        "Bearer a.b.c",
        "Bearer ",
        "Bearer",
        "Basic dXNlcjpwYXNz",
        "Bearer eyJhbGciOiJub25lIn0.eyJpc3MiOiJodHRwczovL2FwaS5ib3RmcmFtZXdvcmsuY29tIn0.",
        "garbage with spaces in it",
    ],
)
async def test_a_malformed_token_is_a_401_not_a_500(secured: TeamsWorld, header: str) -> None:
    assert await secured.post(secured.message("ticket"), headers={"Authorization": header}) == 401
    await nothing_happened(secured)


async def test_a_token_signed_with_another_key_is_a_401(
    secured: TeamsWorld, openid: FakeOpenId
) -> None:
    forged = openid.token(audience=APP_ID, service_url=secured.fake.url, key=new_key())

    assert await secured.post(secured.message("ticket"), headers=bearer(forged)) == 401
    await nothing_happened(secured)


@pytest.mark.parametrize(
    "claims",
    [
        {"audience": "another-bot"},
        {"issuer": "https://sts.windows.net/evil/"},
        {"lifetime": -3600},
    ],
    ids=["foreign audience", "foreign issuer", "expired"],
)
async def test_a_foreign_or_stale_token_is_a_401(
    secured: TeamsWorld, openid: FakeOpenId, claims: dict[str, Any]
) -> None:
    token = openid.token(**{"audience": APP_ID, "service_url": secured.fake.url, **claims})

    assert await secured.post(secured.message("ticket"), headers=bearer(token)) == 401
    await nothing_happened(secured)


async def test_a_token_for_another_service_url_is_a_401(
    secured: TeamsWorld, openid: FakeOpenId
) -> None:
    token = openid.token(audience=APP_ID, service_url="https://smba.trafficmanager.net/emea/")

    assert await secured.post(secured.message("ticket"), headers=bearer(token)) == 401
    await nothing_happened(secured)
