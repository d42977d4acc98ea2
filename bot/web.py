"""The HTTP server: Slack events and OAuth, Teams messages, health and readiness.

Every inbound platform request is checked here before any listener sees it: a forged or
stale Slack request gets 401; a body that is not what its content type promises gets 400;
both leave one log line and nothing else happens. Unexpected errors become a 500 with a
log line, never a crashed server.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qs

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier

from bot.metrics import exposition
from bot.platforms.slack.inbound import shape_problem
from bot.wiring import Services

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

SERVICES_KEY = web.AppKey("services", Services)
SLACK_KEY = web.AppKey("slack", AsyncApp)


@web.middleware
async def errors_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Unexpected failures answer 500 and are logged once (with no request body)."""
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return web.json_response({"error": "internal error"}, status=500)


def _refuse(status: int, reason: str, request: web.Request) -> web.Response:
    log.warning("%s %s refused (%d): %s", request.method, request.path, status, reason)
    return web.json_response({"error": reason}, status=status)


def malformed_slack_body(body: str, content_type: str) -> str | None:
    """Why a Slack body does not parse, or differs from Slack's shapes; else ``None``."""
    if content_type == "application/json":
        try:
            parsed = json.loads(body)
        except ValueError:
            return "body is not valid JSON"
        return shape_problem("event", parsed)
    if content_type == "application/x-www-form-urlencoded":
        try:
            form = parse_qs(body, strict_parsing=True, max_num_fields=200)
        except ValueError:
            return "form body does not parse"
        if "payload" in form:
            try:
                payload = json.loads(form["payload"][0])
            except ValueError:
                return "payload is not valid JSON"
            return shape_problem("interaction", payload)
        return shape_problem("command", {key: values[0] for key, values in form.items()})
    return f"unsupported content type {content_type or 'none'}"


async def slack_events(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES_KEY]
    slack = request.app[SLACK_KEY]
    raw = await request.read()
    try:
        body = raw.decode("utf-8")
    except UnicodeDecodeError:
        return _refuse(400, "body is not UTF-8", request)
    secret = services.settings.slack_signing_secret
    assert secret is not None
    verifier = SignatureVerifier(secret.get_secret_value())
    if not verifier.is_valid(
        body,
        request.headers.get("X-Slack-Request-Timestamp"),
        request.headers.get("X-Slack-Signature"),
    ):
        return _refuse(401, "invalid signature or stale timestamp", request)
    problem = malformed_slack_body(body, request.content_type)
    if problem is not None:
        return _refuse(400, problem, request)
    bolt_request = AsyncBoltRequest(
        body=body, query=request.query_string, headers=dict(request.headers)
    )
    response = await slack.async_dispatch(bolt_request)
    return await to_aiohttp_response(response)


async def slack_oauth(request: web.Request) -> web.StreamResponse:
    slack = request.app[SLACK_KEY]
    flow = slack.oauth_flow
    if flow is None:
        raise web.HTTPNotFound()
    bolt_request = AsyncBoltRequest(
        body="", query=request.query_string, headers=dict(request.headers)
    )
    if request.path == flow.install_path:
        response = await flow.handle_installation(bolt_request)
    else:
        response = await flow.handle_callback(bolt_request)
    return await to_aiohttp_response(response)


async def metrics(_request: web.Request) -> web.StreamResponse:
    return web.Response(
        body=exposition(),
        content_type="text/plain",
        charset="utf-8",
        headers={"X-Content-Type-Options": "nosniff"},
    )


async def healthz(_request: web.Request) -> web.StreamResponse:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES_KEY]
    if await asyncio.to_thread(services.store.ping):
        return web.json_response({"status": "ready"})
    return web.json_response({"status": "database unreachable"}, status=503)


class AccessLog(AbstractAccessLogger):
    """One line per request with the path only: query strings (OAuth codes and states)
    and request lines never reach the log."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info("%s %s %d %.3fs", request.method, request.path, response.status, time)


def build_web_app(
    services: Services,
    *,
    slack: AsyncApp | None = None,
    extra_routes: list[web.RouteDef] | None = None,
) -> web.Application:
    """The aiohttp application; platforms are mounted when configured."""
    app = web.Application(middlewares=[errors_middleware], client_max_size=MAX_BODY)
    app[SERVICES_KEY] = services
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    if slack is not None:
        app[SLACK_KEY] = slack
        app.router.add_post("/slack/events", slack_events)
        app.router.add_get("/slack/install", slack_oauth)
        app.router.add_get("/slack/oauth_redirect", slack_oauth)
    if extra_routes:
        app.add_routes(extra_routes)

    async def drain_ingest(_app: web.Application) -> None:
        await services.ingest.drain()

    app.on_shutdown.append(drain_ingest)
    return app


def describe(app: web.Application) -> list[str]:
    """The routes, for the start-up log."""
    return sorted(
        {
            f"{r.method} {r.resource.canonical}"
            for r in app.router.routes()
            if r.resource is not None and r.method != "HEAD"
        }
    )
