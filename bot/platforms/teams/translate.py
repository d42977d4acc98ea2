"""Teams activities in, neutral events out (and the few outbound shapes back): the one place
that reads the Bot Framework Activity schema.

* A channel (or group chat) message that does not mention the bot becomes an
  :class:`IncomingMessage` for listening, keyed by ``<channel>:<activity id>`` so a
  redelivered activity is counted once. Its text is cleaned first: ``<at>`` mentions
  (names are not mood) and HTML go, entities are decoded, an emoji keeps its ``alt``.
* A personal-chat message, or a channel message that mentions the bot, becomes a
  :class:`Command`. The person is ``from.aadObjectId``: what ``Person.teams_user_id``
  holds.
* An ``adaptiveCard/action`` invoke (Universal Actions) becomes a :class:`CardAction`.
* Any activity with a conversation becomes a :class:`ConversationRecord`: what is kept to
  message that conversation later. Channel records keep no author and no message id, so
  the database never learns who wrote in a channel.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from html.parser import HTMLParser
from typing import Any, Final

from microsoft_agents.activity import (
    Activity,
    ActivityTypes,
    AdaptiveCardInvokeResponse,
    Attachment,
    ChannelAccount,
    ConversationReference,
    InvokeResponse,
    RoleTypes,
)
from microsoft_agents.activity.teams import TeamsChannelData

from bot.platforms.base import IncomingMessage
from bot.platforms.teams.cards import ATTACHMENT_CONTENT_TYPE, to_attachment
from bot.services.commands import Command
from bot.store.types import utcnow

PLATFORM: Final = "teams"
PERSONAL: Final = "personal"
CHANNEL: Final = "channel"
GROUP_CHAT: Final = "groupChat"
INVOKE_ACTION: Final = "adaptiveCard/action"
ACTION_EXECUTE: Final = "Action.Execute"
MESSAGE_RESPONSE: Final = "application/vnd.microsoft.activity.message"
ERROR_RESPONSE: Final = "application/vnd.microsoft.error"
BOT_NAME: Final = "Empathy"
"""The bot's short name in the app manifest: what people type after ``@``."""
COMMAND_PREFIX: Final = f"@{BOT_NAME}"

MAX_CHANNEL_KEY: Final = 64
"""``ChannelListening.channel_id`` holds 64 characters; longer ids are hashed to fit."""
MAX_EVENT_ID: Final = 150
"""``ProcessedEvent.key`` holds 160 characters, including the ``teams:`` prefix."""

_BLOCK_TAGS = frozenset({"p", "div", "br", "li", "tr", "blockquote", "pre", "h1", "h2", "h3"})
_SKIPPED_TAGS = frozenset({"at", "script", "style", "attachment"})
_SPACES = re.compile(r"[ \t\u00a0]+")
_LINES = re.compile(r"\s*\n\s*")
_BEFORE_PUNCTUATION = re.compile(r" +([,.;:!?])")
_LEADING_NAME = re.compile(rf"^@?{BOT_NAME}\b[:,]?\s*", re.IGNORECASE)


class _TextExtractor(HTMLParser):
    """Collects the readable text of Teams message HTML (see :func:`clean_text`)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED_TAGS:
            self._skipping += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")
        elif tag in {"emoji", "img"} and not self._skipping:
            alt = dict(attrs).get("alt")
            if alt:
                self.parts.append(f" {alt} ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_TAGS:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def clean_text(raw: str) -> str:
    """The words of a Teams message: mentions and markup removed, entities decoded.

    ``<at>Name</at>`` disappears with the name inside it; block elements become line
    breaks; ``<emoji alt="🙂">`` and ``<img alt>`` keep their alt text; whitespace is
    collapsed, also where a removed mention left a gap before punctuation. Plain text
    passes through unchanged apart from whitespace.
    """
    parser = _TextExtractor()
    parser.feed(raw)
    parser.close()
    text = _SPACES.sub(" ", "".join(parser.parts))
    text = _BEFORE_PUNCTUATION.sub(r"\1", text)
    return _LINES.sub("\n", text).strip()


def _channel_data(activity: Activity) -> TeamsChannelData | None:
    data = activity.channel_data
    if isinstance(data, Mapping):
        try:
            return TeamsChannelData.model_validate(dict(data))
        except ValueError:
            return None
    return data if isinstance(data, TeamsChannelData) else None


def conversation_type(activity: Activity) -> str:
    """``personal``, ``channel`` or ``groupChat`` (unknown kinds read as group chats)."""
    conversation = activity.conversation
    kind = conversation.conversation_type if conversation is not None else None
    if kind in {PERSONAL, CHANNEL}:
        return str(kind)
    if kind is None and conversation is not None and not conversation.is_group:
        return PERSONAL
    return GROUP_CHAT


def _base_conversation_id(activity: Activity) -> str:
    """The conversation without a thread suffix (``19:x@thread.tacv2;messageid=1``)."""
    conversation = activity.conversation
    raw = str(conversation.id if conversation is not None else "")
    return raw.split(";", 1)[0]


def channel_key(activity: Activity) -> str:
    """The stable id listening is switched on for: the channel, whatever thread a message
    is in; the chat for a group chat. Ids too long for storage are hashed (stably)."""
    data = _channel_data(activity)
    key = ""
    if conversation_type(activity) == CHANNEL and data is not None and data.channel is not None:
        key = str(data.channel.id or "")
    key = key or _base_conversation_id(activity)
    if len(key) <= MAX_CHANNEL_KEY:
        return key
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()[: MAX_CHANNEL_KEY - 7]


def user_id(activity: Activity) -> str:
    """The person behind the activity: their Entra object id (``from.aadObjectId``)."""
    sender = activity.from_property
    if sender is None:
        return ""
    return str(sender.aad_object_id or "")


def tenant_id(activity: Activity) -> str | None:
    """The Microsoft 365 tenant the activity comes from."""
    conversation = activity.conversation
    if conversation is not None and conversation.tenant_id:
        return str(conversation.tenant_id)
    data = _channel_data(activity)
    if data is not None and data.tenant is not None and data.tenant.id:
        return str(data.tenant.id)
    return None


def mentions_bot(activity: Activity) -> bool:
    """Whether the message @mentions this bot (the activity's recipient)."""
    recipient = activity.recipient.id if activity.recipient is not None else None
    if not recipient:
        return False
    return any(
        mention.mentioned is not None and mention.mentioned.id == recipient
        for mention in activity.get_mentions()
    )


def is_command(activity: Activity) -> bool:
    """A message meant for the bot: anything in personal chat, or a mention elsewhere."""
    return activity.type == ActivityTypes.message and (
        conversation_type(activity) == PERSONAL or mentions_bot(activity)
    )


def _is_bot(activity: Activity) -> bool:
    sender = activity.from_property
    if sender is None:
        return False
    # 28: is the prefix of bot accounts in Teams; the role says so on other channels.
    return sender.role == RoleTypes.agent or str(sender.id or "").startswith("28:")


def _event_id(channel: str, activity_id: str) -> str:
    event_id = f"{channel}:{activity_id}"
    if len(event_id) <= MAX_EVENT_ID:
        return event_id
    return "sha256:" + hashlib.sha256(event_id.encode()).hexdigest()


def incoming_message(activity: Activity, *, now: datetime | None = None) -> IncomingMessage | None:
    """A channel or group-chat message as a neutral message; ``None`` when it is not one
    (a command for the bot, a personal chat, an activity without an id)."""
    if activity.type != ActivityTypes.message or not activity.id or is_command(activity):
        return None
    channel = channel_key(activity)
    if not channel:
        return None
    sent_at = activity.timestamp if isinstance(activity.timestamp, datetime) else None
    if sent_at is None or sent_at.tzinfo is None:
        sent_at = now or utcnow()
    return IncomingMessage(
        platform=PLATFORM,
        event_id=_event_id(channel, str(activity.id)),
        channel_id=channel,
        user_id=user_id(activity) or str(getattr(activity.from_property, "id", "") or ""),
        text=clean_text(activity.text or ""),
        sent_at=sent_at,
        workspace_key=tenant_id(activity),
        is_bot=_is_bot(activity),
    )


def command_text(activity: Activity) -> str:
    """What the person typed to the bot: its @mention, markup and a typed-out
    ``@Empathy`` (as the help text suggests) removed."""
    text = activity.text or ""
    recipient = activity.recipient.id if activity.recipient is not None else None
    for mention in activity.get_mentions():
        if mention.mentioned is not None and mention.mentioned.id == recipient and mention.text:
            text = text.replace(mention.text, " ")
    return _LEADING_NAME.sub("", clean_text(text)).strip()


def command(activity: Activity) -> Command:
    """A message for the bot as a neutral command."""
    kind = conversation_type(activity)
    return Command(
        platform=PLATFORM,
        user_id=user_id(activity),
        text=command_text(activity),
        channel_id=None if kind == PERSONAL else channel_key(activity),
        in_direct_chat=kind == PERSONAL,
    )


@dataclass(frozen=True)
class CardAction:
    """A press of an ``Action.Execute`` button: who, which verb, its value, and the values
    of any inputs on the card (Teams merges them into the action's data)."""

    user_id: str
    verb: str
    value: str
    inputs: dict[str, str] = field(default_factory=dict)
    personal: bool = True


def card_action(activity: Activity) -> CardAction | None:
    """An ``adaptiveCard/action`` invoke as a :class:`CardAction`; ``None`` otherwise."""
    if activity.type != ActivityTypes.invoke or activity.name != INVOKE_ACTION:
        return None
    value = activity.value
    if not isinstance(value, Mapping):
        return None
    action = value.get("action")
    if not isinstance(action, Mapping) or action.get("type") != ACTION_EXECUTE:
        return None
    data = action.get("data")
    data = data if isinstance(data, Mapping) else {}
    inputs = {
        str(key): str(item)
        for key, item in data.items()
        if key != "value" and isinstance(item, str | int | float | bool)
    }
    return CardAction(
        user_id=user_id(activity),
        verb=str(action.get("verb") or ""),
        value=str(data.get("value") or ""),
        inputs=inputs,
        personal=conversation_type(activity) == PERSONAL,
    )


def bot_added(activity: Activity) -> bool:
    """Whether this activity says the bot was just added to the conversation."""
    recipient = activity.recipient.id if activity.recipient is not None else None
    return activity.type == ActivityTypes.conversation_update and any(
        member.id == recipient for member in activity.members_added or []
    )


def bot_removed(activity: Activity) -> bool:
    """Whether the app was uninstalled from the conversation (or the bot removed)."""
    recipient = activity.recipient.id if activity.recipient is not None else None
    if activity.type == ActivityTypes.installation_update:
        return str(activity.action or "").startswith("remove")
    return activity.type == ActivityTypes.conversation_update and any(
        member.id == recipient for member in activity.members_removed or []
    )


@dataclass(frozen=True)
class ConversationRecord:
    """What is kept to message a conversation later (a ``TeamsConversation`` row)."""

    conversation_id: str
    conversation_type: str
    tenant_id: str | None
    service_url: str
    reference: dict[str, Any]
    user_id: str | None = None

    def fingerprint(self) -> tuple[object, ...]:
        """Equal fingerprints mean storing the record again would change nothing."""
        return (
            self.conversation_type,
            self.tenant_id,
            self.service_url,
            self.user_id,
            repr(sorted(self.reference.items())),
        )


def conversation_record(activity: Activity) -> ConversationRecord | None:
    """The reference to keep for the activity's conversation; ``None`` without one.

    Personal conversations keep the person's Teams account ids (the bot needs them to
    write to them), not their name; channels and group chats keep no author and no
    message id.
    """
    if activity.conversation is None or not activity.conversation.id or not activity.service_url:
        return None
    kind = conversation_type(activity)
    base_id = _base_conversation_id(activity)
    reference = activity.get_conversation_reference()
    reference.activity_id = None
    reference.conversation.id = base_id
    if kind != PERSONAL:
        reference.user = None
    elif reference.user is not None:
        # Enough to write to the person; their display name is not needed.
        reference.user = ChannelAccount(
            id=reference.user.id, aad_object_id=reference.user.aad_object_id
        )
    return ConversationRecord(
        conversation_id=base_id,
        conversation_type=kind,
        tenant_id=tenant_id(activity),
        service_url=str(activity.service_url),
        reference=reference.model_dump(mode="json", by_alias=True, exclude_none=True),
        user_id=(user_id(activity) or None) if kind == PERSONAL else None,
    )


def to_reference(stored: Mapping[str, Any]) -> ConversationReference:
    """A stored reference back in the SDK's shape."""
    return ConversationReference.model_validate(dict(stored))


# ---------------------------------------------------------------- outbound


def card_activity(card: dict[str, Any], *, summary: str = "") -> Activity:
    """A message activity carrying one Adaptive Card (``summary`` shows in notifications)."""
    return Activity(
        type=ActivityTypes.message,
        attachments=[Attachment.model_validate(to_attachment(card))],
        summary=summary.strip()[:200] or None,
    )


def card_response(card: dict[str, Any]) -> AdaptiveCardInvokeResponse:
    """An ``Action.Execute`` answer that replaces the card the button was on."""
    return AdaptiveCardInvokeResponse(status_code=200, type=ATTACHMENT_CONTENT_TYPE, value=card)


def message_response(text: str) -> AdaptiveCardInvokeResponse:
    """An ``Action.Execute`` answer that leaves the card as it is and shows ``text``."""
    return AdaptiveCardInvokeResponse(status_code=200, type=MESSAGE_RESPONSE, value=text)


def error_response(text: str) -> AdaptiveCardInvokeResponse:
    """An ``Action.Execute`` answer saying the action failed on the bot's side."""
    return AdaptiveCardInvokeResponse(
        status_code=500,
        type=ERROR_RESPONSE,
        value={"code": "InternalError", "message": text},
    )


def invoke_reply(response: AdaptiveCardInvokeResponse) -> Activity:
    """The activity that makes ``response`` the HTTP answer to the current invoke."""
    return Activity(
        type=ActivityTypes.invoke_response,
        value=InvokeResponse(
            status=200,
            body=response.model_dump(mode="json", by_alias=True, exclude_none=True),
        ),
    )
