"""Neutral messages out to Teams, as Adaptive Cards in each person's personal chat.

The chat is the one captured when the person installed the app (or last wrote to it),
read from the database, so digests and check-ins reach people after any restart and
from any process (the server, the scheduler, ``empathybot digest send``).
"""

from __future__ import annotations

import logging
from typing import Any

from bot.errors import DeliveryError
from bot.platforms.base import Receipt, Recipient
from bot.platforms.teams import references
from bot.platforms.teams.auth import build_auth
from bot.platforms.teams.cards import to_card
from bot.platforms.teams.connector import TeamsConnector
from bot.platforms.teams.translate import PLATFORM, card_activity
from bot.wiring import Services
from nudges.message import Message

log = logging.getLogger("bot.platforms.teams")


class TeamsMessenger:
    """Sends to people's personal chats with the bot (implements ``Messenger``)."""

    platform = PLATFORM

    def __init__(self, services: Services, *, connector: TeamsConnector | None = None) -> None:
        self._services = services
        self._connector = connector or TeamsConnector(build_auth(services.settings))

    async def send(self, recipient: Recipient, message: Message) -> Receipt:
        """Deliver ``message`` as an Adaptive Card; :class:`DeliveryError` when it fails."""
        return await self.send_card(
            recipient, to_card(message), summary=message.summary or message.title
        )

    async def send_card(
        self, recipient: Recipient, card: dict[str, Any], *, summary: str = ""
    ) -> Receipt:
        """Deliver a ready card (one with inputs, which a neutral message cannot hold)."""
        teams_user_id = recipient.teams_user_id
        if not teams_user_id:
            raise DeliveryError("no Teams user id for this person", permanent=True)
        reference = await self._services.run(
            lambda session: references.personal_reference(
                recipient.person_id, teams_user_id, session=session
            )
        )
        if reference is None:
            raise DeliveryError(
                "no personal chat with this person yet: the app must be installed for them",
                permanent=True,
            )
        activity_id = await self._connector.send(reference, card_activity(card, summary=summary))
        conversation = str((reference.get("conversation") or {}).get("id", ""))
        return Receipt(PLATFORM, f"{conversation}:{activity_id}")
