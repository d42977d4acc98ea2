"""Modals: the check-in comment and HR's schedule editor."""

from __future__ import annotations

import asyncio
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from sqlmodel import Session, col, select

from bot.errors import ValidationFailed
from bot.platforms.slack.blocks import to_slack
from bot.platforms.slack.listeners.common import log
from bot.services import checkins, schedules
from bot.services.commands import find_person
from bot.store.tables import Team
from bot.wiring import Services

COMMENT_VIEW = "checkin_comment"
SETTINGS_VIEW = "schedule_settings"


def comment_modal(round_id: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": COMMENT_VIEW,
        "private_metadata": round_id[:50],
        "title": {"type": "plain_text", "text": "Add a comment"},
        "submit": {"type": "plain_text", "text": "Send"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "input",
                "block_id": "comment",
                "label": {"type": "plain_text", "text": "Anything you'd like to add?"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": "text",
                    "multiline": True,
                    "max_length": 1000,
                },
                "hint": {
                    "type": "plain_text",
                    "text": "Read by the bot and never stored. Nobody else sees it.",
                },
            }
        ],
    }


def _option(text: str, value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": text}, "value": value}


def settings_modal(user_id: str, team_id: int | None, *, session: Session) -> dict[str, Any]:
    """HR's schedule editor for the org default or one team, filled with current values."""
    person = find_person("slack", user_id, session=session)
    workspace_id = person.workspace_id if person else 0
    team = session.get(Team, team_id) if team_id else None
    rule = schedules.effective(workspace_id, team, session=session)
    teams = session.exec(
        select(Team).where(Team.workspace_id == workspace_id).order_by(col(Team.name))
    ).all()
    scope_options = [_option("Organisation default", "org")] + [
        _option(t.name[:75], str(t.id)) for t in teams[:99]
    ]
    days = [_option(day.capitalize(), day) for day in schedules.WEEKDAYS[:5]]
    cadences = [_option(c.capitalize(), c) for c in schedules.CADENCES]

    def select_block(
        block: str, label: str, options: list[dict[str, Any]], initial: str
    ) -> dict[str, Any]:
        chosen = next((o for o in options if o["value"] == initial), options[0])
        return {
            "type": "input",
            "block_id": block,
            "label": {"type": "plain_text", "text": label},
            "element": {
                "type": "static_select",
                "action_id": "value",
                "options": options,
                "initial_option": chosen,
            },
        }

    def time_block(block: str, label: str, initial: str) -> dict[str, Any]:
        return {
            "type": "input",
            "block_id": block,
            "label": {"type": "plain_text", "text": label},
            "element": {"type": "timepicker", "action_id": "value", "initial_time": initial},
        }

    return {
        "type": "modal",
        "callback_id": SETTINGS_VIEW,
        "title": {"type": "plain_text", "text": "Schedules"},
        "submit": {"type": "plain_text", "text": "Save"},
        "blocks": [
            select_block("scope", "Applies to", scope_options, str(team_id) if team_id else "org"),
            select_block(
                "digest_day",
                "Digest day (manager's time zone)",
                days,
                schedules.WEEKDAYS[rule.digest_weekday],
            ),
            time_block("digest_time", "Digest time", rule.digest_time),
            select_block("cadence", "Check-in cadence", cadences, rule.checkin_cadence),
            select_block(
                "checkin_day",
                "Check-in day (each person's time zone)",
                days,
                schedules.WEEKDAYS[rule.checkin_weekday],
            ),
            time_block("checkin_time", "Check-in time", rule.checkin_time),
            {
                "type": "input",
                "block_id": "paused",
                "optional": True,
                "label": {"type": "plain_text", "text": "Pause"},
                "element": {
                    "type": "checkboxes",
                    "action_id": "value",
                    "options": [_option("Pause digests and check-ins", "paused")],
                    **(
                        {"initial_options": [_option("Pause digests and check-ins", "paused")]}
                        if rule.paused
                        else {}
                    ),
                },
            },
        ],
    }


def _value(state: dict[str, Any], block: str) -> Any:
    element = state.get(block, {}).get("value", {})
    if "selected_option" in element:
        return (element.get("selected_option") or {}).get("value")
    if "selected_time" in element:
        return element.get("selected_time")
    if "selected_options" in element:
        return [o.get("value") for o in element.get("selected_options") or []]
    return element.get("value")


def register(app: AsyncApp, services: Services) -> None:
    @app.view(COMMENT_VIEW)
    async def on_comment(ack: AsyncAck, body: dict[str, Any]) -> None:
        state = body.get("view", {}).get("state", {}).get("values", {})
        text = str(state.get("comment", {}).get("text", {}).get("value") or "")
        result = await asyncio.to_thread(
            checkins.handle_comment, text, distress=services.distress, library=services.library
        )
        del text  # read in memory, never kept
        if result.support is None:
            await ack()
            return
        message = checkins.support_message(result.support)
        await ack(
            response_action="update",
            view={
                "type": "modal",
                "title": {"type": "plain_text", "text": "Thank you"},
                "close": {"type": "plain_text", "text": "Close"},
                "blocks": to_slack(message)["blocks"],
            },
        )
        log.info("check-in comment: support resources shown to its author only")

    @app.view(SETTINGS_VIEW)
    async def on_settings(ack: AsyncAck, body: dict[str, Any]) -> None:
        state = body.get("view", {}).get("state", {}).get("values", {})
        user_id = str(body.get("user", {}).get("id", ""))
        scope = _value(state, "scope") or "org"
        changes = {
            "digest_weekday": _value(state, "digest_day"),
            "digest_time": _value(state, "digest_time"),
            "checkin_cadence": _value(state, "cadence"),
            "checkin_weekday": _value(state, "checkin_day"),
            "checkin_time": _value(state, "checkin_time"),
            "paused": "paused" in (_value(state, "paused") or []),
        }

        def save(session: Session) -> str | None:
            person = find_person("slack", user_id, session=session)
            if person is None or not {"hr", "admin"} & person.role_set:
                return "Only HR can change schedules."
            try:
                team = schedules.team_in_scope(scope, person.workspace_id, session=session)
                schedules.update(
                    person.workspace_id, team, changes, by_person_id=person.id, session=session
                )
            except ValidationFailed as exc:
                return str(exc)
            return None

        problem = await services.run(save)
        if problem is None:
            await ack()
        else:
            field = problem.split(":")[0].replace("_weekday", "_day")
            block = {
                "digest_time": "digest_time",
                "checkin_time": "checkin_time",
                "checkin_cadence": "cadence",
                "digest_day": "digest_day",
                "checkin_day": "checkin_day",
            }.get(field, "scope")
            await ack(response_action="errors", errors={block: problem[:150]})
        log.info("schedule settings saved=%s", problem is None)


__all__ = ["comment_modal", "register", "settings_modal"]
