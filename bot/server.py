"""``empathybot serve``: build everything once and run the web server until stopped."""

from __future__ import annotations

import asyncio
import logging
import time

from aiohttp import web

from bot.config import Settings
from bot.ingest import worker_pool
from bot.platforms.base import Messenger
from bot.platforms.routing import RoutingMessenger
from bot.platforms.slack.messenger import SlackMessenger, make_client
from bot.platforms.slack.oauth import DatabaseInstallationStore
from bot.store.crypto import TokenCipher
from bot.web import AccessLog, build_web_app, describe
from bot.wiring import Services, build_services

log = logging.getLogger(__name__)


def build_application(services: Services) -> web.Application:
    """The web application with every configured platform mounted."""
    from bot.platforms.slack.app import build_slack_app, slack_configured

    slack = build_slack_app(services) if slack_configured(services) else None
    if slack is None:
        log.info("slack: not configured (set SLACK_SIGNING_SECRET and a token or OAuth client)")
    from bot.platforms.teams.auth import teams_enabled

    extra_routes = None
    if teams_enabled(services.settings):
        from bot.platforms.teams.routes import build_teams_routes

        extra_routes = build_teams_routes(services)
    else:
        log.info("teams: not configured (set TEAMS_APP_ID, TEAMS_APP_PASSWORD, TEAMS_TENANT_ID)")
    app = build_web_app(services, slack=slack, extra_routes=extra_routes)

    async def warm_up(_app: web.Application) -> None:
        # Build the spaCy pipeline before taking traffic, so the first requests are fast.
        started = time.perf_counter()
        await asyncio.to_thread(services.analyzer, ["warming up"])
        log.info("signals pipeline ready in %.1f s", time.perf_counter() - started)

    app.on_startup.append(warm_up)
    return app


def ingest_in_a_worker_process(app: web.Application, services: Services) -> None:
    """Score and record messages in a second process, off the event loop's interpreter."""
    settings = services.settings
    pool = worker_pool(settings.resolved_database_url, services.key, settings.event_retention_days)
    services.ingest.use_process(pool)

    async def start(_app: web.Application) -> None:
        # Start the worker (and its pipeline) now rather than on the first message.
        await asyncio.get_running_loop().run_in_executor(pool, _noop)

    async def stop(_app: web.Application) -> None:
        await asyncio.to_thread(pool.shutdown, True)

    app.on_startup.append(start)
    app.on_cleanup.append(stop)


def _noop() -> None:
    return None


def run_server(
    settings: Settings, *, socket_mode: bool = False, with_scheduler: bool = True
) -> None:
    """Serve HTTP on ``PORT`` (and Slack Socket Mode when asked) until SIGTERM or SIGINT.

    The scheduler runs inside the server unless ``with_scheduler`` is False (for example
    when ``empathybot scheduler`` runs it as its own process).
    """
    services = build_services(settings)
    app = build_application(services)
    ingest_in_a_worker_process(app, services)
    if with_scheduler:
        attach_scheduler(app, services)
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
    web.run_app(
        app, port=settings.port, print=None, shutdown_timeout=30, access_log_class=AccessLog
    )


def attach_scheduler(app: web.Application, services: Services) -> None:
    """Start the scheduler with the server and stop it (releasing leadership) on shutdown."""
    from bot.scheduling import Scheduler

    scheduler = Scheduler(services, build_messenger(services))

    async def start(_app: web.Application) -> None:
        scheduler.start()

    async def stop(_app: web.Application) -> None:
        await scheduler.shutdown()

    app.on_startup.append(start)
    app.on_shutdown.append(stop)


def run_scheduler(settings: Settings) -> None:
    """``empathybot scheduler``: only the scheduler, with /healthz, until SIGTERM."""
    services = build_services(settings)
    app = build_web_app(services)
    attach_scheduler(app, services)
    log.info("scheduler process: health on port %d", settings.port)
    web.run_app(
        app, port=settings.port, print=None, shutdown_timeout=30, access_log_class=AccessLog
    )


def build_messenger(services: Services, *, rate_limit_retries: int = 0) -> RoutingMessenger:
    """How the bot reaches people proactively (digests, check-ins), per platform."""
    settings = services.settings
    slack: Messenger | None = None
    if settings.slack_bot_token is not None:
        client = make_client(
            settings.slack_bot_token.get_secret_value(),
            base_url=settings.slack_api_url,
            rate_limit_retries=rate_limit_retries,
        )
        slack = SlackMessenger(client)
    elif settings.slack_client_id and settings.slack_client_secret:
        slack = SlackMessenger(
            make_client(
                None, base_url=settings.slack_api_url, rate_limit_retries=rate_limit_retries
            ),
            installations=DatabaseInstallationStore(
                services.store, TokenCipher(services.key), client_id=settings.slack_client_id
            ),
        )
    teams: Messenger | None = None
    from bot.platforms.teams.auth import teams_enabled

    if teams_enabled(settings):
        from bot.platforms.teams.messenger import TeamsMessenger

        teams = TeamsMessenger(services)
    return RoutingMessenger(slack=slack, teams=teams)
