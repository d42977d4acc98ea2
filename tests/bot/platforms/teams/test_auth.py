"""The Azure Bot registration maps onto the SDK's MSAL settings; hosts are checked by mode."""

from __future__ import annotations

import pytest

from bot.config import Settings
from bot.platforms.teams.auth import build_auth, sdk_configuration, teams_enabled

APP_ID = "5e7b1f2a-0c3d-4e8f-9a1b-2c3d4e5f6a7b"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
REGISTRATION = {
    "TEAMS_APP_ID": APP_ID,
    "TEAMS_APP_PASSWORD": "client-secret-value",
    "TEAMS_TENANT_ID": TENANT,
}


def _settings(**values: str) -> Settings:
    return Settings.model_validate({"EMPATHYBOT_SECRET_KEY": "k" * 40, **values})


def test_the_registration_becomes_the_sdks_service_connection() -> None:
    assert sdk_configuration(_settings(**REGISTRATION)) == {
        "AGENTAPPLICATION": {},
        "CONNECTIONS": {
            "SERVICE_CONNECTION": {
                "SETTINGS": {
                    "AUTHTYPE": "ClientSecret",
                    "CLIENTID": APP_ID,
                    "CLIENTSECRET": "client-secret-value",
                    "TENANTID": TENANT,
                }
            }
        },
        "CONNECTIONSMAP": [],
    }


def test_with_an_app_id_tokens_are_required_and_only_microsoft_hosts_allowed() -> None:
    auth = build_auth(_settings(**REGISTRATION))
    allowed = auth.host_validator.is_allowed

    assert auth.anonymous is False
    assert (auth.configuration.CLIENT_ID, auth.configuration.TENANT_ID) == (APP_ID, TENANT)
    assert auth.configuration.ANONYMOUS_ALLOWED is False
    assert [
        allowed("https://smba.trafficmanager.net/emea/"),
        allowed("https://smba.infra.gcc.teams.microsoft.com/"),
        allowed("http://127.0.0.1:3978/"),
        allowed("http://smba.trafficmanager.net/emea/"),
        allowed("https://attacker.example.com/"),
    ] == [True, True, False, False, False]
    assert auth.proactive_identity().claims == {"aud": APP_ID, "appid": APP_ID}


def test_without_an_app_id_only_loopback_is_added_to_the_allowed_hosts() -> None:
    auth = build_auth(_settings())
    allowed = auth.host_validator.is_allowed

    assert auth.anonymous is True
    assert auth.host_validator.enabled is True
    assert [
        allowed("http://127.0.0.1:3978/"),
        allowed("http://localhost:3978/"),
        allowed("http://[::1]:3978/"),
        allowed("https://smba.trafficmanager.net/emea/"),
        allowed("http://user:secret@127.0.0.1:3978/"),
        allowed("http://10.0.0.7/"),
        allowed("https://attacker.example.com/"),
        allowed("ftp://127.0.0.1/"),
    ] == [True, True, True, True, False, False, False, False]
    assert auth.proactive_identity().allow_anonymous is True


async def test_anonymous_mode_accepts_requests_and_token_mode_refuses_bad_ones() -> None:
    anonymous = build_auth(_settings())
    secured = build_auth(_settings(**REGISTRATION))

    accepted = await anonymous.authenticate(None)

    assert accepted is not None and accepted.allow_anonymous
    assert [
        await secured.authenticate(header)
        for header in (None, "", "Bearer", "Basic abc", "Bearer not.a.jwt", "Bearer a b")
    ] == [None] * 6


@pytest.mark.parametrize(
    ("values", "enabled"),
    [
        ({}, True),
        ({"EMPATHYBOT_ENV": "production"}, False),
        ({"EMPATHYBOT_ENV": "production", **REGISTRATION}, True),
    ],
)
def test_production_never_serves_teams_anonymously(values: dict[str, str], enabled: bool) -> None:
    assert teams_enabled(_settings(**values)) is enabled
