"""``/empathy``: translate, run the neutral verb, answer (ephemeral unless public)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.platforms.slack import translate
from bot.platforms.slack.blocks import to_slack
from bot.platforms.slack.listeners.common import log, send_direct
from bot.platforms.slack.listeners.views import settings_modal
from bot.services import commands
from bot.services.commands import verb_for_log
from bot.wiring import Services


def register(app: AsyncApp, services: Services) -> None:
    @app.command("/empathy")
    async def on_command(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        command = translate.command(body)
        context = services.command_context()
        reply = await services.run(
            lambda session: commands.handle(command, context, session=session)
        )
        payload = to_slack(reply.message)
        await ack(
            response_type="in_channel" if reply.public else "ephemeral",
            text=payload["text"],
            blocks=payload["blocks"],
        )
        log.info("slack command %s by %s", verb_for_log(command.text), command.user_id)
        if reply.direct is not None:
            await send_direct(client, command.user_id, reply.direct)
        if reply.open_settings and body.get("trigger_id"):
            view = await services.run(
                lambda session: settings_modal(command.user_id, None, session=session)
            )
            await client.views_open(trigger_id=body["trigger_id"], view=view)
