"""One messenger in front of several platforms: each person is reached where they are."""

from __future__ import annotations

from bot.errors import DeliveryError
from bot.platforms.base import Messenger, Receipt, Recipient
from nudges.message import Message


class RoutingMessenger:
    """Sends through Slack when the person has a Slack id, else Teams, else fails for good."""

    platform = "routing"

    def __init__(self, *, slack: Messenger | None = None, teams: Messenger | None = None) -> None:
        self._slack = slack
        self._teams = teams

    async def send(self, recipient: Recipient, message: Message) -> Receipt:
        if recipient.slack_user_id and self._slack is not None:
            return await self._slack.send(recipient, message)
        if recipient.teams_user_id and self._teams is not None:
            return await self._teams.send(recipient, message)
        raise DeliveryError("no platform reaches this person", permanent=True)
