"""Weekly digests: from stored aggregates to one delivered nudge per manager per week.

``plan`` reads the team's buckets and check-in answers, gates them (nothing below the
minimum group survives) and asks the engine; ``claim`` inserts the (manager, week) row
that makes delivery exactly-once; ``deliver`` sends through a platform messenger and
records the outcome.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, func, select

from bot.errors import DeliveryError
from bot.platforms.base import Messenger, Receipt, Recipient
from bot.services import feedback
from bot.store.db import Store
from bot.store.tables import (
    CheckinResponse,
    CheckinRound,
    Membership,
    NudgeDelivery,
    NudgeFeedback,
    Person,
    SignalBucket,
    Team,
)
from bot.store.types import utcnow
from nudges import engine
from nudges.digest import digest_message
from nudges.library import Library
from nudges.message import Message
from nudges.weeks import previous_weeks

HISTORY_WEEKS = 8


@dataclass(frozen=True)
class DigestSettings:
    min_group: int
    seed: int = 0
    with_png: bool = False


def members_of(team_id: int, *, session: Session) -> int:
    return session.exec(
        select(func.count(col(Membership.id))).where(Membership.team_id == team_id)
    ).one()


def raw_week(
    team_ids: list[int], week: str, members: int, *, dimensions: Mapping[str, str], session: Session
) -> engine.RawWeek:
    """The stored sums for one week across ``team_ids`` (one team, or the whole org)."""
    buckets = session.exec(
        select(SignalBucket).where(
            col(SignalBucket.team_id).in_(team_ids), SignalBucket.week == week
        )
    ).all()
    themes: dict[str, int] = defaultdict(int)
    for bucket in buckets:
        for theme, count in bucket.theme_counts.items():
            themes[theme] += count
    answers = session.exec(
        select(CheckinResponse.question_key, CheckinResponse.respondent, CheckinResponse.value)
        .join(CheckinRound, col(CheckinRound.id) == col(CheckinResponse.round_id))
        .where(col(CheckinRound.team_id).in_(team_ids), CheckinRound.period == week)
    ).all()
    totals: dict[str, float] = defaultdict(float)
    counts: dict[str, int] = defaultdict(int)
    people: dict[str, set[str]] = defaultdict(set)
    for question_key, respondent, value in answers:
        dimension = dimensions.get(question_key)
        if dimension is None:
            continue
        totals[dimension] += value
        counts[dimension] += 1
        people[dimension].add(respondent)
    return engine.RawWeek(
        week=week,
        members=members,
        contributors=sum(bucket.contributor_count for bucket in buckets),
        messages=sum(bucket.message_count for bucket in buckets),
        sentiment_sum=sum(bucket.sentiment_sum for bucket in buckets),
        sentiment_sq_sum=sum(bucket.sentiment_sq_sum for bucket in buckets),
        theme_counts=dict(themes),
        after_hours=sum(bucket.after_hours_count for bucket in buckets),
        checkin_respondents=len({respondent for _, respondent, _ in answers}),
        checkin={
            dimension: engine.DimensionTally(
                totals[dimension], counts[dimension], len(people[dimension])
            )
            for dimension in totals
        },
    )


def manager_context(manager: Person, *, session: Session) -> engine.ManagerContext:
    """The manager's digest history (with whether they used each) and availability."""
    assert manager.id is not None
    deliveries = session.exec(
        select(NudgeDelivery)
        .where(NudgeDelivery.manager_id == manager.id, NudgeDelivery.status == "sent")
        .order_by(col(NudgeDelivery.week))
    ).all()
    used = set(
        session.exec(
            select(NudgeFeedback.delivery_id).where(
                col(NudgeFeedback.delivery_id).in_([d.id for d in deliveries])
            )
        ).all()
    )
    return engine.ManagerContext(
        key=str(manager.id),
        locale=manager.locale,
        history=tuple(
            engine.PastDigest(d.week, d.prompt_id, d.lesson_id, interacted=d.id in used)
            for d in deliveries
        ),
        snoozed_until=manager.digests_snoozed_until,
        away_until=manager.away_until,
    )


def plan(
    manager: Person,
    team: Team,
    week: str,
    *,
    today: date,
    library: Library,
    settings: DigestSettings,
    session: Session,
) -> engine.Nudge | engine.Skip:
    """Decide the manager's digest for ``week`` from the team's gated figures."""
    assert team.id is not None
    dimensions = {q.id: q.dimension.value for q in library.questions()}
    members = members_of(team.id, session=session)
    weeks = previous_weeks(week, HISTORY_WEEKS)
    team_ids = [team.id]
    all_teams = [
        t
        for t in session.exec(select(Team.id).where(Team.workspace_id == team.workspace_id))
        if t is not None
    ]
    org_members = session.exec(
        select(func.count(col(Membership.id))).where(col(Membership.team_id).in_(all_teams))
    ).one()
    team_view = engine.team_week(
        team.name,
        raw_week(team_ids, week, members, dimensions=dimensions, session=session),
        [raw_week(team_ids, w, members, dimensions=dimensions, session=session) for w in weeks],
        min_group=settings.min_group,
        org=raw_week(all_teams, week, org_members, dimensions=dimensions, session=session),
        org_history=[
            raw_week(all_teams, w, org_members, dimensions=dimensions, session=session)
            for w in weeks
        ],
    )
    return engine.plan_digest(
        team_view,
        manager_context(manager, session=session),
        week=week,
        today=today,
        library=library,
        posteriors=feedback.posteriors(team.workspace_id, session=session),
        settings=engine.OrgSettings(min_group=settings.min_group, seed=settings.seed),
    )


def claim(
    manager: Person, team: Team, nudge: engine.Nudge, *, session: Session
) -> NudgeDelivery | None:
    """Insert the (manager, week) row; ``None`` when another run already claimed it."""
    assert manager.id is not None
    exists = session.exec(
        select(NudgeDelivery.id).where(
            NudgeDelivery.manager_id == manager.id, NudgeDelivery.week == nudge.week
        )
    ).first()
    if exists is not None:
        return None
    delivery = NudgeDelivery(
        workspace_id=team.workspace_id,
        manager_id=manager.id,
        team_id=team.id,
        week=nudge.week,
        prompt_id=nudge.prompt.id,
        lesson_id=nudge.lesson.id if nudge.lesson else None,
        situations=[s.value for s in nudge.situations] or [nudge.situation.value],
        numbers_shown=nudge.numbers_shown,
        claimed_at=utcnow(),
    )
    session.add(delivery)
    session.flush()
    return delivery


@dataclass(frozen=True)
class DigestResult:
    manager_id: int
    team: str
    week: str
    outcome: engine.Nudge | engine.Skip
    delivery_id: int | None = None
    message: Message | None = None
    receipt: Receipt | None = None
    error: str | None = None


async def deliver(
    manager: Person,
    team: Team,
    week: str,
    *,
    today: date,
    store: Store,
    messenger: Messenger,
    library: Library,
    settings: DigestSettings,
) -> DigestResult:
    """Plan, claim, send and record one manager's digest for ``week``."""
    assert manager.id is not None
    with store.session() as session:
        outcome = plan(
            manager,
            team,
            week,
            today=today,
            library=library,
            settings=settings,
            session=session,
        )
        if isinstance(outcome, engine.Skip):
            return DigestResult(manager.id, team.name, week, outcome)
        delivery = claim(manager, team, outcome, session=session)
        if delivery is None:
            return DigestResult(manager.id, team.name, week, engine.Skip(week, "already claimed"))
        delivery_id = delivery.id
    assert delivery_id is not None
    message = digest_message(
        outcome,
        delivery_ref=str(delivery_id),
        min_group=settings.min_group,
        with_png=settings.with_png,
    )
    recipient = Recipient(
        person_id=manager.id,
        display_name=manager.display_name,
        slack_user_id=manager.slack_user_id,
        teams_user_id=manager.teams_user_id,
        locale=manager.locale,
    )
    try:
        receipt = await messenger.send(recipient, message)
    except DeliveryError as exc:
        with store.session() as session:
            row = session.get(NudgeDelivery, delivery_id)
            if row is not None:
                row.status = "failed" if exc.permanent else "retry"
                row.attempts += 1
                row.last_error = type(exc).__name__
                session.add(row)
        return DigestResult(
            manager.id, team.name, week, outcome, delivery_id, message, error=str(exc)
        )
    with store.session() as session:
        row = session.get(NudgeDelivery, delivery_id)
        if row is not None:
            row.status = "sent"
            row.attempts += 1
            row.sent_at = utcnow()
            row.platform_ref = receipt.ref[:128]
            session.add(row)
    return DigestResult(manager.id, team.name, week, outcome, delivery_id, message, receipt)
