"""Card buttons (``Action.Execute``): check-in answers and comments, digest feedback and
snooze, erasure, the welcome card's verbs, and HR's schedule editor.

Each handler translates the invoke once, does its work in one database session, and
answers with either a refreshed card (which replaces the one the button was on) or a
short message (the card stays as it is, for example a digest after feedback).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import timedelta

from microsoft_agents.activity import AdaptiveCardInvokeResponse
from microsoft_agents.hosting.core import AgentApplication, TurnContext, TurnState
from microsoft_agents.hosting.core.app import RouteRank
from sqlmodel import Session, col, select

from bot.errors import EmpathyBotError, ValidationFailed
from bot.platforms.teams import translate
from bot.platforms.teams.cards import (
    CHECKIN_SHOW_VERB,
    COMMENT_INPUT,
    COMMENT_MAX_LENGTH,
    COMMENT_SEND_VERB,
    SCHEDULE_SAVE_VERB,
    SCHEDULE_SHOW_VERB,
    ScheduleForm,
    comment_card,
    schedule_card,
    to_card,
)
from bot.platforms.teams.messages import COMMAND_ACTION
from bot.platforms.teams.translate import CardAction, card_response, message_response
from bot.services import checkins, commands, feedback, home, schedules
from bot.services.commands import (
    ERASE_CONFIRM_ACTION,
    Command,
    erase_now,
    find_person,
    verb_for_log,
)
from bot.store.tables import CheckinRound, Person, Team
from bot.store.types import utcnow
from bot.wiring import Services
from nudges.digest import SNOOZE_ACTION, parse_feedback_value
from nudges.message import Message, Section

log = logging.getLogger("bot.platforms.teams")

FEEDBACK_KINDS = {
    "nudge_helpful": ("helpful", "Marked as helpful. Thank you!"),
    "nudge_not_for_me": ("not_for_me", "Noted: not for you. You'll see less like it."),
    "nudge_did_this": ("did_this", "Nice: marked as done. Thank you for trying it!"),
}
SNOOZE_WEEKS = 2
NOT_IMPORTED = "HR hasn't added you yet."

Handler = Callable[[TurnContext, TurnState, object], Awaitable[AdaptiveCardInvokeResponse]]
Work = Callable[[Session, Person], AdaptiveCardInvokeResponse]


def _is_hr(person: Person) -> bool:
    return bool({"hr", "admin"} & person.role_set)


def schedule_form(
    person: Person,
    scope: str,
    *,
    session: Session,
    note: str | None = None,
    problem: str | None = None,
) -> ScheduleForm:
    """The schedule editor's content for the org default (``"org"``) or one team."""
    teams = session.exec(
        select(Team).where(Team.workspace_id == person.workspace_id).order_by(col(Team.name))
    ).all()
    team = next((t for t in teams if str(t.id) == scope), None)
    rule = schedules.effective(person.workspace_id, team, session=session)
    return ScheduleForm(
        scopes=(("Organisation default", "org"), *((t.name, str(t.id)) for t in teams[:99])),
        scope=str(team.id) if team is not None else "org",
        digest_day=schedules.WEEKDAYS[rule.digest_weekday],
        digest_time=rule.digest_time,
        cadence=rule.checkin_cadence,
        checkin_day=schedules.WEEKDAYS[rule.checkin_weekday],
        checkin_time=rule.checkin_time,
        paused=rule.paused,
        note=note,
        problem=problem,
    )


def _card(message: Message) -> AdaptiveCardInvokeResponse:
    return card_response(to_card(message))


def _text_card(text: str, *, title: str = "Empathy Nudge Bot") -> AdaptiveCardInvokeResponse:
    return _card(Message(title=title, summary=text[:150], sections=(Section(text=text),)))


def register(app: AgentApplication[TurnState], services: Services) -> None:
    """Register every card action on ``app``."""

    def action_of(context: TurnContext) -> CardAction:
        action = translate.card_action(context.activity)
        assert action is not None  # the route's selector matched an Action.Execute
        return action

    async def as_person(action: CardAction, work: Work) -> AdaptiveCardInvokeResponse:
        """Run ``work`` for the person who pressed the button, in one session."""

        def run(session: Session) -> AdaptiveCardInvokeResponse:
            person = find_person(translate.PLATFORM, action.user_id, session=session)
            if person is None or person.id is None:
                return message_response(NOT_IMPORTED)
            return work(session, person)

        return await services.run(run)

    def on(verb: str | re.Pattern[str]) -> Callable[[Handler], Handler]:
        return app.adaptive_card.action_execute(verb)

    # ------------------------------------------------------------ check-ins

    def checkin_card(session: Session, person: Person, round_id: int) -> AdaptiveCardInvokeResponse:
        checkin_round = session.get(CheckinRound, round_id)
        if checkin_round is None:
            return message_response("That check-in is closed.")
        answered = checkins.my_answers(person, round_id, key=services.key, session=session)
        return _card(
            checkins.checkin_message(
                checkin_round, services.library, locale=person.locale, answered=answered
            )
        )

    @on(re.compile(rf"^{checkins.ANSWER_ACTION}:"))
    async def on_answer(
        context: TurnContext, _state: TurnState, _data: object
    ) -> AdaptiveCardInvokeResponse:
        action = action_of(context)
        try:
            round_id, question_key, answer = checkins.parse_answer_value(action.value)
        except EmpathyBotError:
            log.warning("check-in answer with a malformed value ignored")
            return message_response("That answer could not be read.")

        def save(session: Session, person: Person) -> AdaptiveCardInvokeResponse:
            try:
                checkins.record_answer(
                    person, round_id, question_key, answer, key=services.key, session=session
                )
            except EmpathyBotError as exc:
                return message_response(str(exc))
            return checkin_card(session, person, round_id)

        return await as_person(action, save)

    @on(checkins.COMMENT_ACTION)
    async def on_comment(
        context: TurnContext, _state: TurnState, _data: object
    ) -> AdaptiveCardInvokeResponse:
        return card_response(comment_card(action_of(context).value[:50]))

    @on(CHECKIN_SHOW_VERB)
    async def on_show_checkin(
        context: TurnContext, _state: TurnState, _data: object
    ) -> AdaptiveCardInvokeResponse:
        action = action_of(context)
        if not action.value.isdigit():
            return message_response("That check-in could not be found.")
        round_id = int(action.value)
        return await as_person(action, lambda s, p: checkin_card(s, p, round_id))

    @on(COMMENT_SEND_VERB)
    async def on_comment_send(
        context: TurnContext, _state: TurnState, _data: object
    ) -> AdaptiveCardInvokeResponse:
        action = action_of(context)
        text = action.inputs.get(COMMENT_INPUT, "")[:COMMENT_MAX_LENGTH]
        # Off the event loop: scoring can wait for the pipeline while a batch is ingested.
        result = await asyncio.to_thread(
            checkins.handle_comment, text, distress=services.distress, library=services.library
        )
        del text  # read in memory, never kept
        if result.support is None:
            return _text_card(result.acknowledged, title="Thank you")
        log.info("check-in comment: support resources shown to its author only")
        return _card(checkins.support_message(result.support))

    # ------------------------------------------------------------ digests

    @on(re.compile(r"^nudge_(helpful|not_for_me|did_this)$"))
    async def on_feedback(
        context: TurnContext, _state: TurnState, _data: object
    ) -> AdaptiveCardInvokeResponse:
        action = action_of(context)
        kind, note = FEEDBACK_KINDS[action.verb]
        try:
            delivery_ref, item_id, situation = parse_feedback_value(action.value)
            delivery_id = int(delivery_ref)
        except ValueError:
            log.warning("feedback with a malformed value ignored")
            return message_response("That button could not be read.")

        def save(session: Session, person: Person) -> AdaptiveCardInvokeResponse:
            assert person.id is not None
            try:
                fresh = feedback.record(
                    delivery_id, item_id, situation, kind, manager_id=person.id, session=session
                )
            except EmpathyBotError as exc:
                log.warning("feedback refused: %s", exc)
                return message_response(str(exc))
            log.info("digest feedback %s recorded", kind)
            return message_response(note if fresh else "Already noted. Thank you!")

        return await as_person(action, save)

    @on(re.compile(rf"^({SNOOZE_ACTION}|{home.SNOOZE_ACTION})$"))
    async def on_snooze(
        context: TurnContext, _state: TurnState, _data: object
    ) -> AdaptiveCardInvokeResponse:
        def snooze(session: Session, person: Person) -> AdaptiveCardInvokeResponse:
            person.digests_snoozed_until = utcnow().date() + timedelta(weeks=SNOOZE_WEEKS)
            session.add(person)
            return message_response(f"Digests paused until {person.digests_snoozed_until:%d %B}.")

        return await as_person(action_of(context), snooze)

    # ------------------------------------------------------------ privacy and verbs

    @on(ERASE_CONFIRM_ACTION)
    async def on_erase(
        context: TurnContext, _state: TurnState, _data: object
    ) -> AdaptiveCardInvokeResponse:
        command_context = services.command_context(prefix=translate.COMMAND_PREFIX)

        def erase(session: Session, person: Person) -> AdaptiveCardInvokeResponse:
            return _card(erase_now(person, command_context, session=session).message)

        return await as_person(action_of(context), erase)

    @on(COMMAND_ACTION)
    async def on_command_button(
        context: TurnContext, _state: TurnState, _data: object
    ) -> AdaptiveCardInvokeResponse:
        action = action_of(context)
        command = Command(
            platform=translate.PLATFORM,
            user_id=action.user_id,
            text=action.value[:100],
            in_direct_chat=True,
        )
        command_context = services.command_context(prefix=translate.COMMAND_PREFIX)

        def run(session: Session) -> AdaptiveCardInvokeResponse:
            reply = commands.handle(command, command_context, session=session)
            if reply.direct is not None:
                return _card(reply.direct)
            person = find_person(translate.PLATFORM, action.user_id, session=session)
            if reply.open_settings and person is not None:
                return card_response(schedule_card(schedule_form(person, "org", session=session)))
            return _card(reply.message)

        log.info("teams card verb %s", verb_for_log(action.value))
        return await services.run(run)

    # ------------------------------------------------------------ HR schedules

    @on(SCHEDULE_SHOW_VERB)
    async def on_schedule_show(
        context: TurnContext, _state: TurnState, _data: object
    ) -> AdaptiveCardInvokeResponse:
        action = action_of(context)
        scope = action.inputs.get("scope") or action.value or "org"

        def show(session: Session, person: Person) -> AdaptiveCardInvokeResponse:
            if not _is_hr(person):
                return message_response("Settings are for HR.")
            return card_response(schedule_card(schedule_form(person, scope, session=session)))

        return await as_person(action, show)

    @on(SCHEDULE_SAVE_VERB)
    async def on_schedule_save(
        context: TurnContext, _state: TurnState, _data: object
    ) -> AdaptiveCardInvokeResponse:
        action = action_of(context)
        scope = action.inputs.get("scope") or action.value or "org"
        changes = {
            "digest_weekday": action.inputs.get("digest_day"),
            "digest_time": action.inputs.get("digest_time"),
            "checkin_cadence": action.inputs.get("cadence"),
            "checkin_weekday": action.inputs.get("checkin_day"),
            "checkin_time": action.inputs.get("checkin_time"),
            "paused": action.inputs.get("paused", "false").lower() == "true",
        }

        def save(session: Session, person: Person) -> AdaptiveCardInvokeResponse:
            if not _is_hr(person):
                return message_response("Only HR can change schedules.")
            try:
                team = schedules.team_in_scope(scope, person.workspace_id, session=session)
                # All values are checked before anything is written.
                schedules.update(
                    person.workspace_id, team, changes, by_person_id=person.id, session=session
                )
            except ValidationFailed as exc:
                log.info("schedule settings refused: %s", str(exc).split(":")[0])
                form = schedule_form(person, scope, session=session, problem=str(exc))
                return card_response(schedule_card(form))
            log.info("schedule settings saved")
            where = team.name if team is not None else "the organisation default"
            form = schedule_form(person, scope, session=session, note=f"Saved for {where}.")
            return card_response(schedule_card(form))

        return await as_person(action, save)

    # ------------------------------------------------------------ anything else

    @app.adaptive_card.action_execute(re.compile(r".*"), rank=RouteRank.LAST)
    async def on_unknown(
        context: TurnContext, _state: TurnState, _data: object
    ) -> AdaptiveCardInvokeResponse:
        log.warning("teams: card action %s has no handler", action_of(context).verb[:40])
        return message_response("This button no longer does anything.")


__all__ = ["FEEDBACK_KINDS", "register", "schedule_form"]
