"""When deliveries are due, in each recipient's own time zone. Pure functions of ``now``.

A slot is a local wall-clock time (for example Monday 09:00 in Europe/Berlin) turned into
an exact UTC instant with the zone's rules for that date, so daylight-saving changes move
the UTC instant and never the local time. A slot that falls on a quiet day or a holiday
moves to the next day that is neither, within the same week; a week with no such day has
no slot. A slot is *due* from its instant until ``grace`` later: a dispatcher that was
down at the slot still sends once when it comes back within the grace window, and never
after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.services.schedules import EffectiveSchedule
from nudges.weeks import week_label

EPOCH_MONDAY = date(2024, 1, 1)
"""Biweekly check-ins run in the weeks an even number of weeks after this Monday."""


@dataclass(frozen=True)
class Slot:
    """A due moment: its UTC instant, and the ISO week it belongs to."""

    at: datetime
    week: str


def _local_instant(day: date, hhmm: str, zone: ZoneInfo) -> datetime:
    """``day`` at ``hhmm`` in ``zone``, as UTC. A time skipped by a spring-forward change
    becomes the same time one hour later (02:30 becomes 03:30)."""
    hours, minutes = (int(part) for part in hhmm.split(":"))
    # fold=0 reads a skipped local time with the offset in force before the change, which
    # lands one hour later on the wall clock; a repeated time takes its first occurrence.
    return datetime.combine(day, time(hours, minutes), zone).astimezone(UTC)


def _allowed(day: date, rule: EffectiveSchedule) -> bool:
    return day.weekday() not in rule.quiet_weekdays and day not in rule.holidays


def _shifted(monday: date, weekday: int, rule: EffectiveSchedule) -> date | None:
    """The first allowed day from ``weekday`` on, in the week of ``monday``."""
    for offset in range(weekday, 7):
        day = monday + timedelta(days=offset)
        if _allowed(day, rule):
            return day
    return None


def _week_slot(
    monday: date, weekday: int, hhmm: str, rule: EffectiveSchedule, zone: ZoneInfo
) -> Slot | None:
    day = _shifted(monday, weekday, rule)
    if day is None:
        return None
    return Slot(_local_instant(day, hhmm, zone), week_label(monday))


def digest_slot(rule: EffectiveSchedule, timezone: str, now: datetime) -> Slot | None:
    """The most recent digest slot at or before ``now`` (this week's or last week's)."""
    zone = ZoneInfo(timezone)
    monday = now.astimezone(zone).date()
    monday -= timedelta(days=monday.weekday())
    for week_monday in (monday, monday - timedelta(days=7)):
        slot = _week_slot(week_monday, rule.digest_weekday, rule.digest_time, rule, zone)
        if slot is not None and slot.at <= now:
            return slot
    return None


def _checkin_week(week_monday: date, rule: EffectiveSchedule) -> bool:
    if rule.checkin_cadence == "biweekly":
        return ((week_monday - EPOCH_MONDAY).days // 7) % 2 == 0
    if rule.checkin_cadence == "monthly":
        # The week holding the month's first such weekday.
        day = week_monday + timedelta(days=rule.checkin_weekday)
        return day.day <= 7
    return True


def checkin_slot(rule: EffectiveSchedule, timezone: str, now: datetime) -> Slot | None:
    """The most recent check-in slot at or before ``now`` for someone in ``timezone``."""
    zone = ZoneInfo(timezone)
    monday = now.astimezone(zone).date()
    monday -= timedelta(days=monday.weekday())
    for back in range(0, 6):
        week_monday = monday - timedelta(days=7 * back)
        if not _checkin_week(week_monday, rule):
            continue
        slot = _week_slot(week_monday, rule.checkin_weekday, rule.checkin_time, rule, zone)
        if slot is not None and slot.at <= now:
            return slot
    return None


def is_due(slot: Slot | None, now: datetime, grace: timedelta) -> bool:
    """Whether ``slot`` is due at ``now``: reached, and not more than ``grace`` ago."""
    return slot is not None and slot.at <= now < slot.at + grace


def covered_week(slot: Slot) -> str:
    """The week a digest at ``slot`` reports on: the week before the slot's week."""
    year, week = slot.week.split("-W")
    monday = date.fromisocalendar(int(year), int(week), 1)
    return week_label(monday - timedelta(days=7))


def next_digest_slot(rule: EffectiveSchedule, timezone: str, now: datetime) -> Slot | None:
    """The first digest slot after ``now`` (None when every day is quiet)."""
    zone = ZoneInfo(timezone)
    monday = now.astimezone(zone).date()
    monday -= timedelta(days=monday.weekday())
    for ahead in range(0, 3):
        slot = _week_slot(
            monday + timedelta(days=7 * ahead), rule.digest_weekday, rule.digest_time, rule, zone
        )
        if slot is not None and slot.at > now:
            return slot
    return None


def next_checkin_slot(rule: EffectiveSchedule, timezone: str, now: datetime) -> Slot | None:
    """The first check-in slot after ``now``, following the cadence."""
    zone = ZoneInfo(timezone)
    monday = now.astimezone(zone).date()
    monday -= timedelta(days=monday.weekday())
    for ahead in range(0, 10):
        week_monday = monday + timedelta(days=7 * ahead)
        if not _checkin_week(week_monday, rule):
            continue
        slot = _week_slot(week_monday, rule.checkin_weekday, rule.checkin_time, rule, zone)
        if slot is not None and slot.at > now:
            return slot
    return None


def allowed_day(rule: EffectiveSchedule, timezone: str, now: datetime) -> bool:
    """Whether ``now`` falls on a working day (not quiet, not a holiday) in ``timezone``."""
    return _allowed(now.astimezone(ZoneInfo(timezone)).date(), rule)
