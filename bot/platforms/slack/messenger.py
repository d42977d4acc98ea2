"""Neutral messages out to Slack; Slack's errors in as the bot's own.

The client retries 429 (honouring ``Retry-After``) and connection errors itself, through
slack_sdk's retry handlers; what still fails becomes a :class:`DeliveryError`, marked
permanent when retrying cannot help (a deactivated user, a revoked token).
"""

from __future__ import annotations

import logging
import time

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.web.async_client import AsyncWebClient

from bot import metrics
from bot.errors import DeliveryError
from bot.platforms.base import Receipt, Recipient
from bot.platforms.slack.blocks import to_slack
from nudges.message import Chart, Message

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


def make_client(
    token: str | None,
    *,
    base_url: str | None,
    rate_limit_retries: int = 3,
    connection_retries: int = 3,
) -> AsyncWebClient:
    """A Web API client that retries rate limits (after ``Retry-After``) and connection
    errors. The dispatcher passes ``rate_limit_retries=0`` and reschedules instead, so a
    busy workspace never holds a tick."""
    kwargs: dict[str, object] = {}
    if base_url:
        kwargs["base_url"] = base_url.rstrip("/") + "/"
    return AsyncWebClient(
        token=token,
        retry_handlers=[
            AsyncRateLimitErrorRetryHandler(max_retry_count=rate_limit_retries),
            AsyncConnectionErrorRetryHandler(max_retry_count=connection_retries),
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
    """Sends neutral messages as direct messages from the app.

    With ``installations`` (multi-workspace mode) each send uses the bot token of the
    recipient's workspace; otherwise the client's own token. The chart PNG is attached
    under the digest when the token has the ``files:write`` scope.
    """

    platform = "slack"

    def __init__(
        self,
        client: AsyncWebClient,
        *,
        can_upload_files: bool | None = None,
        installations: AsyncInstallationStore | None = None,
    ) -> None:
        self._client = client
        self._can_upload = can_upload_files
        self._installations = installations

    async def _token(self, recipient: Recipient) -> tuple[str | None, bool]:
        if self._installations is None:
            if self._can_upload is None:
                # Ask Slack once which scopes the token has.
                try:
                    scopes = (await self._client.auth_test()).headers.get("x-oauth-scopes", "")
                except SlackClientError:
                    scopes = ""
                self._can_upload = "files:write" in str(scopes).split(",")
            return self._client.token, self._can_upload
        bot = await self._installations.async_find_bot(
            enterprise_id=None, team_id=recipient.slack_team_id
        )
        if bot is None:
            raise DeliveryError("the app is not installed in this workspace", permanent=True)
        return bot.bot_token, "files:write" in (bot.bot_scopes or [])

    async def _upload_chart(self, token: str | None, channel: str, ts: str, chart: Chart) -> None:
        """Attach the chart under the digest; best effort, since the digest is already
        delivered and a retry would post it twice."""
        assert chart.png is not None
        try:
            await self._client.files_upload_v2(
                token=token,
                channel=channel,
                thread_ts=ts,
                content=chart.png,
                filename="team-mood.png",
                title=chart.title,
                alt_txt=chart.alt_text,
            )
        except (SlackClientError, aiohttp.ClientError, TimeoutError) as exc:
            log.warning("chart upload skipped: %s", type(exc).__name__)

    async def send(self, recipient: Recipient, message: Message) -> Receipt:
        if not recipient.slack_user_id:
            raise DeliveryError("no Slack user id for this person", permanent=True)
        token, can_upload = await self._token(recipient)
        started = time.perf_counter()
        try:
            opened = await self._client.conversations_open(
                token=token, users=recipient.slack_user_id
            )
            channel = str(opened["channel"]["id"])
            payload = to_slack(message)
            posted = await self._client.chat_postMessage(
                token=token, channel=channel, text=payload["text"], blocks=payload["blocks"]
            )
            ts = str(posted["ts"])
            chart = message.chart
            if can_upload and chart is not None and chart.png is not None:
                await self._upload_chart(token, channel, ts, chart)
        except (aiohttp.ClientError, TimeoutError) as exc:
            metrics.API_LATENCY.labels("slack").observe(time.perf_counter() - started)
            log.warning("slack send failed: %s", type(exc).__name__)
            raise DeliveryError(type(exc).__name__) from None
        except SlackClientError as exc:
            error = to_delivery_error(exc)
            metrics.API_LATENCY.labels("slack").observe(time.perf_counter() - started)
            if error.retry_after is not None:
                metrics.API_RATE_LIMITED.labels("slack").inc()
            if error.retry_after is None:
                log.warning("slack send failed: %s (permanent=%s)", error, error.permanent)
            else:
                log.info("slack rate limit: retry after %.0f s", error.retry_after)
            raise error from None
        metrics.API_LATENCY.labels("slack").observe(time.perf_counter() - started)
        return Receipt("slack", f"{channel}:{ts}")
