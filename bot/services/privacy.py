"""An employee's rights over their data: see all of it, erase all of it.

``export_person`` gathers every row that is about one person (including rows kept under
their pseudonym); ``erase_person`` removes them. Weekly team aggregates that already met the
minimum group size stay: they are sums over at least that many people, hold nothing that
identifies anyone, and cannot be taken apart to recover one person's share. The person's
marker in any still-open week is removed, so they no longer count towards that week.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, update
from sqlmodel import Session, SQLModel, col, select

from bot.services import consent, pseudonyms
from bot.store.repos import teams_managed_by, teams_of
from bot.store.tables import (
    BucketContributor,
    ChannelListening,
    CheckinDelivery,
    CheckinResponse,
    CheckinRound,
    Membership,
    NudgeDelivery,
    NudgeFeedback,
    Person,
    Schedule,
    SignalBucket,
    SlackInstallation,
    Team,
    TeamsConversation,
)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def export_person(person: Person, *, key: bytes, session: Session) -> dict[str, Any]:
    """Everything stored about ``person``, as plain JSON-ready data."""
    assert person.id is not None
    respondents = _respondents(person, key=key, session=session)
    open_markers = _open_markers(person.id, key=key, session=session)
    responses = session.exec(
        select(CheckinResponse, CheckinRound.period)
        .join(CheckinRound, col(CheckinRound.id) == col(CheckinResponse.round_id))
        .where(col(CheckinResponse.respondent).in_(respondents))
        .order_by(col(CheckinResponse.answered_at))
    ).all()
    digests = session.exec(
        select(NudgeDelivery)
        .where(NudgeDelivery.manager_id == person.id)
        .order_by(col(NudgeDelivery.week))
    ).all()
    feedback = session.exec(
        select(NudgeFeedback)
        .join(NudgeDelivery, col(NudgeDelivery.id) == col(NudgeFeedback.delivery_id))
        .where(NudgeDelivery.manager_id == person.id)
        .order_by(col(NudgeFeedback.created_at))
    ).all()
    listening = session.exec(
        select(ChannelListening).where(
            (col(ChannelListening.enabled_by_id) == person.id)
            | (col(ChannelListening.disabled_by_id) == person.id)
        )
    ).all()
    return {
        "person": {
            "email": person.email,
            "display_name": person.display_name,
            "slack_user_id": person.slack_user_id,
            "teams_user_id": person.teams_user_id,
            "timezone": person.timezone,
            "locale": person.locale,
            "roles": sorted(person.role_set),
            "digests_snoozed_until": person.digests_snoozed_until.isoformat()
            if person.digests_snoozed_until
            else None,
            "away_until": person.away_until.isoformat() if person.away_until else None,
            "created_at": _iso(person.created_at),
            "updated_at": _iso(person.updated_at),
        },
        "teams": [team.name for team in teams_of(person.id, session=session)],
        "manages": [team.name for team in teams_managed_by(person.id, session=session)],
        "consent": {
            "current": [
                {**asdict(state), "since": _iso(state.since)}
                for state in consent.status(person.id, session=session)
            ],
            "history": [
                {
                    "scope": row.scope,
                    "policy_version": row.policy_version,
                    "granted_at": _iso(row.granted_at),
                    "revoked_at": _iso(row.revoked_at),
                }
                for row in consent.history(person.id, session=session)
            ],
        },
        "checkin_answers": [
            {
                "period": period,
                "question": response.question_key,
                "value": response.value,
                "answered_at": _iso(response.answered_at),
            }
            for response, period in responses
        ],
        "checkins_sent": [
            {
                "round": delivery.round_id,
                "status": delivery.status,
                "sent_at": _iso(delivery.sent_at),
            }
            for delivery in session.exec(
                select(CheckinDelivery).where(CheckinDelivery.person_id == person.id)
            )
        ],
        "open_weeks_counted_in": len(open_markers),
        "digests_received": [
            {
                "week": digest.week,
                "status": digest.status,
                "prompt": digest.prompt_id,
                "lesson": digest.lesson_id,
                "numbers_shown": digest.numbers_shown,
                "sent_at": _iso(digest.sent_at),
            }
            for digest in digests
        ],
        "digest_feedback": [
            {"item": row.item_id, "kind": row.kind, "at": _iso(row.created_at)} for row in feedback
        ],
        "listening_changes": [
            {
                "platform": row.platform,
                "channel": row.channel_id,
                "enabled_by_you": row.enabled_by_id == person.id,
                "disabled_by_you": row.disabled_by_id == person.id,
                "enabled_at": _iso(row.enabled_at),
                "disabled_at": _iso(row.disabled_at),
            }
            for row in listening
        ],
        "teams_conversations": [
            {"conversation_type": row.conversation_type, "updated_at": _iso(row.updated_at)}
            for row in _teams_conversations(person, session=session)
        ],
        "slack_installations": [
            {"team": row.team_name or row.team_id, "installed_at": _iso(row.installed_at)}
            for row in _installations_by(person, session=session)
        ],
    }


@dataclass(frozen=True)
class ErasureReport:
    checkin_answers: int
    open_week_markers: int


def erase_person(person: Person, *, key: bytes, session: Session) -> ErasureReport:
    """Remove every row about ``person`` and every reference to them."""
    person_id = person.id
    assert person_id is not None
    respondents = _respondents(person, key=key, session=session)
    answers = len(
        session.exec(
            select(CheckinResponse.id).where(col(CheckinResponse.respondent).in_(respondents))
        ).all()
    )
    session.execute(delete(CheckinResponse).where(col(CheckinResponse.respondent).in_(respondents)))
    markers = _open_markers(person_id, key=key, session=session)
    for marker in markers:
        bucket = session.get(SignalBucket, marker.bucket_id)
        if bucket is not None and bucket.contributor_count > 0:
            bucket.contributor_count -= 1
            session.add(bucket)
        session.delete(marker)
    # Explicit, so erasure does not depend on the database enforcing ON DELETE rules.
    nullable_references: tuple[tuple[type[SQLModel], Any], ...] = (
        (Team, Team.manager_id),
        (ChannelListening, ChannelListening.enabled_by_id),
        (ChannelListening, ChannelListening.disabled_by_id),
        (Schedule, Schedule.updated_by_id),
    )
    for table, column in nullable_references:
        session.execute(update(table).where(col(column) == person_id).values({column: None}))
    delivery_ids = select(NudgeDelivery.id).where(NudgeDelivery.manager_id == person_id)
    session.execute(delete(NudgeFeedback).where(col(NudgeFeedback.delivery_id).in_(delivery_ids)))
    owned_rows: tuple[tuple[type[SQLModel], Any], ...] = (
        (NudgeDelivery, NudgeDelivery.manager_id),
        (CheckinDelivery, CheckinDelivery.person_id),
        (TeamsConversation, TeamsConversation.person_id),
        (Membership, Membership.person_id),
    )
    for table, column in owned_rows:
        session.execute(delete(table).where(col(column) == person_id))
    for reference in _teams_conversations(person, session=session):
        session.delete(reference)
    for installation in _installations_by(person, session=session):
        installation.user_id = f"erased-{installation.id}"
        installation.user_token_encrypted = None
        installation.user_scopes = None
        session.add(installation)
    for row in consent.history(person_id, session=session):
        session.delete(row)
    session.delete(person)
    session.flush()
    return ErasureReport(checkin_answers=answers, open_week_markers=len(markers))


def _respondents(person: Person, *, key: bytes, session: Session) -> list[str]:
    """Every pseudonym the person's answers could be stored under (one per round)."""
    assert person.id is not None
    rounds = session.exec(
        select(CheckinRound.id).where(CheckinRound.workspace_id == person.workspace_id)
    ).all()
    return [pseudonyms.respondent(key, round_id, person.id) for round_id in rounds if round_id]


def _open_markers(person_id: int, *, key: bytes, session: Session) -> list[BucketContributor]:
    open_buckets = session.exec(
        select(SignalBucket.id).where(col(SignalBucket.closed_at).is_(None))
    ).all()
    wanted = {
        pseudonyms.contributor_marker(key, bucket_id, person_id)
        for bucket_id in open_buckets
        if bucket_id is not None
    }
    if not wanted:
        return []
    return list(
        session.exec(select(BucketContributor).where(col(BucketContributor.marker).in_(wanted)))
    )


def _teams_conversations(person: Person, *, session: Session) -> list[TeamsConversation]:
    """The person's Teams conversation references, including a personal chat stored
    before HR imported them (it has no person_id yet, only their Entra object id)."""
    rows = list(
        session.exec(select(TeamsConversation).where(TeamsConversation.person_id == person.id))
    )
    if person.teams_user_id:
        for reference in session.exec(
            select(TeamsConversation).where(col(TeamsConversation.person_id).is_(None))
        ):
            user = reference.reference.get("user") or {}
            if isinstance(user, dict) and user.get("aadObjectId") == person.teams_user_id:
                rows.append(reference)
    return rows


def _installations_by(person: Person, *, session: Session) -> list[SlackInstallation]:
    if not person.slack_user_id:
        return []
    return list(
        session.exec(
            select(SlackInstallation).where(SlackInstallation.user_id == person.slack_user_id)
        )
    )
