"""Events: channel messages go to the listening service; App Home is published on open."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import Session

from bot.platforms.slack import translate
from bot.platforms.slack.listeners.common import log, publish_home
from bot.services import listening
from bot.wiring import Services


def register(app: AsyncApp, services: Services) -> None:
    @app.event("message")
    async def on_message(body: dict[str, Any]) -> None:
        # Bolt has already acknowledged the event; scoring happens here, off the request.
        incoming = translate.incoming_message(body)
        if incoming is None:
            return

        def ingest(session: Session) -> str:
            outcomes = listening.ingest(
                [incoming], analyzer=services.analyzer, key=services.key, session=session
            )
            return ",".join(outcome.value for outcome in outcomes)

        outcome = await services.run(ingest)
        log.info("slack message %s in %s: %s", incoming.event_id, incoming.channel_id, outcome)

    @app.event("app_home_opened")
    async def on_home(event: dict[str, Any], client: AsyncWebClient) -> None:
        if event.get("tab", "home") == "home" and event.get("user"):
            await publish_home(client, str(event["user"]), services)
