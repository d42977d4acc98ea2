"""Who may call ``/api/messages``, how the bot proves itself, and where it may send.

The Azure Bot registration lives in three settings (``TEAMS_APP_ID``,
``TEAMS_APP_PASSWORD``, ``TEAMS_TENANT_ID``). :func:`sdk_configuration` writes them as
the Agents SDK's own configuration keys (``CONNECTIONS__SERVICE_CONNECTION__SETTINGS__
CLIENTID`` and so on, as its ``load_configuration_from_env`` reads them from a ``.env``)
and lets the SDK parse them, so the MSAL connection is built exactly as the SDK documents;
nothing here reads ``os.environ``.

Two modes, chosen once at start-up by :func:`build_auth`:

* **Authenticated** (an app id is configured): every request must carry a Bot Framework
  JWT for this app id, validated by the SDK's :class:`JwtTokenValidator`; the bot calls
  the Bot Connector with MSAL tokens; inbound ``serviceUrl`` s must be HTTPS Microsoft
  hosts (the SDK's :class:`OutboundHostValidator`, switched on, with no extra hosts).
* **Anonymous** (no app id, development only): requests are accepted without a token and
  the bot sends without one. The same host validation applies, plus an explicit
  allow-list of loopback addresses so a local emulator or test connector can answer.
  Production settings refuse this mode (see :func:`teams_enabled`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Final

from jwt import PyJWTError
from microsoft_agents.activity import load_configuration_from_env
from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.core import OutboundHostValidator
from microsoft_agents.hosting.core.authorization import (
    AgentAuthConfiguration,
    ClaimsIdentity,
    JwtTokenValidator,
)
from yarl import URL

from bot.config import Environment, Settings
from bot.errors import ConfigError

log = logging.getLogger("bot.platforms.teams")

SERVICE_CONNECTION: Final = "SERVICE_CONNECTION"
_SETTING: Final = f"CONNECTIONS__{SERVICE_CONNECTION}__SETTINGS__"
LOOPBACK_HOSTS: Final = frozenset({"127.0.0.1", "localhost", "::1"})


def teams_enabled(settings: Settings) -> bool:
    """Whether ``/api/messages`` should be served: with an app id, or anonymously in
    development. Production without an app id serves no Teams endpoint at all."""
    return settings.teams_app_id is not None or settings.env is Environment.DEVELOPMENT


def sdk_configuration(settings: Settings) -> dict[str, Any]:
    """The SDK's configuration (``CONNECTIONS``, ``CONNECTIONSMAP``, ``AGENTAPPLICATION``)
    for the configured Azure Bot registration; empty connections without an app id.

    Raises :class:`ConfigError` when an app id comes without its password or tenant: the
    SDK would otherwise fail on the first reply, far from the cause.
    """
    if settings.teams_app_id is None:
        return load_configuration_from_env({})
    if settings.teams_app_password is None:
        raise ConfigError("TEAMS_APP_PASSWORD: required when TEAMS_APP_ID is set")
    if settings.teams_tenant_id is None:
        raise ConfigError(
            "TEAMS_TENANT_ID: required when TEAMS_APP_ID is set (the Azure Bot's tenant; "
            "botframework.com for a legacy multi-tenant registration)"
        )
    return load_configuration_from_env(
        {
            f"{_SETTING}AUTHTYPE": "ClientSecret",
            f"{_SETTING}CLIENTID": settings.teams_app_id,
            f"{_SETTING}CLIENTSECRET": settings.teams_app_password.get_secret_value(),
            f"{_SETTING}TENANTID": settings.teams_tenant_id,
        }
    )


class DevelopmentHostValidator(OutboundHostValidator):
    """The SDK's validator plus loopback hosts (any port, HTTP or HTTPS).

    Only built in anonymous development mode, so a local emulator or a test connector at
    ``http://127.0.0.1:<port>`` can receive the bot's replies; every other URL gets the
    SDK's full checks (HTTPS, Microsoft hosts, no private addresses).
    """

    def is_allowed(self, url: str | URL) -> bool:
        """Loopback over HTTP(S) without credentials, else the SDK's own rules."""
        try:
            parsed = URL(url) if isinstance(url, str) else url
        except (TypeError, ValueError):
            return False
        if (
            parsed.scheme in {"http", "https"}
            and (parsed.host or "").strip("[]").casefold() in LOOPBACK_HOSTS
            and not parsed.user
            and not parsed.password
        ):
            return True
        return super().is_allowed(url)


@dataclass(frozen=True)
class TeamsAuth:
    """The authentication mode, chosen once from the settings."""

    app_id: str
    anonymous: bool
    configuration: AgentAuthConfiguration
    connections: MsalConnectionManager
    host_validator: OutboundHostValidator

    async def authenticate(self, header: str | None) -> ClaimsIdentity | None:
        """The caller's identity, or ``None`` when the request must be refused (401).

        Anonymous mode accepts every request as anonymous. Otherwise the header must be
        ``Bearer <jwt>`` and the token valid for this app id (signature, audience,
        issuer and tenant binding, as the SDK checks them).
        """
        if self.anonymous:
            return ClaimsIdentity()
        scheme, _, token = (header or "").strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token or any(c.isspace() for c in token):
            return None
        try:
            return await JwtTokenValidator(self.configuration).validate_token(token)
        except (PyJWTError, ValueError, KeyError) as exc:
            log.warning("teams: token refused (%s)", type(exc).__name__)
            return None

    def proactive_identity(self) -> ClaimsIdentity:
        """The identity the bot sends with when nobody called it (digests, check-ins)."""
        if self.anonymous:
            return ClaimsIdentity()
        return ClaimsIdentity({"aud": self.app_id, "appid": self.app_id})


def build_auth(settings: Settings) -> TeamsAuth:
    """The authentication mode for these settings (see the module docstring)."""
    config = sdk_configuration(settings)
    if settings.teams_app_id is None:
        anonymous = AgentAuthConfiguration(anonymous_allowed=True)
        connections = MsalConnectionManager(
            connections_configurations={SERVICE_CONNECTION: anonymous}
        )
        # The SDK warns on every anonymous turn that its token client has no app id.
        logging.getLogger(
            "microsoft_agents.hosting.core.connector.client.user_token_client"
        ).setLevel(logging.ERROR)
        return TeamsAuth(
            app_id="",
            anonymous=True,
            configuration=anonymous,
            connections=connections,
            host_validator=DevelopmentHostValidator(enabled=True),
        )
    connections = MsalConnectionManager(**config)
    return TeamsAuth(
        app_id=settings.teams_app_id,
        anonymous=False,
        configuration=connections.get_default_connection_configuration(),
        connections=connections,
        host_validator=OutboundHostValidator(enabled=True),
    )
