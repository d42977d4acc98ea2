"""The Teams agent: an Agents SDK ``AgentApplication`` with thin handlers.

* Every inbound activity first stores its conversation reference (when it changed), so
  proactive messages can reach that conversation after any restart.
* Installing the app greets: a welcome card in a personal chat, a short notice in a team.
  Uninstalling forgets the conversation.
* A personal-chat message, or a channel message that @mentions the bot, is a command: the
  same verbs as Slack's ``/empathy``. Answers meant for the person alone go to their
  personal chat, never to the channel.
* Any other channel message goes to the ingest queue for listening, which applies the
  consent, channel and duplicate rules.
* Card buttons are handled in :mod:`bot.platforms.teams.actions`.
"""

from __future__ import annotations

import logging
from typing import Any

from microsoft_agents.activity import ActivityTypes
from microsoft_agents.hosting.core import (
    AgentApplication,
    ApplicationOptions,
    MemoryStorage,
    TurnContext,
    TurnState,
)
from microsoft_agents.hosting.core.app import RouteRank
from sqlmodel import Session

from bot.errors import DeliveryError
from bot.platforms.base import Recipient, recipient_for
from bot.platforms.teams import actions, references, translate
from bot.platforms.teams.auth import TeamsAuth, build_auth
from bot.platforms.teams.cards import schedule_card, to_card
from bot.platforms.teams.connector import TeamsConnector
from bot.platforms.teams.messages import (
    answered_privately,
    something_went_wrong,
    team_welcome_message,
    welcome_message,
)
from bot.platforms.teams.messenger import TeamsMessenger
from bot.services import commands
from bot.services.commands import Reply, find_person, verb_for_log
from bot.wiring import Services
from nudges.message import Message

log = logging.getLogger("bot.platforms.teams")

Card = dict[str, Any]


async def _say(context: TurnContext, card: Card, *, summary: str = "") -> None:
    await context.send_activity(translate.card_activity(card, summary=summary))


async def _say_message(context: TurnContext, message: Message) -> None:
    await _say(context, to_card(message), summary=message.summary or message.title)


class TeamsAgent:
    """The application, its adapter, and the handlers that connect them to the services."""

    def __init__(
        self,
        services: Services,
        *,
        auth: TeamsAuth,
        connector: TeamsConnector,
        messenger: TeamsMessenger,
    ) -> None:
        self.services = services
        self.auth = auth
        self.connector = connector
        self.messenger = messenger
        self.recent = references.RecentlySaved()
        self.app: AgentApplication[TurnState] = AgentApplication[TurnState](
            ApplicationOptions(
                storage=MemoryStorage(),
                # Mentions are removed by the translator (which needs to see them first),
                # and typing indicators would be noise for a bot that answers at once.
                remove_recipient_mention=False,
                start_typing_timer=False,
            ),
            connection_manager=auth.connections,
        )
        self._register()

    def _register(self) -> None:
        app = self.app
        app.before_turn(self.capture_reference)
        app.conversation_update("membersAdded")(self.on_members_added)
        app.conversation_update("membersRemoved")(self.on_removed)
        app.activity(ActivityTypes.installation_update)(self.on_installation_update)
        app.add_route(lambda context: translate.is_command(context.activity), self.on_command)
        app.add_route(
            lambda context: context.activity.type == ActivityTypes.message,
            self.on_channel_message,
            rank=RouteRank.LAST,
        )
        actions.register(app, self.services)
        # Every other activity (reactions, edits, typing, other invokes) is deliberately
        # ignored; a route for it keeps the SDK from logging "no route" with the message's
        # text. Routes of equal rank have no defined order, so the selectors are disjoint.
        app.add_route(
            lambda context: (
                context.activity.type not in {ActivityTypes.message, ActivityTypes.invoke}
            ),
            self.ignore,
            rank=RouteRank.LAST,
        )
        app.add_route(
            lambda context: (
                context.activity.type == ActivityTypes.invoke
                and context.activity.name != translate.INVOKE_ACTION
            ),
            self.ignore,
            is_invoke=True,
            rank=RouteRank.LAST,
        )
        app.error(self.on_error)

    # ------------------------------------------------------------ every turn

    async def capture_reference(self, context: TurnContext, _state: TurnState) -> bool:
        """Store the conversation reference when it is new or changed; never stops a turn."""
        if translate.bot_removed(context.activity):
            return True
        record = translate.conversation_record(context.activity)
        if record is not None and self.recent.needs_saving(record):
            await self.services.run(lambda session: references.save(record, session=session))
            self.recent.saved(record)
        return True

    # ------------------------------------------------------------ install and remove

    async def on_members_added(self, context: TurnContext, _state: TurnState) -> None:
        """Greet when the bot itself was added (other members joining are not news)."""
        activity = context.activity
        if not translate.bot_added(activity):
            return
        if translate.conversation_type(activity) == translate.PERSONAL:
            await _say_message(context, welcome_message())
        else:
            await _say_message(context, team_welcome_message(translate.COMMAND_PREFIX))
        log.info("teams: installed in a %s conversation", translate.conversation_type(activity))

    async def on_removed(self, context: TurnContext, _state: TurnState) -> None:
        """Forget a conversation the bot was removed from."""
        if translate.bot_removed(context.activity):
            await self._forget(context)

    async def on_installation_update(self, context: TurnContext, _state: TurnState) -> None:
        """Installs are greeted on ``membersAdded``; an uninstall forgets the reference."""
        if translate.bot_removed(context.activity):
            await self._forget(context)

    async def _forget(self, context: TurnContext) -> None:
        record = translate.conversation_record(context.activity)
        if record is None:
            return
        self.recent.forget(record.conversation_id)
        await self.services.run(
            lambda session: references.forget(record.conversation_id, session=session)
        )
        log.info("teams: removed from a %s conversation", record.conversation_type)

    # ------------------------------------------------------------ messages

    async def on_channel_message(self, context: TurnContext, _state: TurnState) -> None:
        """A channel message for listening: queued, scored later in a batch."""
        incoming = translate.incoming_message(context.activity)
        if incoming is not None:
            self.services.ingest.submit(incoming)

    async def on_command(self, context: TurnContext, _state: TurnState) -> None:
        """Run a verb and answer: in the chat it came from when that is private or the
        answer is public, otherwise in the person's personal chat."""
        command = translate.command(context.activity)
        command_context = self.services.command_context(prefix=translate.COMMAND_PREFIX)

        def run(session: Session) -> tuple[Reply, Recipient | None, Card | None]:
            reply = commands.handle(command, command_context, session=session)
            person = find_person(translate.PLATFORM, command.user_id, session=session)
            settings = None
            if reply.open_settings and person is not None:
                settings = schedule_card(actions.schedule_form(person, "org", session=session))
            recipient = recipient_for(person) if person is not None else None
            return reply, recipient, settings

        reply, recipient, settings = await self.services.run(run)
        log.info("teams command %s", verb_for_log(command.text))
        # In a personal chat the check-in or the editor is the answer; elsewhere the
        # private part goes to the personal chat.
        if reply.direct is not None:
            private: Card = to_card(reply.direct)
            summary = reply.direct.summary
        elif settings is not None:
            private, summary = settings, "Schedules"
        else:
            private, summary = to_card(reply.message), reply.message.summary
        if command.in_direct_chat:
            await _say(context, private, summary=summary)
        elif reply.public:
            await _say_message(context, reply.message)
        else:
            delivered = recipient is not None and await self._send_privately(
                recipient, private, summary
            )
            await _say_message(context, answered_privately(delivered))

    async def _send_privately(self, recipient: Recipient, card: Card, summary: str) -> bool:
        try:
            await self.messenger.send_card(recipient, card, summary=summary)
        except DeliveryError as exc:
            log.info("teams: private answer not delivered (%s)", exc)
            return False
        return True

    async def ignore(self, context: TurnContext, _state: TurnState) -> None:
        """Activities the bot has no use for."""

    async def on_error(self, context: TurnContext, error: Exception) -> None:
        """A failed turn: one log line with the traceback, a short apology to the person."""
        activity = context.activity
        log.error("teams: %s turn failed: %s", activity.type, type(error).__name__, exc_info=error)
        try:
            if activity.type == ActivityTypes.invoke:
                await context.send_activity(
                    translate.invoke_reply(translate.error_response(something_went_wrong().summary))
                )
            elif activity.type == ActivityTypes.message and translate.is_command(activity):
                await _say_message(context, something_went_wrong())
        except Exception as exc:  # the apology itself failed: the log line above stands
            log.warning(
                "teams: could not tell the person about the failure (%s)", type(exc).__name__
            )


def build_agent(services: Services) -> TeamsAgent:
    """The Teams agent for the configured authentication mode."""
    auth = build_auth(services.settings)
    connector = TeamsConnector(auth)
    messenger = TeamsMessenger(services, connector=connector)
    return TeamsAgent(services, auth=auth, connector=connector, messenger=messenger)
