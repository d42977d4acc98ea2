"""A running bot on a free port, a fake Slack Web API, and requests signed as Slack signs."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlencode

import aiohttp
from aiohttp.test_utils import TestServer
from sqlmodel import Session, select

from bot.config import Settings
from bot.server import build_application
from bot.services import admin, consent, listening
from bot.store.db import Store
from bot.store.repos import ensure_workspace
from bot.store.tables import Person, Team
from bot.wiring import Services, build_services
from tests.bot.platforms.slack.fake_slack import FakeSlack, running_fake_slack

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
CHANNEL = "CPLATFORM"
ORG = (
    "email,name,team,manager_email,role,timezone,slack_user_id\n"
    "hana@acme.test,Hana HR,People,,hr,Europe/Berlin,UHR000001\n"
    "mia@acme.test,Mia Manager,People,hana@acme.test,employee,Europe/Berlin,UMGR00001\n"
    + "".join(
        f"p{i}@acme.test,Person {i},Platform,mia@acme.test,employee,Europe/Berlin,UEMP0000{i}\n"
        for i in range(6)
    )
)
EMPLOYEES = [f"UEMP0000{i}" for i in range(6)]
T = TypeVar("T")


def sign(body: str, timestamp: int | None = None, secret: str = SIGNING_SECRET) -> dict[str, str]:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256)
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest.hexdigest()}"}


@dataclass
class Harness:
    url: str
    fake: FakeSlack
    services: Services
    http: aiohttp.ClientSession

    @property
    def store(self) -> Store:
        return self.services.store

    async def post(
        self, body: str, content_type: str, *, headers: dict[str, str] | None = None
    ) -> aiohttp.ClientResponse:
        signed = sign(body) if headers is None else headers
        response = await self.http.post(
            f"{self.url}/slack/events",
            data=body.encode(),
            headers={"Content-Type": content_type, **signed},
        )
        await response.read()
        return response

    async def event(
        self, event: dict[str, Any], *, event_id: str, retry: int | None = None
    ) -> aiohttp.ClientResponse:
        body = json.dumps(
            {
                "token": "x",
                "team_id": "T0ACME",
                "api_app_id": "A1",
                "type": "event_callback",
                "event_id": event_id,
                "event_time": int(time.time()),
                "event": event,
            }
        )
        headers = sign(body)
        if retry is not None:
            headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        return await self.post(body, "application/json", headers=headers)

    async def message(
        self,
        user: str,
        text: str,
        *,
        event_id: str,
        channel: str = CHANNEL,
        retry: int | None = None,
    ) -> aiohttp.ClientResponse:
        return await self.event(
            {
                "type": "message",
                "channel": channel,
                "user": user,
                "text": text,
                "ts": f"{time.time():.6f}",
                "channel_type": "channel",
            },
            event_id=event_id,
            retry=retry,
        )

    async def command(self, text: str, *, user: str, channel: str = CHANNEL) -> dict[str, Any]:
        body = urlencode(
            {
                "token": "x",
                "team_id": "T0ACME",
                "channel_id": channel,
                "channel_name": "platform",
                "user_id": user,
                "command": "/empathy",
                "text": text,
                "trigger_id": "13345224609.738474920.8088930838d88f008e0",
                "response_url": f"{self.fake.base_url}/respond/1",
                "api_app_id": "A1",
            }
        )
        response = await self.post(body, "application/x-www-form-urlencoded")
        assert response.status == 200, await response.text()
        return json.loads(await response.text())

    async def action(self, payload: dict[str, Any]) -> aiohttp.ClientResponse:
        base = {
            "token": "x",
            "team": {"id": "T0ACME"},
            "api_app_id": "A1",
            "trigger_id": "1.2.3",
            "response_url": f"{self.fake.base_url}/respond/2",
        }
        body = urlencode({"payload": json.dumps({**base, **payload})})
        return await self.post(body, "application/x-www-form-urlencoded")

    async def db(self, work: Callable[[Session], T]) -> T:
        return await self.services.run(work)

    async def until(self, condition: Callable[[], bool], *, seconds: float = 10.0) -> None:
        """Wait for work the bot does after acknowledging (bounded, never open-ended)."""
        deadline = time.monotonic() + seconds
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError("the bot did not finish in time")
            await asyncio.sleep(0.02)


def settings_for(database_url: str, fake: FakeSlack, **extra: str) -> Settings:
    return Settings.model_validate(
        {
            "DATABASE_URL": database_url,
            "EMPATHYBOT_SECRET_KEY": "k" * 40,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_BOT_TOKEN": "xoxb-test-token",
            "SLACK_API_URL": f"{fake.base_url}/api/",
            **extra,
        }
    )


def seed_org(store: Store, *, opted_in: int = 5) -> None:
    """HR, a manager, and a team of six of whom ``opted_in`` agreed; listening on."""
    with store.session() as session:
        workspace = ensure_workspace(session=session)
        admin.import_org(ORG, workspace=workspace, session=session)
        team = session.exec(select(Team).where(Team.name == "Platform")).one()
        listening.enable(
            "slack", CHANNEL, team, workspace_id=workspace.id or 0, by=None, session=session
        )
        for user in EMPLOYEES[:opted_in]:
            person = session.exec(select(Person).where(Person.slack_user_id == user)).one()
            consent.grant(person.id or 0, "messages", policy_version="v1", session=session)
            consent.grant(person.id or 0, "checkins", policy_version="v1", session=session)


@asynccontextmanager
async def running_bot(database_url: str, store: Store, **extra: str) -> AsyncIterator[Harness]:
    async with running_fake_slack() as fake:
        services = build_services(settings_for(database_url, fake, **extra), store=store)
        server = TestServer(build_application(services), host="127.0.0.1")
        await server.start_server()
        async with aiohttp.ClientSession() as http:
            try:
                yield Harness(str(server.make_url("")).rstrip("/"), fake, services, http)
            finally:
                await server.close()
