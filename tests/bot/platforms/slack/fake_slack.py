"""A local stand-in for Slack's Web API: records every call and answers as Slack does.

It serves ``/api/<method>`` with the documented success shapes, the file-upload URL that
``files.getUploadURLExternal`` hands out, and ``/respond/<id>`` for response URLs. It can
also rate-limit: beyond ``rate_limit`` calls per second it answers 429 with Retry-After.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from aiohttp import web
from aiohttp.test_utils import TestServer


@dataclass
class Call:
    method: str
    params: dict[str, Any]


@dataclass
class FakeSlack:
    calls: list[Call] = field(default_factory=list)
    responses: list[dict[str, Any]] = field(default_factory=list)
    rate_limit: int | None = None
    retry_after: int = 1
    failing_users: set[str] = field(default_factory=set)
    _ts: itertools.count = field(default_factory=lambda: itertools.count(1))
    _windows: dict[str, list[float]] = field(default_factory=dict)
    base_url: str = ""
    failing_methods: set[str] = field(default_factory=set)
    """Methods that answer ``internal_error``."""
    post_delay: float = 0.0
    """Seconds chat.postMessage takes to answer (to make a fan-out last a while)."""

    def reset_rate_windows(self) -> None:
        """Forget recent calls (a test's frozen clock has moved past the window)."""
        self._windows.clear()

    def called(self, method: str) -> list[dict[str, Any]]:
        return [call.params for call in self.calls if call.method == method]

    async def api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        raw = await request.read()
        params: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            params |= json.loads(raw or b"{}")
        elif request.content_type == "application/x-www-form-urlencoded":
            params |= {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        for key in ("blocks", "view", "files", "users"):
            if isinstance(params.get(key), str) and params[key][:1] in "[{":
                params[key] = json.loads(params[key])
        if self.rate_limit is not None:
            # Like Slack's tiers: a budget per method per second.
            now = time.monotonic()
            window = [t for t in self._windows.get(method, []) if now - t < 1.0]
            if len(window) >= self.rate_limit:
                self.calls.append(Call(f"{method}#429", params))
                return web.json_response(
                    {"ok": False, "error": "ratelimited"},
                    status=429,
                    headers={"Retry-After": str(self.retry_after)},
                )
            self._windows[method] = [*window, now]
        if method in self.failing_methods:
            self.calls.append(Call(f"{method}#error", params))
            return web.json_response({"ok": False, "error": "internal_error"})
        if method == "chat.postMessage" and self.post_delay:
            await asyncio.sleep(self.post_delay)
        self.calls.append(Call(method, params))
        return web.json_response(self._answer(method, params))

    def _answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://acme.slack.com/",
                "team": "Acme",
                "user": "empathybot",
                "team_id": "T0ACME",
                "user_id": "UBOT0001",
                "bot_id": "BBOT0001",
            }
        if method == "conversations.open":
            users = str(params.get("users", ""))
            if users in self.failing_users:
                return {"ok": False, "error": "user_not_found"}
            return {"ok": True, "channel": {"id": "D" + users[1:]}}
        if method in {"chat.postMessage", "chat.update"}:
            ts = f"1700000000.{next(self._ts):06d}"
            return {
                "ok": True,
                "channel": params.get("channel"),
                "ts": params.get("ts", ts),
                "message": {"text": params.get("text", ""), "ts": ts},
            }
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": "1700000000.999999"}
        if method in {"views.publish", "views.open", "views.update"}:
            return {"ok": True, "view": {"id": "V1", **(params.get("view") or {})}}
        if method == "files.getUploadURLExternal":
            return {"ok": True, "upload_url": f"{self.base_url}/upload/F1", "file_id": "F1"}
        if method == "files.completeUploadExternal":
            return {"ok": True, "files": [{"id": "F1", "title": "chart"}]}
        if method == "files.info":
            return {"ok": True, "file": {"id": "F1"}}
        if method == "oauth.v2.access":
            return {
                "ok": True,
                "app_id": "A1",
                "access_token": "xoxb-installed-token",
                "token_type": "bot",
                "scope": "chat:write,commands",
                "bot_user_id": "UBOT0001",
                "team": {"id": "T0NEW", "name": "New Co"},
                "enterprise": None,
                "is_enterprise_install": False,
                "authed_user": {"id": "UINSTALL1"},
            }
        return {"ok": True}

    async def upload(self, request: web.Request) -> web.Response:
        self.calls.append(Call("upload", {"bytes": len(await request.read())}))
        return web.Response(text="OK - 1")

    async def respond(self, request: web.Request) -> web.Response:
        self.calls.append(Call("response_url", json.loads(await request.read() or b"{}")))
        return web.Response(text="ok")


@asynccontextmanager
async def running_fake_slack() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack()
    app = web.Application()
    app.router.add_post("/api/{method}", fake.api)
    app.router.add_post("/upload/{file}", fake.upload)
    app.router.add_post("/respond/{id}", fake.respond)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    fake.base_url = str(server.make_url("")).rstrip("/")
    try:
        yield fake
    finally:
        await server.close()
