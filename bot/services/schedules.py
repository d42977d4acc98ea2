"""Delivery schedules: the organisation default and per-team overrides.

Every way of editing a schedule (CLI, Slack settings modal, Teams card) comes through
:func:`update`, which checks each value and names the field it refuses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from bot.errors import ValidationFailed
from bot.store.tables import Schedule, Team
from bot.store.types import utcnow

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CADENCES = ("weekly", "biweekly", "monthly")
MAX_REMINDER_HOURS = 96
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


@dataclass(frozen=True)
class EffectiveSchedule:
    """The rules in force for one team: its override, else the org default."""

    team: str | None
    digest_weekday: int
    digest_time: str
    checkin_cadence: str
    checkin_weekday: int
    checkin_time: str
    reminder_after_hours: int
    quiet_weekdays: tuple[int, ...]
    holidays: tuple[date, ...]
    paused: bool
    overridden: bool


def _row(workspace_id: int, team_id: int | None, *, session: Session) -> Schedule | None:
    return session.exec(
        select(Schedule).where(
            Schedule.workspace_id == workspace_id,
            col(Schedule.team_id).is_(None) if team_id is None else Schedule.team_id == team_id,
        )
    ).first()


def effective(workspace_id: int, team: Team | None, *, session: Session) -> EffectiveSchedule:
    """The schedule that applies to ``team`` (or the org default when ``team`` is None)."""
    row = _row(workspace_id, team.id, session=session) if team is not None else None
    overridden = row is not None
    row = row or _row(workspace_id, None, session=session) or Schedule(workspace_id=workspace_id)
    return _effective(row, team, overridden=overridden)


def effective_for(teams: list[Team], *, session: Session) -> dict[int, EffectiveSchedule]:
    """The schedules of many teams at once (two queries, for the dispatcher)."""
    workspaces = {team.workspace_id for team in teams}
    rows = session.exec(select(Schedule).where(col(Schedule.workspace_id).in_(workspaces))).all()
    defaults = {row.workspace_id: row for row in rows if row.team_id is None}
    overrides = {row.team_id: row for row in rows if row.team_id is not None}
    result = {}
    for team in teams:
        assert team.id is not None
        row = overrides.get(team.id)
        base = row or defaults.get(team.workspace_id) or Schedule(workspace_id=team.workspace_id)
        result[team.id] = _effective(base, team, overridden=row is not None)
    return result


def _effective(row: Schedule, team: Team | None, *, overridden: bool) -> EffectiveSchedule:
    return EffectiveSchedule(
        team=team.name if team is not None else None,
        digest_weekday=row.digest_weekday,
        digest_time=row.digest_time,
        checkin_cadence=row.checkin_cadence,
        checkin_weekday=row.checkin_weekday,
        checkin_time=row.checkin_time,
        reminder_after_hours=row.reminder_after_hours,
        quiet_weekdays=tuple(int(day) for day in row.quiet_weekdays.split(",") if day),
        holidays=tuple(date.fromisoformat(day) for day in row.holidays),
        paused=row.paused,
        overridden=overridden,
    )


def _weekday(field: str, value: Any) -> int:
    if isinstance(value, int) and 0 <= value <= 6:
        return value
    text = str(value).strip().lower()[:3]
    if text in WEEKDAYS:
        return WEEKDAYS.index(text)
    raise ValidationFailed(f"{field}: use a weekday like mon or tue, got {value!r}")


def _time(field: str, value: Any) -> str:
    text = str(value).strip()
    if len(text) == 4 and text[1] == ":":
        text = "0" + text
    if not _TIME.match(text):
        raise ValidationFailed(f"{field}: use a 24-hour time like 09:00, got {value!r}")
    return text


def _validated(changes: dict[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for field, value in changes.items():
        if field in {"digest_weekday", "checkin_weekday"}:
            clean[field] = _weekday(field.replace("_weekday", "_day"), value)
        elif field in {"digest_time", "checkin_time"}:
            clean[field] = _time(field, value)
        elif field == "checkin_cadence":
            if value not in CADENCES:
                raise ValidationFailed(f"checkin_cadence: use one of {', '.join(CADENCES)}")
            clean[field] = value
        elif field == "reminder_after_hours":
            hours = int(value)
            if not 1 <= hours <= MAX_REMINDER_HOURS:
                raise ValidationFailed("reminder_after_hours: from 1 to 96 hours")
            clean[field] = hours
        elif field == "quiet_weekdays":
            days = sorted({_weekday("quiet_days", day) for day in value})
            clean[field] = ",".join(str(day) for day in days)
        elif field == "holidays":
            try:
                clean[field] = sorted({date.fromisoformat(str(day)).isoformat() for day in value})
            except ValueError:
                raise ValidationFailed("holidays: use dates like 2026-12-24") from None
        elif field == "paused":
            clean[field] = bool(value)
        else:
            raise ValidationFailed(f"{field}: not a schedule setting")
    return clean


def update(
    workspace_id: int,
    team: Team | None,
    changes: dict[str, Any],
    *,
    by_person_id: int | None,
    session: Session,
) -> EffectiveSchedule:
    """Change the org default (``team`` None) or a team's override; all or nothing."""
    clean = _validated(changes)
    team_id = team.id if team is not None else None
    row = _row(workspace_id, team_id, session=session)
    if row is None:
        base = _row(workspace_id, None, session=session) if team_id is not None else None
        row = Schedule(workspace_id=workspace_id, team_id=team_id)
        if base is not None:
            for field in (
                "digest_weekday",
                "digest_time",
                "checkin_cadence",
                "checkin_weekday",
                "checkin_time",
                "reminder_after_hours",
                "quiet_weekdays",
                "holidays",
                "paused",
            ):
                setattr(row, field, getattr(base, field))
    for field, value in clean.items():
        setattr(row, field, value)
    row.updated_by_id = by_person_id
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    return effective(workspace_id, team, session=session)


def team_in_scope(scope: str, workspace_id: int, *, session: Session) -> Team | None:
    """The team a settings form's ``scope`` names (``"org"``: the organisation default).

    A team that does not exist, or belongs to another workspace, is refused: falling back
    to the organisation default would overwrite everyone's schedule.
    """
    if scope in ("", "org"):
        return None
    team = session.get(Team, int(scope)) if scope.isdigit() else None
    if team is None or team.workspace_id != workspace_id:
        raise ValidationFailed("scope: that team no longer exists; choose it again")
    return team
