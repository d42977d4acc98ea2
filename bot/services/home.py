"""The personal home page (Slack App Home), by role, as a neutral message.

Everyone sees their consent switches, their own check-in history and their data receipt.
Managers also see their latest digest and the team trend (only weeks with enough people),
with a snooze button. HR also sees each team's schedule and check-in participation (only
for teams above the minimum group), with buttons that open the schedule editor.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from bot.services import consent, digest, privacy, schedules
from bot.services.commands import CommandContext, privacy_receipt
from bot.store.repos import teams_managed_by
from bot.store.tables import NudgeDelivery, Person, Team
from bot.store.types import utcnow
from nudges import engine
from nudges.charts import sparkline
from nudges.message import Button, ButtonStyle, Message, Section
from nudges.weeks import previous_weeks, shift, week_label

CONSENT_ACTION = "consent_toggle"
SNOOZE_ACTION = "home_snooze"
SETTINGS_ACTION = "settings_open"


def home_message(person: Person, context: CommandContext, *, session: Session) -> Message:
    """Everything the person may see, and nothing more."""
    assert person.id is not None
    sections = [
        _consent_section(person, session=session),
        _history_section(person, context, session=session),
    ]
    sections.append(
        Section(heading="Your data receipt", text=privacy_receipt(person, context, session=session))
    )
    managed = teams_managed_by(person.id, session=session)
    if managed:
        sections += _manager_sections(person, managed, context, session=session)
    if {"hr", "admin"} & person.role_set:
        sections += _hr_sections(person, context, session=session)
    return Message(
        title=f"Hi {person.display_name.split()[0]}",
        summary="Empathy Nudge Bot home",
        sections=tuple(sections),
        context=("Only you can see this page.",),
    )


def _consent_section(person: Person, *, session: Session) -> Section:
    assert person.id is not None
    states = consent.status(person.id, session=session)
    lines, buttons = [], []
    for state in states:
        label = {"messages": "Counting my channel messages", "checkins": "Weekly check-ins"}[
            state.scope
        ]
        lines.append(f"• {label}: *{'on' if state.granted else 'off'}*")
        buttons.append(
            Button(
                label=f"Turn {state.scope} {'off' if state.granted else 'on'}",
                action_id=f"{CONSENT_ACTION}:{state.scope}",
                value="off" if state.granted else "on",
                style=ButtonStyle.DEFAULT if state.granted else ButtonStyle.PRIMARY,
            )
        )
    return Section(heading="What you share", text="\n".join(lines), buttons=tuple(buttons))


def _history_section(person: Person, context: CommandContext, *, session: Session) -> Section:
    data = privacy.export_person(person, key=context.key, session=session)
    answers = data["checkin_answers"][-6:]
    if not answers:
        return Section(heading="Your check-ins", text="No answers yet.")
    lines = []
    for answer in reversed(answers):
        try:
            question = context.library.question(answer["question"], person.locale)
            option = question.scale[int(answer["value"]) - 1]
            lines.append(f"• {answer['period']}: {question.text} {option.emoji} {option.label}")
        except (KeyError, IndexError):
            lines.append(f"• {answer['period']}: {answer['value']} of 5")
    return Section(heading="Your check-ins (only you see these)", text="\n".join(lines))


def _manager_sections(
    person: Person, teams: Sequence[Team], context: CommandContext, *, session: Session
) -> list[Section]:
    assert person.id is not None
    latest = session.exec(
        select(NudgeDelivery)
        .where(NudgeDelivery.manager_id == person.id, NudgeDelivery.status == "sent")
        .order_by(col(NudgeDelivery.week).desc())
    ).first()
    if latest is not None and latest.prompt_id:
        try:
            title = context.library.prompt(latest.prompt_id, person.locale).title
        except KeyError:
            title = latest.prompt_id
        digest_text = f"Week {latest.week}: *{title}*"
    else:
        digest_text = "No digest yet: the first arrives on the next digest day."
    sections = [
        Section(
            heading="Your latest digest",
            text=digest_text,
            buttons=(Button("Snooze digests 2 weeks", SNOOZE_ACTION, "2"),),
        )
    ]
    dimensions = {q.id: q.dimension.value for q in context.library.questions()}
    this_week = shift(week_label(context.today or utcnow().date()), -1)
    for team in teams:
        assert team.id is not None
        members = digest.members_of(team.id, session=session)
        weeks = [*previous_weeks(this_week, 7), this_week]
        gated = [
            engine.gate(
                digest.raw_week([team.id], week, members, dimensions=dimensions, session=session),
                context.min_group,
            )
            for week in weeks
        ]
        if any(week.sentiment is not None for week in gated):
            values = [week.sentiment for week in gated]
            text = (
                f"Mood in chat, last 8 weeks: {sparkline(values, low=-1.0, high=1.0)} "
                "(· = too few people that week)"
            )
        else:
            text = (
                f"Not enough people took part in recent weeks to show a trend (at least "
                f"{max(context.min_group, 5)} are needed)."
            )
        sections.append(Section(heading=f"Team {team.name}", text=text))
    return sections


def _hr_sections(person: Person, context: CommandContext, *, session: Session) -> list[Section]:
    teams = session.exec(
        select(Team).where(Team.workspace_id == person.workspace_id).order_by(col(Team.name))
    ).all()
    dimensions = {q.id: q.dimension.value for q in context.library.questions()}
    last_week = shift(week_label(context.today or utcnow().date()), -1)
    org = schedules.effective(person.workspace_id, None, session=session)
    sections = [
        Section(
            heading="Schedules (HR)",
            text=_describe(org, "Organisation default"),
            buttons=(Button("Edit default", SETTINGS_ACTION, "org"),),
        )
    ]
    lines = []
    for team in teams[:20]:
        assert team.id is not None
        members = digest.members_of(team.id, session=session)
        gated = engine.gate(
            digest.raw_week([team.id], last_week, members, dimensions=dimensions, session=session),
            context.min_group,
        )
        share = (
            f"{gated.participation:.0%} answered check-ins"
            if gated.participation is not None
            else "too few to show"
        )
        rule = schedules.effective(person.workspace_id, team, session=session)
        own = " (own schedule)" if rule.overridden else ""
        lines.append(f"• *{team.name}*: {share}{own}")
    sections.append(
        Section(
            heading=f"Teams, week {last_week}",
            text="\n".join(lines) or "No teams yet.",
            buttons=tuple(
                Button(f"Edit {team.name}", f"{SETTINGS_ACTION}:{team.id}", str(team.id))
                for team in teams[:5]
            ),
        )
    )
    return sections


def _describe(rule: schedules.EffectiveSchedule, name: str) -> str:
    day = schedules.WEEKDAYS[rule.digest_weekday].capitalize()
    checkin_day = schedules.WEEKDAYS[rule.checkin_weekday].capitalize()
    paused = " *Paused.*" if rule.paused else ""
    return (
        f"{name}: digests {day} {rule.digest_time} (manager's time), check-ins "
        f"{rule.checkin_cadence} on {checkin_day} {rule.checkin_time} (each person's "
        f"time).{paused}"
    )
