"""Helpers the Slack listeners share: find the person, publish Home, send a DM."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import Session

from bot.platforms.slack.blocks import to_slack
from bot.services import home
from bot.services.commands import find_person
from bot.wiring import Services
from nudges.message import Message, Section

log = logging.getLogger("bot.platforms.slack")


def blocks_of(message: Message) -> dict[str, Any]:
    return to_slack(message)


async def publish_home(client: AsyncWebClient, user_id: str, services: Services) -> None:
    """Render the person's App Home for their role and publish it."""

    def build(session: Session) -> Message:
        person = find_person("slack", user_id, session=session)
        if person is None:
            return Message(
                title="Welcome to Empathy Nudge Bot",
                summary="Welcome",
                sections=(
                    Section(
                        text="HR hasn't added you yet. Once they have, this page shows what "
                        "you share, your check-ins and your data receipt."
                    ),
                ),
            )
        return home.home_message(person, services.command_context(), session=session)

    message = await services.run(build)
    try:
        await client.views_publish(
            user_id=user_id, view={"type": "home", "blocks": to_slack(message)["blocks"]}
        )
    except SlackApiError as exc:
        log.warning("views.publish failed: %s", exc.response.get("error"))


async def send_direct(client: AsyncWebClient, user_id: str, message: Message) -> None:
    """A message in the person's direct chat with the app."""
    opened = await client.conversations_open(users=user_id)
    payload = to_slack(message)
    await client.chat_postMessage(
        channel=opened["channel"]["id"], text=payload["text"], blocks=payload["blocks"]
    )
