"""``empathybot serve``: build everything once and run the web server until stopped."""

from __future__ import annotations

import logging

from aiohttp import web

from bot.config import Settings
from bot.web import build_web_app, describe
from bot.wiring import Services, build_services

log = logging.getLogger(__name__)


def build_application(services: Services) -> web.Application:
    """The web application with every configured platform mounted."""
    from bot.platforms.slack.app import build_slack_app, slack_configured

    slack = build_slack_app(services) if slack_configured(services) else None
    if slack is None:
        log.info("slack: not configured (set SLACK_SIGNING_SECRET and a token or OAuth client)")
    return build_web_app(services, slack=slack)


def run_server(settings: Settings, *, socket_mode: bool = False) -> None:
    """Serve HTTP on ``PORT`` (and Slack Socket Mode when asked) until SIGTERM or SIGINT."""
    services = build_services(settings)
    app = build_application(services)
    if socket_mode:
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

        from bot.platforms.slack.app import build_slack_app
        from bot.web import SLACK_KEY

        slack = app.get(SLACK_KEY) or build_slack_app(services)
        assert settings.slack_app_token is not None
        handler = AsyncSocketModeHandler(slack, settings.slack_app_token.get_secret_value())

        async def start_socket(_app: web.Application) -> None:
            await handler.connect_async()  # type: ignore[no-untyped-call]
            log.info("slack: connected in Socket Mode")

        async def stop_socket(_app: web.Application) -> None:
            await handler.close_async()  # type: ignore[no-untyped-call]

        app.on_startup.append(start_socket)
        app.on_cleanup.append(stop_socket)

    async def close_store(_app: web.Application) -> None:
        services.store.dispose()

    app.on_cleanup.append(close_store)
    log.info("listening on port %d: %s", settings.port, ", ".join(describe(app)))
    web.run_app(app, port=settings.port, print=None, shutdown_timeout=30)
