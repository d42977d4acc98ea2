"""What every platform adapter translates to and from.

Inbound payloads become these neutral events in exactly one module per platform, and
outbound :class:`~nudges.message.Message` s leave through a :class:`Messenger`. Nothing
inward of an adapter touches a raw payload.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.store.tables import Person
from nudges.message import Message


@dataclass(frozen=True)
class IncomingMessage:
    """A chat message seen in a channel. ``text`` lives only in memory, for scoring."""

    platform: str
    event_id: str
    channel_id: str
    user_id: str
    text: str
    sent_at: datetime
    workspace_key: str | None = None
    is_bot: bool = False
    subtype: str | None = None

    def __repr__(self) -> str:
        # Never let message text reach a log line or a traceback through repr().
        return (
            f"IncomingMessage(platform={self.platform!r}, event_id={self.event_id!r}, "
            f"channel_id={self.channel_id!r}, user_id={self.user_id!r}, text=<{len(self.text)} "
            f"chars>, sent_at={self.sent_at.isoformat()!r})"
        )


@dataclass(frozen=True)
class Recipient:
    """Where to deliver a message to one person."""

    person_id: int
    display_name: str
    slack_user_id: str | None = None
    teams_user_id: str | None = None
    locale: str = "en"
    slack_team_id: str | None = None


def recipient_for(person: Person, *, slack_team_id: str | None = None) -> Recipient:
    """How to reach ``person``: their platform ids and locale."""
    assert person.id is not None
    return Recipient(
        person_id=person.id,
        display_name=person.display_name,
        slack_user_id=person.slack_user_id,
        teams_user_id=person.teams_user_id,
        locale=person.locale,
        slack_team_id=slack_team_id,
    )


@dataclass(frozen=True)
class Receipt:
    """A platform's reference for a message it accepted (a Slack ``ts``, a Teams id)."""

    platform: str
    ref: str


class Messenger(Protocol):
    """Sends neutral messages to people on one platform."""

    platform: str

    async def send(self, recipient: Recipient, message: Message) -> Receipt:
        """Deliver ``message``; raise :class:`~bot.errors.DeliveryError` when it fails."""
        ...
