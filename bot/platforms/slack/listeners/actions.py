"""Buttons: check-in answers, digest feedback, snooze, consent switches, erase, settings."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import Session

from bot.errors import EmpathyBotError
from bot.platforms.slack import translate
from bot.platforms.slack.blocks import neutral_action_id, to_slack
from bot.platforms.slack.listeners.common import log, publish_home
from bot.platforms.slack.listeners.views import comment_modal, settings_modal
from bot.services import checkins, consent, feedback, home
from bot.services.commands import ERASE_CONFIRM_ACTION, erase_now, find_person
from bot.store.tables import CheckinRound
from bot.store.types import utcnow
from bot.wiring import Services
from nudges.digest import FEEDBACK_ACTIONS, SNOOZE_ACTION, parse_feedback_value

FEEDBACK_KINDS = {
    "nudge_helpful": ("helpful", "Marked as helpful. Thank you!"),
    "nudge_not_for_me": ("not_for_me", "Noted: not for you. You'll see less like it."),
    "nudge_did_this": ("did_this", "Nice: marked as done. Thank you for trying it!"),
}
SNOOZE_WEEKS = 2


def _without_actions_of(
    blocks: list[dict[str, Any]], clicked: str, note: str
) -> list[dict[str, Any]]:
    """The message's blocks with the clicked button's row replaced by a short note."""
    updated = []
    for block in blocks:
        ids = [
            element.get("action_id")
            for element in block.get("elements", [])
            if isinstance(element, dict)
        ]
        if block.get("type") == "actions" and clicked in ids:
            updated.append(
                {"type": "context", "elements": [{"type": "mrkdwn", "text": f"✓ {note}"}]}
            )
        else:
            updated.append(block)
    return updated


def register(app: AsyncApp, services: Services) -> None:
    @app.action(re.compile(rf"^{checkins.ANSWER_ACTION}:"))
    async def on_answer(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        user_id, _, value = translate.action(body)
        try:
            round_id, question_key, answer = checkins.parse_answer_value(value)
        except EmpathyBotError:
            log.warning("check-in answer with a malformed value ignored")
            return

        def save(session: Session) -> dict[str, Any] | str:
            person = find_person("slack", user_id, session=session)
            if person is None:
                return "HR hasn't added you yet."
            try:
                checkins.record_answer(
                    person, round_id, question_key, answer, key=services.key, session=session
                )
            except EmpathyBotError as exc:
                return str(exc)
            checkin_round = session.get(CheckinRound, round_id)
            assert checkin_round is not None
            answered = checkins.my_answers(person, round_id, key=services.key, session=session)
            return to_slack(
                checkins.checkin_message(
                    checkin_round, services.library, locale=person.locale, answered=answered
                )
            )

        result = await services.run(save)
        channel = (body.get("channel") or body.get("container") or {}).get("id") or (
            body.get("container") or {}
        ).get("channel_id")
        ts = (body.get("message") or {}).get("ts") or (body.get("container") or {}).get(
            "message_ts"
        )
        if isinstance(result, str):
            if channel:
                await client.chat_postEphemeral(channel=channel, user=user_id, text=result)
            return
        if channel and ts:
            await client.chat_update(
                channel=channel, ts=ts, text=result["text"], blocks=result["blocks"]
            )

    @app.action(checkins.COMMENT_ACTION)
    async def on_comment(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        _, _, value = translate.action(body)
        if body.get("trigger_id"):
            await client.views_open(trigger_id=body["trigger_id"], view=comment_modal(value))

    @app.action(re.compile(r"^nudge_(helpful|not_for_me|did_this)(#\d+)?$"))
    async def on_feedback(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        user_id, slack_action, value = translate.action(body)
        action_id = neutral_action_id(slack_action)
        kind, note = FEEDBACK_KINDS[action_id]
        try:
            delivery_ref, item_id, situation = parse_feedback_value(value)
            delivery_id = int(delivery_ref)
        except ValueError:
            log.warning("feedback with a malformed value ignored")
            return

        def save(session: Session) -> str | None:
            person = find_person("slack", user_id, session=session)
            if person is None or person.id is None:
                return "unknown person"
            try:
                feedback.record(
                    delivery_id, item_id, situation, kind, manager_id=person.id, session=session
                )
            except EmpathyBotError as exc:
                return str(exc)
            return None

        problem = await services.run(save)
        if problem is not None:
            log.warning("feedback refused: %s", problem)
            return
        message = body.get("message") or {}
        channel = (body.get("channel") or {}).get("id")
        if channel and message.get("ts"):
            blocks = _without_actions_of(message.get("blocks") or [], slack_action, note)
            await client.chat_update(
                channel=channel, ts=message["ts"], text=message.get("text") or note, blocks=blocks
            )
        log.info("digest feedback %s recorded", kind)

    @app.action(re.compile(rf"^({SNOOZE_ACTION}|{home.SNOOZE_ACTION})$"))
    async def on_snooze(
        ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        await ack()
        user_id, _, _ = translate.action(body)

        def snooze(session: Session) -> str:
            person = find_person("slack", user_id, session=session)
            if person is None:
                return "HR hasn't added you yet."
            person.digests_snoozed_until = utcnow().date() + timedelta(weeks=SNOOZE_WEEKS)
            session.add(person)
            return f"Digests paused until {person.digests_snoozed_until:%d %B}."

        text = await services.run(snooze)
        if body.get("container", {}).get("type") == "view":
            await publish_home(client, user_id, services)
        else:
            await respond(text=text, response_type="ephemeral", replace_original=False)

    @app.action(re.compile(rf"^{home.CONSENT_ACTION}:(messages|checkins)$"))
    async def on_consent(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        user_id, action_id, value = translate.action(body)
        scope = action_id.split(":", 1)[1]

        def toggle(session: Session) -> None:
            person = find_person("slack", user_id, session=session)
            if person is None or person.id is None:
                return
            if value == "on":
                consent.grant(
                    person.id,
                    scope,
                    policy_version=services.settings.policy_version,
                    session=session,
                )
            else:
                consent.revoke(person.id, scope, session=session)

        await services.run(toggle)
        log.info("consent %s turned %s from App Home", scope, value)
        await publish_home(client, user_id, services)

    @app.action(ERASE_CONFIRM_ACTION)
    async def on_erase(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        user_id, _, _ = translate.action(body)
        context = services.command_context()

        def erase(session: Session) -> str:
            person = find_person("slack", user_id, session=session)
            if person is None:
                return "Nothing is stored about you."
            return erase_now(person, context, session=session).message.plain_text()

        await respond(text=await services.run(erase), replace_original=True)

    @app.action(re.compile(rf"^{home.SETTINGS_ACTION}(:\d+)?$"))
    async def on_settings(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        user_id, _, value = translate.action(body)
        team_id = int(value) if value.isdigit() else None

        def build(session: Session) -> dict[str, Any] | None:
            person = find_person("slack", user_id, session=session)
            if person is None or not {"hr", "admin"} & person.role_set:
                return None
            return settings_modal(user_id, team_id, session=session)

        view = await services.run(build)
        if view is not None and body.get("trigger_id"):
            await client.views_open(trigger_id=body["trigger_id"], view=view)


__all__ = ["FEEDBACK_ACTIONS", "register"]
