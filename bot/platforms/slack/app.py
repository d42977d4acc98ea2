"""The bolt app: single-workspace (bot token) or multi-workspace (OAuth) mode."""

from __future__ import annotations

import logging

from slack_bolt.async_app import AsyncApp
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings

from bot.platforms.slack import listeners
from bot.platforms.slack.messenger import make_client
from bot.platforms.slack.oauth import DatabaseInstallationStore, DatabaseStateStore
from bot.platforms.slack.scopes import BOT_SCOPES
from bot.store.crypto import TokenCipher
from bot.wiring import Services

log = logging.getLogger(__name__)

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"


def slack_configured(services: Services) -> bool:
    settings = services.settings
    return settings.slack_signing_secret is not None and (
        settings.slack_bot_token is not None
        or (settings.slack_client_id is not None and settings.slack_client_secret is not None)
    )


def build_slack_app(services: Services) -> AsyncApp:
    """The bolt app with every listener registered. Requests are verified by bolt too."""
    settings = services.settings
    assert settings.slack_signing_secret is not None
    signing_secret = settings.slack_signing_secret.get_secret_value()
    if settings.slack_client_id and settings.slack_client_secret:
        oauth = AsyncOAuthSettings(
            client_id=settings.slack_client_id,
            client_secret=settings.slack_client_secret.get_secret_value(),
            scopes=list(BOT_SCOPES),
            installation_store=DatabaseInstallationStore(
                services.store, TokenCipher(services.key), client_id=settings.slack_client_id
            ),
            state_store=DatabaseStateStore(services.store),
            install_path=INSTALL_PATH,
            redirect_uri_path=REDIRECT_PATH,
        )
        app = AsyncApp(
            signing_secret=signing_secret,
            oauth_settings=oauth,
            client=make_client(None, base_url=settings.slack_api_url),
        )
        log.info("slack: multi-workspace mode (OAuth install at %s)", INSTALL_PATH)
    else:
        assert settings.slack_bot_token is not None
        token = settings.slack_bot_token.get_secret_value()
        app = AsyncApp(
            signing_secret=signing_secret,
            client=make_client(token, base_url=settings.slack_api_url),
        )
        log.info("slack: single-workspace mode")
    listeners.register(app, services)
    return app
