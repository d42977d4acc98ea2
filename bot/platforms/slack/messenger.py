"""Neutral messages out to Slack; Slack's errors in as the bot's own.

The client retries 429 (honouring ``Retry-After``) and connection errors itself, through
slack_sdk's retry handlers; what still fails becomes a :class:`DeliveryError`, marked
permanent when retrying cannot help (a deactivated user, a revoked token).
"""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.errors import DeliveryError
from bot.platforms.base import Receipt, Recipient
from bot.platforms.slack.blocks import to_slack
from nudges.message import Message

log = logging.getLogger(__name__)

PERMANENT_ERRORS = frozenset(
    {
        "account_inactive",
        "channel_not_found",
        "user_not_found",
        "user_disabled",
        "invalid_auth",
        "not_authed",
        "token_revoked",
        "missing_scope",
        "cannot_dm_bot",
        "is_archived",
    }
)


def make_client(token: str | None, *, base_url: str | None, max_retries: int = 3) -> AsyncWebClient:
    """A Web API client that retries rate limits and connection errors."""
    kwargs: dict[str, object] = {}
    if base_url:
        kwargs["base_url"] = base_url.rstrip("/") + "/"
    return AsyncWebClient(
        token=token,
        retry_handlers=[
            AsyncRateLimitErrorRetryHandler(max_retry_count=max_retries),
            AsyncConnectionErrorRetryHandler(max_retry_count=max_retries),
        ],
        timeout=15,
        **kwargs,  # type: ignore[arg-type]
    )


def to_delivery_error(exc: SlackClientError) -> DeliveryError:
    """Slack's error as the bot's own (the only place that reads SlackApiError)."""
    if isinstance(exc, SlackApiError):
        code = str(exc.response.get("error", "unknown_error"))
        retry_after = exc.response.headers.get("Retry-After") if exc.response.headers else None
        return DeliveryError(
            code,
            permanent=code in PERMANENT_ERRORS,
            retry_after=float(retry_after) if retry_after else None,
        )
    return DeliveryError(type(exc).__name__)


class SlackMessenger:
    """Sends neutral messages as direct messages from the app."""

    platform = "slack"

    def __init__(self, client: AsyncWebClient, *, can_upload_files: bool = False) -> None:
        self._client = client
        self._can_upload = can_upload_files

    async def send(self, recipient: Recipient, message: Message) -> Receipt:
        if not recipient.slack_user_id:
            raise DeliveryError("no Slack user id for this person", permanent=True)
        try:
            opened = await self._client.conversations_open(users=recipient.slack_user_id)
            channel = str(opened["channel"]["id"])
            payload = to_slack(message)
            posted = await self._client.chat_postMessage(
                channel=channel, text=payload["text"], blocks=payload["blocks"]
            )
            ts = str(posted["ts"])
            chart = message.chart
            if self._can_upload and chart is not None and chart.png is not None:
                await self._client.files_upload_v2(
                    channel=channel,
                    thread_ts=ts,
                    content=chart.png,
                    filename="team-mood.png",
                    title=chart.title,
                    alt_txt=chart.alt_text,
                )
        except SlackClientError as exc:
            error = to_delivery_error(exc)
            log.warning("slack send failed: %s (permanent=%s)", error, error.permanent)
            raise error from None
        return Receipt("slack", f"{channel}:{ts}")
