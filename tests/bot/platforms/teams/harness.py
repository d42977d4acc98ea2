"""A running bot on a free port, a fake Bot Connector, and activities shaped as Teams sends
them (their ``serviceUrl`` points at the fake, so every reply is recorded there)."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import aiohttp
from aiohttp.test_utils import TestServer
from sqlmodel import Session, select

from bot.config import Settings
from bot.platforms.teams.routes import build_teams_routes
from bot.services import admin, consent, listening
from bot.store.db import Store
from bot.store.repos import ensure_workspace
from bot.store.tables import Person, Team
from bot.web import build_web_app
from bot.wiring import Services, build_services
from tests.bot.platforms.teams.fake_connector import FakeConnector, running_fake_connector

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
BOT_ID = "28:5e7b1f2a-0c3d-4e8f-9a1b-2c3d4e5f6a7b"
TEAM = "19:3b2a1c0d9e8f4a7b6c5d4e3f2a1b0c9d@thread.tacv2"
CHANNEL = "19:8f7e6d5c4b3a4f2e9d8c7b6a5f4e3d2c@thread.tacv2"
HR = "aad-hr-0001"
MANAGER = "aad-mgr-0001"
EMPLOYEES = [f"aad-emp-000{i}" for i in range(6)]
ORG = (
    "email,name,team,manager_email,role,timezone,slack_user_id,teams_user_id\n"
    f"hana@acme.test,Hana HR,People,,hr,Europe/Berlin,,{HR}\n"
    f"mia@acme.test,Mia Manager,People,hana@acme.test,employee,Europe/Berlin,,{MANAGER}\n"
    + "".join(
        f"p{i}@acme.test,Person {i},Platform,mia@acme.test,employee,Europe/Berlin,,{user}\n"
        for i, user in enumerate(EMPLOYEES)
    )
)
T = TypeVar("T")


def personal_conversation(user: str) -> str:
    return f"a:1personal-{user}"


@dataclass
class Harness:
    url: str
    fake: FakeConnector
    services: Services
    http: aiohttp.ClientSession
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def store(self) -> Store:
        return self.services.store

    async def post(
        self, activity: dict[str, Any] | str, *, headers: dict[str, str] | None = None
    ) -> tuple[int, Any]:
        """POST an activity (or a raw body) to /api/messages: the status and JSON answer."""
        body = activity if isinstance(activity, str) else json.dumps(activity)
        response = await self.http.post(
            f"{self.url}/api/messages",
            data=body.encode(),
            headers={"Content-Type": "application/json", **(headers or {})},
        )
        text = await response.text()
        return response.status, (json.loads(text) if text.strip() else None)

    def _base(self, user: str, conversation: dict[str, Any], **extra: Any) -> dict[str, Any]:
        return {
            "id": extra.pop("id", None) or f"{1700000000000 + next(self._ids)}",
            "timestamp": extra.pop("timestamp", None) or datetime.now(UTC).isoformat(),
            "serviceUrl": self.fake.service_url,
            "channelId": "msteams",
            "from": {"id": f"29:{user}", "aadObjectId": user, "name": user},
            "recipient": {"id": BOT_ID, "name": "Empathy"},
            "conversation": {"tenantId": TENANT, **conversation},
            "channelData": {"tenant": {"id": TENANT}},
            **extra,
        }

    def personal(self, user: str, **extra: Any) -> dict[str, Any]:
        conversation = {"id": personal_conversation(user), "conversationType": "personal"}
        return self._base(user, conversation, **extra)

    def in_channel(self, user: str, *, channel: str = CHANNEL, **extra: Any) -> dict[str, Any]:
        activity = self._base(
            user,
            {
                "id": f"{channel};messageid={extra.get('id') or 1}",
                "conversationType": "channel",
                "isGroup": True,
            },
            **extra,
        )
        activity["channelData"] = {
            "tenant": {"id": TENANT},
            "team": {"id": TEAM},
            "channel": {"id": channel},
        }
        return activity

    async def say(self, user: str, text: str, **extra: Any) -> tuple[int, Any]:
        """A message in the person's personal chat with the bot."""
        return await self.post(self.personal(user, type="message", text=text, **extra))

    async def channel_message(
        self, user: str, text: str, *, id: str | None = None, channel: str = CHANNEL, **extra: Any
    ) -> tuple[int, Any]:
        """A channel message that does not mention the bot (what RSC delivers)."""
        return await self.post(
            self.in_channel(user, channel=channel, type="message", text=text, id=id, **extra)
        )

    async def mention(self, user: str, text: str, *, channel: str = CHANNEL) -> tuple[int, Any]:
        """``@Empathy <text>`` in a channel."""
        mention = "<at>Empathy</at>"
        return await self.post(
            self.in_channel(
                user,
                channel=channel,
                type="message",
                text=f"<p>{mention} {text}</p>",
                textFormat="xml",
                entities=[
                    {
                        "type": "mention",
                        "text": mention,
                        "mentioned": {"id": BOT_ID, "name": "Empathy"},
                    }
                ],
            )
        )

    async def install_personal(self, user: str) -> tuple[int, Any]:
        """What Teams sends when someone adds the app for themselves."""
        return await self.post(
            self.personal(user, type="conversationUpdate", membersAdded=[{"id": BOT_ID}])
        )

    async def install_in_team(self, user: str) -> tuple[int, Any]:
        """What Teams sends when the app is added to a team (to its General channel)."""
        activity = self.in_channel(
            user, channel=TEAM, type="conversationUpdate", membersAdded=[{"id": BOT_ID}]
        )
        activity["conversation"]["id"] = TEAM
        activity["channelData"]["eventType"] = "teamMemberAdded"
        return await self.post(activity)

    async def press(
        self,
        user: str,
        verb: str,
        value: str = "",
        *,
        inputs: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        """An ``Action.Execute`` press on a card in the person's personal chat."""
        return await self.post(
            self.personal(
                user,
                type="invoke",
                name="adaptiveCard/action",
                value={
                    "action": {
                        "type": "Action.Execute",
                        "verb": verb,
                        "data": {"value": value, **(inputs or {})},
                    },
                    "trigger": "manual",
                },
            )
        )

    async def db(self, work: Callable[[Session], T]) -> T:
        return await self.services.run(work)

    async def until(self, condition: Callable[[], bool], *, seconds: float = 10.0) -> None:
        """Wait for work the bot does after acknowledging (bounded, never open-ended)."""
        deadline = time.monotonic() + seconds
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError("the bot did not finish in time")
            await asyncio.sleep(0.02)


def settings_for(database_url: str, **extra: str) -> Settings:
    return Settings.model_validate(
        {"DATABASE_URL": database_url, "EMPATHYBOT_SECRET_KEY": "k" * 40, **extra}
    )


def seed_org(store: Store, *, opted_in: int = 5, listening_on: bool = True) -> None:
    """HR, a manager, and a team of six of whom ``opted_in`` agreed; listening on."""
    with store.session() as session:
        workspace = ensure_workspace(session=session)
        admin.import_org(ORG, workspace=workspace, session=session)
        team = session.exec(select(Team).where(Team.name == "Platform")).one()
        if listening_on:
            listening.enable(
                "teams", CHANNEL, team, workspace_id=workspace.id or 0, by=None, session=session
            )
        for user in EMPLOYEES[:opted_in]:
            person = session.exec(select(Person).where(Person.teams_user_id == user)).one()
            consent.grant(person.id or 0, "messages", policy_version="v1", session=session)
            consent.grant(person.id or 0, "checkins", policy_version="v1", session=session)


@asynccontextmanager
async def running_bot(
    database_url: str,
    store: Store,
    *,
    fake: FakeConnector | None = None,
    env: dict[str, str] | None = None,
) -> AsyncIterator[Harness]:
    """The web app with the Teams routes mounted, as ``empathybot serve`` mounts them.

    Pass ``fake`` to keep talking to the same Bot Connector across a restart, and ``env``
    for more settings (the Azure Bot registration, for example).
    """
    async with AsyncExitStack() as stack:
        if fake is None:
            fake = await stack.enter_async_context(running_fake_connector())
        services = build_services(settings_for(database_url, **(env or {})), store=store)
        app = build_web_app(services, extra_routes=build_teams_routes(services))
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        stack.push_async_callback(server.close)
        http = await stack.enter_async_context(aiohttp.ClientSession())
        yield Harness(str(server.make_url("")).rstrip("/"), fake, services, http)
