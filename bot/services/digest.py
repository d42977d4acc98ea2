"""Weekly digests: from stored aggregates to one delivered nudge per manager per week.

``plan`` reads the team's buckets and check-in answers, gates them (nothing below the
minimum group survives) and asks the engine; ``claim`` inserts the (manager, week) row
that makes delivery exactly-once; ``deliver`` sends through a platform messenger and
records the outcome.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, func, select

from bot.errors import DeliveryError
from bot.platforms.base import Messenger, Receipt, recipient_for
from bot.services import feedback
from bot.store.db import Store
from bot.store.repos import insert_or_ignore
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


def raw_weeks(
    team_ids: list[int],
    weeks: list[str],
    members: int,
    *,
    dimensions: Mapping[str, str],
    session: Session,
) -> dict[str, engine.RawWeek]:
    """The stored sums for each of ``weeks`` across ``team_ids`` (one team, or the org),
    read with two queries whatever the number of weeks."""
    buckets = session.exec(
        select(SignalBucket).where(
            col(SignalBucket.team_id).in_(team_ids), col(SignalBucket.week).in_(weeks)
        )
    ).all()
    answers = session.exec(
        select(
            CheckinRound.period,
            CheckinResponse.question_key,
            CheckinResponse.respondent,
            CheckinResponse.value,
        )
        .join(CheckinRound, col(CheckinRound.id) == col(CheckinResponse.round_id))
        .where(col(CheckinRound.team_id).in_(team_ids), col(CheckinRound.period).in_(weeks))
    ).all()
    by_week_buckets: dict[str, list[SignalBucket]] = defaultdict(list)
    for bucket in buckets:
        by_week_buckets[bucket.week].append(bucket)
    by_week_answers: dict[str, list[tuple[str, str, int]]] = defaultdict(list)
    for period, question_key, respondent, value in answers:
        by_week_answers[period].append((question_key, respondent, value))
    return {
        week: _raw(week, members, by_week_buckets[week], by_week_answers[week], dimensions)
        for week in weeks
    }


def raw_week(
    team_ids: list[int], week: str, members: int, *, dimensions: Mapping[str, str], session: Session
) -> engine.RawWeek:
    """The stored sums for one week across ``team_ids``."""
    return raw_weeks(team_ids, [week], members, dimensions=dimensions, session=session)[week]


def _raw(
    week: str,
    members: int,
    buckets: list[SignalBucket],
    answers: list[tuple[str, str, int]],
    dimensions: Mapping[str, str],
) -> engine.RawWeek:
    themes: dict[str, int] = defaultdict(int)
    for bucket in buckets:
        for theme, count in bucket.theme_counts.items():
            themes[theme] += count
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


def manager_contexts(
    managers: Sequence[Person], *, session: Session
) -> dict[int, engine.ManagerContext]:
    """Each manager's digest history (with whether they used each) and availability,
    for many managers with two queries."""
    ids = [manager.id for manager in managers if manager.id is not None]
    deliveries = session.exec(
        select(NudgeDelivery)
        .where(col(NudgeDelivery.manager_id).in_(ids), NudgeDelivery.status == "sent")
        .order_by(col(NudgeDelivery.week))
    ).all()
    used = set(
        session.exec(
            select(NudgeFeedback.delivery_id).where(
                col(NudgeFeedback.delivery_id).in_([d.id for d in deliveries])
            )
        ).all()
    )
    history: dict[int, list[engine.PastDigest]] = defaultdict(list)
    for d in deliveries:
        history[d.manager_id].append(
            engine.PastDigest(d.week, d.prompt_id, d.lesson_id, interacted=d.id in used)
        )
    return {
        manager.id: engine.ManagerContext(
            key=str(manager.id),
            locale=manager.locale,
            history=tuple(history[manager.id]),
            snoozed_until=manager.digests_snoozed_until,
            away_until=manager.away_until,
        )
        for manager in managers
        if manager.id is not None
    }


def manager_context(manager: Person, *, session: Session) -> engine.ManagerContext:
    """One manager's digest history and availability."""
    assert manager.id is not None
    return manager_contexts([manager], session=session)[manager.id]


@dataclass
class PlanCache:
    """Figures shared by every manager of a workspace in one run (the org picture and
    the feedback posteriors), computed once instead of once per manager."""

    org: dict[tuple[int, str], tuple[engine.RawWeek, list[engine.RawWeek]]] = field(
        default_factory=dict
    )
    posteriors: dict[int, engine.Posteriors] = field(default_factory=dict)


def _org_weeks(
    workspace_id: int,
    week: str,
    weeks: list[str],
    dimensions: Mapping[str, str],
    *,
    session: Session,
) -> tuple[engine.RawWeek, list[engine.RawWeek]]:
    all_teams = [
        t
        for t in session.exec(select(Team.id).where(Team.workspace_id == workspace_id))
        if t is not None
    ]
    members = session.exec(
        select(func.count(col(Membership.id))).where(col(Membership.team_id).in_(all_teams))
    ).one()
    found = raw_weeks(all_teams, [*weeks, week], members, dimensions=dimensions, session=session)
    return found[week], [found[w] for w in weeks]


def plan(
    manager: Person,
    team: Team,
    week: str,
    *,
    today: date,
    library: Library,
    settings: DigestSettings,
    session: Session,
    cache: PlanCache | None = None,
) -> engine.Nudge | engine.Skip:
    """Decide one manager's digest for ``week`` from the team's gated figures."""
    return plan_many(
        [(manager, team, week)],
        today=today,
        library=library,
        settings=settings,
        session=session,
        cache=cache,
    )[0]


def plan_many(
    items: Sequence[tuple[Person, Team, str]],
    *,
    today: date,
    library: Library,
    settings: DigestSettings,
    session: Session,
    cache: PlanCache | None = None,
) -> list[engine.Nudge | engine.Skip]:
    """Decide many managers' digests with a handful of queries in all.

    Team figures, member counts and managers' histories are read in bulk; the
    organisation-wide picture is read only for teams too small to show their own
    figures, once per workspace and week.
    """
    cache = cache or PlanCache()
    dimensions = {q.id: q.dimension.value for q in library.questions()}
    team_ids = [team.id for _, team, _ in items if team.id is not None]
    members = dict(
        session.exec(
            select(Membership.team_id, func.count(col(Membership.id)))
            .where(col(Membership.team_id).in_(team_ids))
            .group_by(col(Membership.team_id))
        ).all()
    )
    contexts = manager_contexts([manager for manager, _, _ in items], session=session)
    weeks_needed = sorted(
        {w for _, _, week in items for w in [*previous_weeks(week, HISTORY_WEEKS), week]}
    )
    figures = _team_figures(team_ids, weeks_needed, members, dimensions, session=session)
    results: list[engine.Nudge | engine.Skip] = []
    for manager, team, week in items:
        assert team.id is not None
        assert manager.id is not None
        weeks = previous_weeks(week, HISTORY_WEEKS)
        current = figures[(team.id, week)]
        history = [figures[(team.id, w)] for w in weeks]
        org: engine.RawWeek | None = None
        org_history: list[engine.RawWeek] = []
        if not engine.gate(current, settings.min_group).any_shown:
            key = (team.workspace_id, week)
            if key not in cache.org:
                cache.org[key] = _org_weeks(
                    team.workspace_id, week, weeks, dimensions, session=session
                )
            org, org_history = cache.org[key]
        if team.workspace_id not in cache.posteriors:
            cache.posteriors[team.workspace_id] = feedback.posteriors(
                team.workspace_id, session=session
            )
        team_view = engine.team_week(
            team.name,
            current,
            history,
            min_group=settings.min_group,
            org=org,
            org_history=org_history,
        )
        results.append(
            engine.plan_digest(
                team_view,
                contexts[manager.id],
                week=week,
                today=today,
                library=library,
                posteriors=cache.posteriors[team.workspace_id],
                settings=engine.OrgSettings(min_group=settings.min_group, seed=settings.seed),
            )
        )
    return results


def _team_figures(
    team_ids: list[int],
    weeks: list[str],
    members: Mapping[int, int],
    dimensions: Mapping[str, str],
    *,
    session: Session,
) -> dict[tuple[int, str], engine.RawWeek]:
    """Every (team, week) aggregate for many teams, with two queries."""
    buckets = session.exec(
        select(SignalBucket).where(
            col(SignalBucket.team_id).in_(team_ids), col(SignalBucket.week).in_(weeks)
        )
    ).all()
    answers = session.execute(
        sa_select(
            col(CheckinRound.team_id),
            col(CheckinRound.period),
            col(CheckinResponse.question_key),
            col(CheckinResponse.respondent),
            col(CheckinResponse.value),
        )
        .join(CheckinRound, col(CheckinRound.id) == col(CheckinResponse.round_id))
        .where(col(CheckinRound.team_id).in_(team_ids), col(CheckinRound.period).in_(weeks))
    ).all()
    by_bucket: dict[tuple[int, str], list[SignalBucket]] = defaultdict(list)
    for bucket in buckets:
        by_bucket[(bucket.team_id, bucket.week)].append(bucket)
    by_answer: dict[tuple[int, str], list[tuple[str, str, int]]] = defaultdict(list)
    for team_id, period, question_key, respondent, value in answers:
        if team_id is not None:
            by_answer[(team_id, period)].append((question_key, respondent, value))
    return {
        (team_id, week): _raw(
            week,
            members.get(team_id, 0),
            by_bucket[(team_id, week)],
            by_answer[(team_id, week)],
            dimensions,
        )
        for team_id in team_ids
        for week in weeks
    }


def claim(
    manager: Person, team: Team, nudge: engine.Nudge, *, session: Session
) -> NudgeDelivery | None:
    """Insert the (manager, week) row; ``None`` when another run already claimed it
    (safe against a scheduler claiming at the same moment)."""
    assert manager.id is not None
    row_id = insert_or_ignore(
        session,
        NudgeDelivery,
        {
            "workspace_id": team.workspace_id,
            "manager_id": manager.id,
            "team_id": team.id,
            "week": nudge.week,
            "status": "claimed",
            "prompt_id": nudge.prompt.id,
            "lesson_id": nudge.lesson.id if nudge.lesson else None,
            "situations": [s.value for s in nudge.situations] or [nudge.situation.value],
            "numbers_shown": nudge.numbers_shown,
            "attempts": 0,
            "claimed_at": utcnow(),
            "claimed_by": "cli",
        },
    )
    return session.get(NudgeDelivery, row_id) if row_id is not None else None


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
    recipient = recipient_for(manager)
    try:
        receipt = await messenger.send(recipient, message)
    except DeliveryError as exc:
        with store.session() as session:
            row = session.get(NudgeDelivery, delivery_id)
            if row is not None:
                row.status = "failed" if exc.permanent else "retry"
                row.next_attempt_at = utcnow() + timedelta(seconds=exc.retry_after or 60)
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
