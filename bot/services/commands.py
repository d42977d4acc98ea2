"""The bot's verbs, the same on every platform: ``help``, ``optin``, ``optout``, ``status``,
``privacy``, ``erase``, ``checkin``, ``listen on|off``, ``snooze N``, ``settings``.

Slack's ``/empathy`` command and Teams' personal chat both translate what the person typed
into a :class:`Command` and render the :class:`Reply`; the rules live here once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlmodel import Session, col, select

from bot.errors import NotFoundError
from bot.services import checkins, consent, listening, privacy
from bot.store.repos import teams_managed_by, teams_of
from bot.store.tables import ChannelListening, NudgeDelivery, Person, Team
from bot.store.types import utcnow
from nudges.library import Library
from nudges.message import Button, ButtonStyle, Message, Section
from nudges.weeks import week_label

ERASE_CONFIRM_ACTION = "privacy_erase_confirm"
KNOWN_VERBS = frozenset(
    {
        "help",
        "?",
        "optin",
        "optout",
        "status",
        "privacy",
        "erase",
        "checkin",
        "listen",
        "snooze",
        "settings",
    }
)
"""The verbs; logs name only these, never other words someone typed."""


def verb_for_log(text: str) -> str:
    """The verb of a command, fit for a log line: only known verbs are named, so nothing
    else a person typed (which may be anything) is ever logged."""
    verb = (text.split() or ["help"])[0].lower()
    return verb if verb in KNOWN_VERBS else "(unknown)"


MAX_SNOOZE_WEEKS = 8

HELP = """*What I can do* (type `{prefix} <word>`):
• `optin` / `optout`: let me count your messages and send you check-ins, or stop
  (add `messages` or `checkins` to choose one)
• `status`: what you have agreed to
• `privacy`: your data receipt: what is stored about you and what your manager sees
• `erase`: delete everything stored about you
• `checkin`: answer this week's check-in now
• `listen on` / `listen off`: count this channel's mood for its team (HR and the team's manager)
• `snooze 2`: pause your digests for two weeks (managers)
• `settings`: schedules and rules (HR)"""

LISTENING_NOTICE = (
    "*Listening is now on in this channel* for the team {team}.\n"
    "• What is collected: for people who opted in, each message becomes a mood score and a "
    "few theme tags (like workload or recognition), added to weekly team totals.\n"
    "• What is not: message text is never stored or shown to anyone. Nobody sees an "
    "individual's score, and team figures appear only when at least {size} people took part.\n"
    "• Nothing is counted for you unless you opt in: type `{prefix} optin`. "
    "You can opt out or erase your data at any time."
)


@dataclass(frozen=True)
class Command:
    """What someone typed, already separated from its platform."""

    platform: str
    user_id: str
    text: str
    channel_id: str | None = None
    in_direct_chat: bool = False


@dataclass(frozen=True)
class Reply:
    """What to answer. ``public`` replies go to the channel; others only to the person.
    ``direct`` is a message to send to the person's direct chat (a check-in)."""

    message: Message
    public: bool = False
    open_settings: bool = False
    direct: Message | None = None
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CommandContext:
    """What the verbs need besides the database session."""

    key: bytes
    library: Library
    policy_version: str
    min_group: int
    prefix: str = "/empathy"
    today: date | None = None


def _text(text: str, *, title: str = "Empathy Nudge Bot") -> Message:
    return Message(title=title, summary=text[:150], sections=(Section(text=text),))


def find_person(platform: str, user_id: str, *, session: Session) -> Person | None:
    """The person behind a platform user id, if the org import knows them."""
    column = Person.slack_user_id if platform == "slack" else Person.teams_user_id
    return session.exec(select(Person).where(col(column) == user_id)).first()


def handle(command: Command, context: CommandContext, *, session: Session) -> Reply:
    """Run one verb for one person and say what to answer."""
    words = command.text.strip().split()
    verb = words[0].lower() if words else "help"
    args = [word.lower() for word in words[1:]]
    if verb in {"help", "?"}:
        return Reply(_text(HELP.format(prefix=context.prefix)))
    person = find_person(command.platform, command.user_id, session=session)
    if person is None or person.id is None:
        return Reply(
            _text(
                "I don't know you yet: HR adds people with the org import. Ask them to add "
                "you, then try again."
            )
        )
    handlers = {
        "optin": _optin,
        "optout": _optout,
        "status": _status,
        "privacy": _privacy,
        "erase": _erase,
        "checkin": _checkin,
        "listen": _listen,
        "snooze": _snooze,
        "settings": _settings,
    }
    handler = handlers.get(verb)
    if handler is None:
        return Reply(_text(f"I don't know `{verb[:40]}`.\n\n" + HELP.format(prefix=context.prefix)))
    return handler(person, args, command, context, session)


def _scopes(args: list[str]) -> list[str]:
    chosen = [arg for arg in args if arg in {"messages", "checkins"}]
    return chosen or ["messages", "checkins"]


def _optin(
    person: Person, args: list[str], command: Command, context: CommandContext, session: Session
) -> Reply:
    assert person.id is not None
    scopes = _scopes(args)
    for scope in scopes:
        consent.grant(person.id, scope, policy_version=context.policy_version, session=session)
    return Reply(
        _text(
            f"Thanks, you're in for {' and '.join(scopes)}. Your messages are turned into "
            "numbers and forgotten; nobody sees your individual scores or answers. "
            f"`{context.prefix} optout` stops it at any time."
        )
    )


def _optout(
    person: Person, args: list[str], command: Command, context: CommandContext, session: Session
) -> Reply:
    assert person.id is not None
    scopes = _scopes(args)
    for scope in scopes:
        consent.revoke(person.id, scope, session=session)
    return Reply(
        _text(
            f"Done: {' and '.join(scopes)} stopped, from now on. To delete what is already "
            f"stored about you, use `{context.prefix} erase`."
        )
    )


def _status(
    person: Person, args: list[str], command: Command, context: CommandContext, session: Session
) -> Reply:
    assert person.id is not None
    lines = []
    for state in consent.status(person.id, session=session):
        if state.granted and state.since is not None:
            lines.append(
                f"• {state.scope}: on since {state.since:%d %b %Y} (policy {state.policy_version})"
            )
        else:
            lines.append(f"• {state.scope}: off")
    return Reply(_text("*What you have agreed to*\n" + "\n".join(lines)))


def _privacy(
    person: Person, args: list[str], command: Command, context: CommandContext, session: Session
) -> Reply:
    return Reply(_text(privacy_receipt(person, context, session=session)))


def privacy_receipt(person: Person, context: CommandContext, *, session: Session) -> str:
    """The data receipt: what is stored, which channels listen, what the manager saw."""
    assert person.id is not None
    data = privacy.export_person(person, key=context.key, session=session)
    teams = teams_of(person.id, session=session)
    team_ids = [team.id for team in teams]
    channels = session.exec(
        select(ChannelListening).where(
            col(ChannelListening.team_id).in_(team_ids), col(ChannelListening.disabled_at).is_(None)
        )
    ).all()
    shown = session.exec(
        select(NudgeDelivery)
        .where(
            col(NudgeDelivery.team_id).in_(team_ids),
            NudgeDelivery.numbers_shown == True,  # noqa: E712
            NudgeDelivery.status == "sent",
        )
        .order_by(col(NudgeDelivery.sent_at).desc())
    ).first()
    consent_line = ", ".join(
        f"{c['scope']} {'on' if c['granted'] else 'off'}" for c in data["consent"]["current"]
    )
    lines = [
        "*Your data receipt*",
        f"• Profile: {person.display_name}, {person.email}, time zone {person.timezone}.",
        f"• Consent: {consent_line} ({len(data['consent']['history'])} change(s) on record).",
        f"• Check-in answers stored under your pseudonym: {len(data['checkin_answers'])}.",
        f"• Weeks still open that count you: {data['open_weeks_counted_in']} "
        "(closed weeks keep totals only, with no trace of who took part).",
        "• Message text: none, ever.",
        "• Channels listening for your team: "
        + (
            ", ".join(
                f"<#{c.channel_id}>" if c.platform == "slack" else c.channel_id for c in channels
            )
            or "none"
        ),
        "• Your team's figures were last shown to your manager: "
        + (f"{shown.sent_at:%d %b %Y} (week {shown.week})" if shown and shown.sent_at else "never"),
        f"`{context.prefix} erase` deletes all of it.",
    ]
    return "\n".join(lines)


def _erase(
    person: Person, args: list[str], command: Command, context: CommandContext, session: Session
) -> Reply:
    if args[:1] == ["confirm"]:
        return erase_now(person, context, session=session)
    return Reply(
        Message(
            title="Erase your data?",
            summary="Erase your data?",
            sections=(
                Section(
                    text="This deletes your profile, consent history, check-in answers and "
                    "every other record about you. Weekly team totals that already had enough "
                    "people stay: they cannot be traced back to anyone.",
                    buttons=(
                        Button(
                            "Erase everything",
                            ERASE_CONFIRM_ACTION,
                            str(person.id),
                            ButtonStyle.DANGER,
                        ),
                    ),
                ),
            ),
        )
    )


def erase_now(person: Person, context: CommandContext, *, session: Session) -> Reply:
    report = privacy.erase_person(person, key=context.key, session=session)
    return Reply(
        _text(
            f"Everything stored about you is erased ({report.checkin_answers} check-in "
            "answer(s) included). If HR imports you again, you start from scratch, with "
            "nothing counted until you opt in."
        )
    )


def _checkin(
    person: Person, args: list[str], command: Command, context: CommandContext, session: Session
) -> Reply:
    assert person.id is not None
    if not consent.has_consent(person.id, "checkins", session=session):
        return Reply(
            _text(f"Check-ins are off for you. `{context.prefix} optin checkins` turns them on.")
        )
    teams = teams_of(person.id, session=session)
    if not teams or teams[0].id is None:
        return Reply(_text("You're not in a team yet, so there is no check-in to answer."))
    week = week_label(context.today or utcnow().date())
    checkin_round = checkins.open_round(
        teams[0].workspace_id, teams[0].id, week, library=context.library, session=session
    )
    return Reply(
        _text("Your check-in is in our direct chat."),
        direct=checkins.checkin_message(checkin_round, context.library, locale=person.locale),
    )


def _team_for_listening(person: Person, args: list[str], session: Session) -> Team | str:
    """The team a channel will count for: named, or the one the manager leads."""
    assert person.id is not None
    name = " ".join(args[1:]).strip()
    hr = bool({"hr", "admin"} & person.role_set)
    if name:
        team = session.exec(
            select(Team).where(Team.workspace_id == person.workspace_id, col(Team.name).ilike(name))
        ).first()
        if team is None:
            return f"There is no team called {name}."
        if not hr and team.manager_id != person.id:
            return "Only HR or the team's manager can switch listening on or off."
        return team
    managed = teams_managed_by(person.id, session=session)
    if len(managed) == 1:
        return managed[0]
    if hr or len(managed) > 1:
        return "Name the team too, for example `listen on Platform`."
    return "Only HR or the team's manager can switch listening on or off."


def _listen(
    person: Person, args: list[str], command: Command, context: CommandContext, session: Session
) -> Reply:
    if not args or args[0] not in {"on", "off"}:
        return Reply(
            _text(
                f"Use `{context.prefix} listen on` or `{context.prefix} listen off` in the channel."
            )
        )
    if command.channel_id is None or command.in_direct_chat:
        return Reply(_text("Run this in the channel you want to switch."))
    if args[0] == "off":
        return _listen_off(person, command, session)
    team = _team_for_listening(person, args, session)
    if isinstance(team, str):
        return Reply(_text(team))
    listening.enable(
        command.platform,
        command.channel_id,
        team,
        workspace_id=team.workspace_id,
        by=person,
        session=session,
    )
    notice = LISTENING_NOTICE.format(
        team=team.name, size=max(context.min_group, 5), prefix=context.prefix
    )
    return Reply(_text(notice, title="Listening is on"), public=True)


def _listen_off(person: Person, command: Command, session: Session) -> Reply:
    assert command.channel_id is not None
    team_id = listening.listening_team(command.platform, command.channel_id, session=session)
    if team_id is None:
        return Reply(_text("Listening is not on in this channel."))
    team = session.get(Team, team_id)
    if not {"hr", "admin"} & person.role_set and (team is None or team.manager_id != person.id):
        return Reply(_text("Only HR or the team's manager can switch listening on or off."))
    listening.disable(command.platform, command.channel_id, by=person, session=session)
    return Reply(
        _text("Listening is off in this channel. Nothing from here is counted any more."),
        public=True,
    )


def _snooze(
    person: Person, args: list[str], command: Command, context: CommandContext, session: Session
) -> Reply:
    assert person.id is not None
    if not teams_managed_by(person.id, session=session):
        return Reply(_text("Snoozing is for managers' digests; you don't receive one."))
    try:
        weeks = int(args[0]) if args else 1
    except ValueError:
        weeks = -1
    if not 0 <= weeks <= MAX_SNOOZE_WEEKS:
        return Reply(
            _text(
                f"Snooze takes a number of weeks from 0 to {MAX_SNOOZE_WEEKS}, "
                "for example `snooze 2` (0 ends a snooze)."
            )
        )
    today = context.today or utcnow().date()
    person.digests_snoozed_until = today + timedelta(weeks=weeks) if weeks else None
    session.add(person)
    session.flush()
    if not weeks:
        return Reply(_text("Your digests are back on."))
    return Reply(
        _text(
            f"Your digests are paused until {person.digests_snoozed_until:%d %B}. "
            f"`{context.prefix} snooze 0` brings them back sooner."
        )
    )


def _settings(
    person: Person, args: list[str], command: Command, context: CommandContext, session: Session
) -> Reply:
    if not {"hr", "admin"} & person.role_set:
        return Reply(_text("Settings are for HR."))
    return Reply(_text("Opening the settings."), open_settings=True)


def require_person(platform: str, user_id: str, *, session: Session) -> Person:
    person = find_person(platform, user_id, session=session)
    if person is None:
        raise NotFoundError("unknown user")
    return person
