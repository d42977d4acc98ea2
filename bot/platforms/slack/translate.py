"""Slack payloads in, neutral events out: the one place that reads Slack's shapes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from bot.platforms.base import IncomingMessage
from bot.services.commands import Command

IGNORED_SUBTYPES_ALLOWED = frozenset({"thread_broadcast", "file_share"})
"""Message subtypes that still carry a person's own words; every other subtype (edits,
joins, bot messages, channel topic changes...) is ignored."""


def incoming_message(body: Mapping[str, Any]) -> IncomingMessage | None:
    """A ``message`` event envelope as a neutral message; ``None`` if it is not one."""
    event = body.get("event")
    if not isinstance(event, Mapping) or event.get("type") != "message":
        return None
    subtype = event.get("subtype")
    try:
        sent_at = datetime.fromtimestamp(float(event.get("ts", "0")), UTC)
    except (TypeError, ValueError):
        return None
    user = event.get("user")
    channel = event.get("channel")
    if not isinstance(user, str) or not isinstance(channel, str):
        return None
    return IncomingMessage(
        platform="slack",
        event_id=str(body.get("event_id") or f"{channel}:{event.get('ts')}"),
        channel_id=channel,
        user_id=user,
        text=str(event.get("text") or ""),
        sent_at=sent_at,
        workspace_key=str(body.get("team_id") or ""),
        is_bot=bool(event.get("bot_id")) or subtype == "bot_message",
        subtype=None if subtype in IGNORED_SUBTYPES_ALLOWED else subtype,
    )


def command(body: Mapping[str, Any]) -> Command:
    """A slash command as a neutral command."""
    channel = str(body.get("channel_id") or "") or None
    return Command(
        platform="slack",
        user_id=str(body.get("user_id") or ""),
        text=str(body.get("text") or ""),
        channel_id=channel,
        in_direct_chat=bool(channel and channel.startswith("D"))
        or body.get("channel_name") == "directmessage",
    )


def action(body: Mapping[str, Any]) -> tuple[str, str, str]:
    """The (user id, action id, value) of a ``block_actions`` payload's first action."""
    actions = body.get("actions") or [{}]
    first = actions[0] if isinstance(actions, list) and actions else {}
    user = body.get("user") or {}
    return (
        str(user.get("id") or ""),
        str(first.get("action_id") or ""),
        str(first.get("value") or ""),
    )
