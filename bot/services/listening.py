"""Listening: a channel message becomes numbers in a weekly team bucket, or nothing.

The order matters: a message is counted only if its author opted in to ``messages``, the
channel has listening switched on, and the event was not seen before. Only then is the
text scored, in memory; the bucket receives a sentiment value, theme counts and whether
it was sent outside working hours. The text itself goes nowhere.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import delete
from sqlmodel import Session, col, select

from bot.platforms.base import IncomingMessage
from bot.services import consent, pseudonyms
from bot.store.repos import insert_or_ignore
from bot.store.tables import (
    BucketContributor,
    ChannelListening,
    Person,
    ProcessedEvent,
    SignalBucket,
    Team,
)
from bot.store.types import utcnow
from nudges.weeks import week_label

EVENT_MEMORY = timedelta(days=7)
"""How long an event id is remembered to drop platform retries (the retention default)."""

WORKDAY_START, WORKDAY_END = 8, 19
"""Local hours counted as working hours, Monday to Friday."""


class Outcome(StrEnum):
    COUNTED = "counted"
    BOT_OR_SYSTEM = "bot_or_system"
    UNKNOWN_AUTHOR = "unknown_author"
    NO_CONSENT = "no_consent"
    NOT_LISTENING = "channel_not_listening"
    DUPLICATE = "duplicate"
    EMPTY = "empty"


class Signals(Protocol):
    """What the scorer returns for one message (see :mod:`nudges.signals`)."""

    @property
    def sentiment(self) -> float: ...
    @property
    def themes(self) -> frozenset[str]: ...


Analyzer = Callable[[Sequence[str]], Sequence[Signals]]
"""Scores a batch of texts; :func:`nudges.signals.analyze_many` in production."""


@dataclass(frozen=True)
class Admitted:
    """A message that passed every check, with where its numbers go."""

    event: IncomingMessage
    person: Person
    team_id: int


def listening_team(platform: str, channel_id: str, *, session: Session) -> int | None:
    """The team a channel counts for, while listening is on there; else ``None``."""
    return session.exec(
        select(ChannelListening.team_id).where(
            ChannelListening.platform == platform,
            ChannelListening.channel_id == channel_id,
            col(ChannelListening.disabled_at).is_(None),
        )
    ).first()


def _author(event: IncomingMessage, *, session: Session) -> Person | None:
    column = Person.slack_user_id if event.platform == "slack" else Person.teams_user_id
    return session.exec(select(Person).where(col(column) == event.user_id)).first()


def admit(
    event: IncomingMessage,
    *,
    session: Session,
    now: datetime | None = None,
    event_memory: timedelta = EVENT_MEMORY,
) -> Admitted | Outcome:
    """Every check a message must pass before it is scored, cheapest first.

    A duplicate is recognised by its event id, remembered for :data:`EVENT_MEMORY`.
    """
    if event.is_bot or event.subtype is not None:
        return Outcome.BOT_OR_SYSTEM
    if not event.text.strip():
        return Outcome.EMPTY
    team_id = listening_team(event.platform, event.channel_id, session=session)
    if team_id is None:
        return Outcome.NOT_LISTENING
    person = _author(event, session=session)
    if person is None or person.id is None:
        return Outcome.UNKNOWN_AUTHOR
    if not consent.has_consent(person.id, "messages", session=session):
        return Outcome.NO_CONSENT
    first_time = insert_or_ignore(
        session,
        ProcessedEvent,
        {
            "key": f"{event.platform}:{event.event_id}",
            "expires_at": (now or utcnow()) + event_memory,
        },
    )
    if first_time is None:
        return Outcome.DUPLICATE
    return Admitted(event=event, person=person, team_id=team_id)


def is_after_hours(sent_at: datetime, timezone: str) -> bool:
    """Whether a message was sent outside the author's local working hours."""
    local = sent_at.astimezone(ZoneInfo(timezone))
    return local.weekday() >= 5 or not WORKDAY_START <= local.hour < WORKDAY_END


def _bucket(team_id: int, week: str, *, session: Session) -> SignalBucket:
    insert_or_ignore(
        session,
        SignalBucket,
        {
            "team_id": team_id,
            "week": week,
            "message_count": 0,
            "contributor_count": 0,
            "sentiment_sum": 0.0,
            "sentiment_sq_sum": 0.0,
            "theme_counts": {},
            "after_hours_count": 0,
        },
    )
    return session.exec(
        select(SignalBucket)
        .where(SignalBucket.team_id == team_id, SignalBucket.week == week)
        .with_for_update()
    ).one()


def record(admitted: Admitted, signals: Signals, *, key: bytes, session: Session) -> None:
    """Add one scored message to its team's bucket for the author's local week."""
    person = admitted.person
    assert person.id is not None
    local_day = admitted.event.sent_at.astimezone(ZoneInfo(person.timezone))
    bucket = _bucket(admitted.team_id, week_label(local_day), session=session)
    assert bucket.id is not None
    if bucket.closed_at is not None:
        # A late event for a week already closed: its contributors can no longer be
        # counted exactly, so it is left out rather than risk an inexact group size.
        return
    value = max(-1.0, min(1.0, float(signals.sentiment)))
    bucket.message_count += 1
    bucket.sentiment_sum += value
    bucket.sentiment_sq_sum += value * value
    if signals.themes:
        counts = dict(bucket.theme_counts)
        for theme in signals.themes:
            counts[theme] = counts.get(theme, 0) + 1
        bucket.theme_counts = counts
    if is_after_hours(admitted.event.sent_at, person.timezone):
        bucket.after_hours_count += 1
    marker = pseudonyms.contributor_marker(key, bucket.id, person.id)
    if (
        insert_or_ignore(session, BucketContributor, {"bucket_id": bucket.id, "marker": marker})
        is not None
    ):
        bucket.contributor_count += 1
    session.add(bucket)
    session.flush()


def ingest(
    events: Iterable[IncomingMessage],
    *,
    analyzer: Analyzer,
    key: bytes,
    session: Session,
    now: datetime | None = None,
    event_memory: timedelta = EVENT_MEMORY,
) -> Counter[Outcome]:
    """Admit, score (in one batch) and record messages; returns what happened to each."""
    outcomes: Counter[Outcome] = Counter()
    admitted: list[Admitted] = []
    for event in events:
        result = admit(event, session=session, now=now, event_memory=event_memory)
        if isinstance(result, Outcome):
            outcomes[result] += 1
        else:
            admitted.append(result)
    if admitted:
        scored = analyzer([item.event.text for item in admitted])
        for item, signals in zip(admitted, scored, strict=True):
            record(item, signals, key=key, session=session)
        outcomes[Outcome.COUNTED] += len(admitted)
    return outcomes


def enable(
    platform: str,
    channel_id: str,
    team: Team,
    *,
    workspace_id: int,
    by: Person | None,
    session: Session,
    now: datetime | None = None,
) -> ChannelListening:
    """Switch listening on in a channel for a team (idempotent)."""
    current = session.exec(
        select(ChannelListening).where(
            ChannelListening.platform == platform,
            ChannelListening.channel_id == channel_id,
            col(ChannelListening.disabled_at).is_(None),
        )
    ).first()
    if current is not None and current.team_id == team.id:
        return current
    if current is not None:
        disable(platform, channel_id, by=by, session=session, now=now)
    assert team.id is not None
    row = ChannelListening(
        workspace_id=workspace_id,
        platform=platform,
        channel_id=channel_id,
        team_id=team.id,
        enabled_by_id=by.id if by else None,
        enabled_at=now or utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def disable(
    platform: str,
    channel_id: str,
    *,
    by: Person | None,
    session: Session,
    now: datetime | None = None,
) -> bool:
    """Switch listening off; returns whether it was on."""
    rows = session.exec(
        select(ChannelListening).where(
            ChannelListening.platform == platform,
            ChannelListening.channel_id == channel_id,
            col(ChannelListening.disabled_at).is_(None),
        )
    ).all()
    for row in rows:
        row.disabled_at = now or utcnow()
        row.disabled_by_id = by.id if by else None
        session.add(row)
    session.flush()
    return bool(rows)


def close_week(week: str, *, session: Session, now: datetime | None = None) -> int:
    """Freeze the week's buckets and delete their contributor markers.

    After this the contributor counts stay exact, and nothing left can tell who
    contributed. Returns how many buckets were closed.
    """
    buckets = session.exec(
        select(SignalBucket).where(SignalBucket.week == week, col(SignalBucket.closed_at).is_(None))
    ).all()
    for bucket in buckets:
        session.execute(
            delete(BucketContributor).where(col(BucketContributor.bucket_id) == bucket.id)
        )
        bucket.closed_at = now or utcnow()
        session.add(bucket)
    session.flush()
    return len(buckets)


CLOSE_AFTER = timedelta(hours=36)
"""A week is closed this long after it ends in UTC, so late messages from every time zone
(up to UTC-12) and platform retries still land in it."""


def close_finished_weeks(now: datetime, *, session: Session) -> list[str]:
    """Close every open week that ended at least :data:`CLOSE_AFTER` ago."""
    last_closable = week_label(now - CLOSE_AFTER - timedelta(days=7))
    weeks = session.exec(
        select(SignalBucket.week)
        .where(col(SignalBucket.closed_at).is_(None), SignalBucket.week <= last_closable)
        .distinct()
    ).all()
    for week in weeks:
        close_week(week, session=session, now=now)
    return list(weeks)
