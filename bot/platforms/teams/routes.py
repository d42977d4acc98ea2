"""``POST /api/messages``: Teams activities into the agent, checked before it sees them.

With an app id configured, a request without a valid Bot Framework token gets 401. A body
that is not a JSON activity gets 400. A ``serviceUrl`` outside the allowed hosts gets 401
from the SDK's host validation. Each refusal leaves one log line and nothing else happens.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from microsoft_agents.activity import Activity
from microsoft_agents.hosting.core.authorization import ClaimsIdentity
from microsoft_agents.hosting.core.http import HttpResponse
from pydantic import ValidationError

from bot.platforms.teams.agent import TeamsAgent, build_agent
from bot.wiring import Services

log = logging.getLogger("bot.platforms.teams")

MESSAGES_PATH = "/api/messages"


def _refuse(status: int, reason: str, request: web.Request) -> web.Response:
    log.warning("%s %s refused (%d): %s", request.method, request.path, status, reason)
    return web.json_response({"error": reason}, status=status)


def parse_activity(body: bytes) -> dict[str, Any] | str:
    """The body as a Bot Framework activity the agent can take, or why it is not one."""
    try:
        parsed = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return "body is not valid JSON"
    if not isinstance(parsed, dict):
        return "body is not a JSON object"
    try:
        activity = Activity.model_validate(parsed)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = "/".join(str(part) for part in first["loc"]) or "body"
        return f"activity {where}: {first['msg'][:120]}"
    if not activity.type or activity.conversation is None or not activity.conversation.id:
        return "activity needs a type and a conversation id"
    return parsed


@dataclass(frozen=True)
class CheckedRequest:
    """A request already authenticated and parsed, in the shape the SDK's HTTP adapter
    reads (``HttpRequestProtocol``)."""

    method: str
    headers: Mapping[str, str]
    body: dict[str, Any]
    identity: ClaimsIdentity

    async def json(self) -> dict[str, Any]:
        return self.body

    def get_claims_identity(self) -> ClaimsIdentity:
        return self.identity

    def get_path_param(self, name: str) -> str:
        raise KeyError(name)


def _to_response(result: HttpResponse) -> web.Response:
    if result.body is not None:
        return web.json_response(result.body, status=result.status_code, headers=result.headers)
    return web.Response(
        status=result.status_code, headers=result.headers, content_type=result.content_type
    )


def messages_handler(agent: TeamsAgent) -> web.RouteDef:
    """The route that authenticates, checks and hands each activity to the agent."""

    async def messages(request: web.Request) -> web.StreamResponse:
        identity = await agent.auth.authenticate(request.headers.get("Authorization"))
        if identity is None:
            return _refuse(401, "missing or invalid bearer token", request)
        parsed = parse_activity(await request.read())
        if isinstance(parsed, str):
            return _refuse(400, parsed, request)
        checked = CheckedRequest(request.method, request.headers, parsed, identity)
        return _to_response(await agent.connector.adapter.process_request(checked, agent.app))

    return web.post(MESSAGES_PATH, messages)


def build_teams_routes(services: Services) -> list[web.RouteDef]:
    """The Teams routes for ``build_web_app(..., extra_routes=...)``; logs the auth mode."""
    agent = build_agent(services)
    if agent.auth.anonymous:
        log.warning(
            "teams: ANONYMOUS mode, no TEAMS_APP_ID: %s accepts requests without a token "
            "(local development only)",
            MESSAGES_PATH,
        )
    else:
        log.info(
            "teams: %s validates Bot Framework tokens for app id %s",
            MESSAGES_PATH,
            agent.auth.app_id,
        )
    return [messages_handler(agent)]
