"""A local stand-in for the Bot Connector service: records every call, answers as it does.

Activities sent to the bot carry this server's URL as their ``serviceUrl``, so the bot's
replies and proactive messages come here. It serves ``/v3/conversations/{id}/activities``
(new messages), ``.../activities/{activity id}`` (replies, and updates with PUT), and can
fail a conversation as Teams does: 403 when the person removed the app, 429 with
``Retry-After`` when the bot sends too fast.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer


@dataclass
class Call:
    """One request the bot made: the HTTP method, the conversation, the activity replied
    to (or updated), the body, and the Authorization header."""

    method: str
    conversation_id: str
    activity_id: str | None
    body: dict[str, Any]
    authorization: str | None


@dataclass
class FakeConnector:
    calls: list[Call] = field(default_factory=list)
    failing: dict[str, int] = field(default_factory=dict)
    """Conversation id -> the HTTP status every send to it gets."""
    base_url: str = ""
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def service_url(self) -> str:
        return self.base_url + "/"

    def sent(self, conversation_id: str | None = None) -> list[Call]:
        """Messages posted (new or as replies), optionally to one conversation."""
        return [
            call
            for call in self.calls
            if call.method == "POST"
            and call.body.get("type") == "message"
            and (conversation_id is None or call.conversation_id == conversation_id)
        ]

    def cards(self, conversation_id: str | None = None) -> list[dict[str, Any]]:
        """The Adaptive Cards in the posted messages, in order."""
        return [
            attachment["content"]
            for call in self.sent(conversation_id)
            for attachment in call.body.get("attachments", [])
            if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive"
        ]

    async def activities(self, request: web.Request) -> web.Response:
        conversation_id = request.match_info["conversation"]
        body = await request.json()
        self.calls.append(
            Call(
                request.method,
                conversation_id,
                request.match_info.get("activity"),
                body,
                request.headers.get("Authorization"),
            )
        )
        status = self.failing.get(conversation_id)
        if status == 429:
            return web.json_response(
                {"error": {"code": "TooManyRequests"}}, status=429, headers={"Retry-After": "3"}
            )
        if status is not None:
            return web.json_response(
                {"error": {"code": "BotNotInConversationRoster"}}, status=status
            )
        return web.json_response({"id": f"1700000000{next(self._ids):03d}"})


@asynccontextmanager
async def running_fake_connector() -> AsyncIterator[FakeConnector]:
    fake = FakeConnector()
    app = web.Application()
    app.router.add_post("/v3/conversations/{conversation}/activities", fake.activities)
    app.router.add_post("/v3/conversations/{conversation}/activities/{activity}", fake.activities)
    app.router.add_put("/v3/conversations/{conversation}/activities/{activity}", fake.activities)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    fake.base_url = str(server.make_url("")).rstrip("/")
    try:
        yield fake
    finally:
        await server.close()
