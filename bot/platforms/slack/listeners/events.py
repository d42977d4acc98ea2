"""Events: channel messages go to the listening service; App Home is published on open."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.platforms.slack import translate
from bot.platforms.slack.listeners.common import publish_home
from bot.wiring import Services


def register(app: AsyncApp, services: Services) -> None:
    @app.event("message")
    async def on_message(body: dict[str, Any]) -> None:
        # Bolt has already acknowledged the event; scoring happens later, in a batch.
        incoming = translate.incoming_message(body)
        if incoming is not None:
            services.ingest.submit(incoming)

    @app.event("app_home_opened")
    async def on_home(event: dict[str, Any], client: AsyncWebClient) -> None:
        if event.get("tab", "home") == "home" and event.get("user"):
            await publish_home(client, str(event["user"]), services)
