"""The Agents SDK adapter: runs inbound turns, and sends proactively to a stored reference.

Replies within a turn go out through the turn's own connector client. Proactive sends
(digests, check-ins, answers to channel commands that belong in a personal chat) continue
the stored conversation with the bot's own identity. The SDK's and aiohttp's errors are
turned into :class:`DeliveryError` here, marked permanent when retrying cannot help (the
person removed the app, the conversation is gone, the service URL is not allowed).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

from aiohttp import ClientError, ClientResponseError
from microsoft_agents.activity import Activity
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import TurnContext
from pydantic import ValidationError

from bot import metrics
from bot.errors import DeliveryError
from bot.platforms.teams.auth import TeamsAuth
from bot.platforms.teams.translate import PLATFORM, to_reference

log = logging.getLogger("bot.platforms.teams")

PERMANENT_STATUSES = frozenset({400, 401, 403, 404, 410})
"""Bot Connector answers that another attempt will not change (403: the person blocked
or removed the app; 404: the conversation no longer exists)."""


def to_delivery_error(exc: Exception) -> DeliveryError:
    """A connector failure as the bot's own error (the only place that reads them)."""
    if isinstance(exc, ClientResponseError):
        retry_after = exc.headers.get("Retry-After") if exc.headers else None
        try:
            wait = float(retry_after) if retry_after else None
        except ValueError:
            wait = None
        if exc.status == 429 and wait is None:
            wait = 1.0
        return DeliveryError(
            f"bot connector answered {exc.status}",
            permanent=exc.status in PERMANENT_STATUSES,
            retry_after=wait,
        )
    if isinstance(exc, ClientError | TimeoutError):
        return DeliveryError(f"bot connector unreachable ({type(exc).__name__})")
    return DeliveryError(f"teams send failed ({type(exc).__name__})")


class TeamsConnector:
    """The SDK's :class:`CloudAdapter` for one authentication mode."""

    def __init__(self, auth: TeamsAuth) -> None:
        self.auth = auth
        self.adapter = CloudAdapter(
            connection_manager=auth.connections, host_validator=auth.host_validator
        )
        # The SDK's default turn-error handler prints the traceback and sends the
        # exception text to the user; errors go to the agent's handler instead.
        self.adapter.on_turn_error = None

    async def send(self, reference: Mapping[str, Any], activity: Activity) -> str:
        """Post ``activity`` as a new message in the referenced conversation; returns the
        id Teams gave it. Raises :class:`DeliveryError`."""
        try:
            parsed = to_reference(reference)
        except ValidationError:
            raise DeliveryError(
                "stored conversation reference is unreadable", permanent=True
            ) from None
        if not parsed.service_url or not self.auth.host_validator.is_allowed(parsed.service_url):
            raise DeliveryError("service URL of the conversation is not allowed", permanent=True)
        continuation = parsed.get_continuation_activity()
        # Without an id the message starts a new thread rather than replying to a
        # message that does not exist.
        continuation.id = None
        sent: list[str] = []

        async def post(context: TurnContext) -> None:
            response = await context.send_activity(activity)
            sent.append(str(response.id or "") if response is not None else "")

        started = time.perf_counter()
        try:
            await self.adapter.continue_conversation_with_claims(
                self.auth.proactive_identity(), continuation, post
            )
        except (ClientError, TimeoutError, ValueError) as exc:
            # ValueError: the SDK could not get a token, or refused the URL.
            error = to_delivery_error(exc)
            metrics.API_LATENCY.labels(PLATFORM).observe(time.perf_counter() - started)
            if error.retry_after is not None:
                metrics.API_RATE_LIMITED.labels(PLATFORM).inc()
                log.info("teams rate limit: retry after %.0f s", error.retry_after)
            else:
                log.warning("teams send failed: %s (permanent=%s)", error, error.permanent)
            raise error from None
        metrics.API_LATENCY.labels(PLATFORM).observe(time.perf_counter() - started)
        return sent[0] if sent else ""
