"""The dispatcher: due digests, check-ins and reminders, each delivered exactly once.

A tick is a plain function of ``now``. It works in two steps:

1. **Claim.** For every delivery that is due (see :mod:`bot.services.slots`), insert its
   row: one per (manager, week) for digests, one per (person, round) for check-ins. The
   unique keys make the insert succeed for exactly one dispatcher, however many run.
2. **Send.** Take the rows this dispatcher may send with one conditional UPDATE: its own
   fresh claims, retries whose time has come, and claims abandoned by a dispatcher that
   died (older than the lease). Send them, a few at a time, and record each outcome:
   ``sent``; ``retry`` at a later time (backing off, or as ``Retry-After`` says); or
   ``failed`` for a recipient that cannot be reached, reported and not retried again.

A crash between claim and send leaves a claim that the next tick after the lease takes
over. Each outcome is written as soon as that send returns, so a crash in the middle of
a fan-out re-sends only what was in flight at that moment (at most ``concurrency``
messages, the ones the platform may or may not have accepted).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, update
from sqlmodel import Session, col, select

from bot import metrics
from bot.errors import DeliveryError
from bot.platforms.base import Messenger, Recipient, recipient_for
from bot.services import checkins, digest, schedules, slots
from bot.store.db import Store
from bot.store.repos import insert_or_ignore
from bot.store.tables import (
    CheckinDelivery,
    CheckinRound,
    Consent,
    Membership,
    NudgeDelivery,
    Person,
    Team,
    Workspace,
)
from nudges import engine
from nudges.digest import digest_message
from nudges.library import Library
from nudges.message import Message

log = logging.getLogger(__name__)

BACKOFF = (60, 300, 900, 3600, 3 * 3600)
"""Seconds to wait before each retry (the last value repeats)."""


@dataclass(frozen=True)
class DispatchConfig:
    """How one dispatcher behaves. ``instance`` names it in the claims it takes."""

    instance: str
    min_group: int
    key: bytes
    grace: timedelta = timedelta(hours=6)
    lease: timedelta = timedelta(minutes=10)
    max_attempts: int = 6
    concurrency: int = 16
    seed: int = 0


@dataclass
class TickReport:
    """What one tick did, for logs, metrics and tests."""

    digests_claimed: int = 0
    checkins_claimed: int = 0
    sent: int = 0
    reminders: int = 0
    skipped: int = 0
    retrying: int = 0
    failed: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Outgoing:
    table: type[NudgeDelivery] | type[CheckinDelivery]
    row_id: int
    attempts: int
    recipient: Recipient
    message: Message


class Dispatcher:
    """Runs ticks against one database and one messenger."""

    def __init__(
        self, store: Store, messenger: Messenger, library: Library, config: DispatchConfig
    ) -> None:
        self._store = store
        self._messenger = messenger
        self._library = library
        self._config = config
        self._workspaces: dict[int, str | None] = {}

    async def _db(self, work: Any, *args: Any) -> Any:
        def run() -> Any:
            with self._store.session() as session:
                return work(session, *args)

        return await asyncio.to_thread(run)

    async def tick(self, now: datetime) -> TickReport:
        """Claim what is due at ``now`` and send everything this dispatcher may send."""
        report = TickReport()
        report.digests_claimed = await self._db(self._claim_digests, now)
        report.checkins_claimed = await self._db(self._claim_checkins, now)
        outgoing: list[_Outgoing] = await self._db(self._take_digests, now, report)
        outgoing += await self._db(self._take_checkins, now)
        await self._send(outgoing, now, report)
        reminders: list[_Outgoing] = await self._db(self._take_reminders, now)
        await self._send(reminders, now, report, reminder=True)
        if report.failed:
            log.warning("deliveries failed for good: %s", ", ".join(report.failed))
        return report

    # ------------------------------------------------------------ claiming

    def _claim_digests(self, session: Session, now: datetime) -> int:
        teams = list(
            session.exec(
                select(Team).where(col(Team.manager_id).is_not(None)).order_by(col(Team.name))
            )
        )
        rules = schedules.effective_for(teams, session=session)
        manager_ids = {team.manager_id for team in teams}
        managers = {
            p.id: p for p in session.exec(select(Person).where(col(Person.id).in_(manager_ids)))
        }
        claimed = 0
        seen: set[tuple[int, str]] = set()
        for team in teams:
            assert team.id is not None
            assert team.manager_id is not None
            rule = rules[team.id]
            manager = managers.get(team.manager_id)
            if rule.paused or manager is None:
                continue
            slot = slots.digest_slot(rule, manager.timezone, now)
            if slot is None or not slots.is_due(slot, now, self._config.grace):
                continue
            week = slots.covered_week(slot)
            if (team.manager_id, week) in seen:
                continue  # one digest a week, for the first of a manager's teams
            seen.add((team.manager_id, week))
            inserted = insert_or_ignore(
                session,
                NudgeDelivery,
                {
                    "workspace_id": team.workspace_id,
                    "manager_id": team.manager_id,
                    "team_id": team.id,
                    "week": week,
                    "status": "claimed",
                    "situations": [],
                    "numbers_shown": False,
                    "attempts": 0,
                    "claimed_at": now,
                    "claimed_by": self._config.instance,
                },
            )
            claimed += inserted is not None
        return claimed

    def _claim_checkins(self, session: Session, now: datetime) -> int:
        teams = list(session.exec(select(Team)))
        rules = schedules.effective_for(teams, session=session)
        members = session.exec(
            select(Person, Membership.team_id)
            .join(Membership, col(Membership.person_id) == col(Person.id))
            .join(Consent, col(Consent.person_id) == col(Person.id))
            .where(Consent.scope == "checkins", col(Consent.revoked_at).is_(None))
        ).all()
        by_id = {team.id: team for team in teams}
        rounds: dict[tuple[int, str], int] = {}
        claimed = 0
        for person, team_id in members:
            rule = rules.get(team_id)
            team = by_id.get(team_id)
            if rule is None or team is None or rule.paused or _away(person, now):
                continue
            slot = slots.checkin_slot(rule, person.timezone, now)
            if slot is None or not slots.is_due(slot, now, self._config.grace):
                continue
            round_id = rounds.get((team_id, slot.week))
            if round_id is None:
                checkin_round = checkins.open_round(
                    team.workspace_id,
                    team_id,
                    slot.week,
                    library=self._library,
                    session=session,
                    now=now,
                )
                assert checkin_round.id is not None
                round_id = rounds[(team_id, slot.week)] = checkin_round.id
            inserted = insert_or_ignore(
                session,
                CheckinDelivery,
                {
                    "round_id": round_id,
                    "person_id": person.id,
                    "status": "claimed",
                    "attempts": 0,
                    "claimed_at": now,
                    "claimed_by": self._config.instance,
                },
            )
            claimed += inserted is not None
        return claimed

    # ------------------------------------------------------------ taking

    def _take(
        self, session: Session, table: type[NudgeDelivery] | type[CheckinDelivery], now: datetime
    ) -> list[int]:
        """Atomically take the rows this dispatcher may send now."""
        stale = now - self._config.lease
        mine = (col(table.status) == "claimed") & (col(table.claimed_by) == self._config.instance)
        due_retry = (col(table.status) == "retry") & (col(table.next_attempt_at) <= now)
        abandoned = col(table.status).in_(("claimed", "sending")) & (col(table.claimed_at) < stale)
        statement = (
            update(table)
            .where(or_(mine, due_retry, abandoned))
            .values(status="sending", claimed_by=self._config.instance, claimed_at=now)
            .returning(col(table.id))
        )
        return [row[0] for row in session.execute(statement)]

    def _take_digests(self, session: Session, now: datetime, report: TickReport) -> list[_Outgoing]:
        settings = digest.DigestSettings(min_group=self._config.min_group, seed=self._config.seed)
        taken = self._take(session, NudgeDelivery, now)
        deliveries = list(
            session.exec(select(NudgeDelivery).where(col(NudgeDelivery.id).in_(taken)))
        )
        people = {
            p.id: p
            for p in session.exec(
                select(Person).where(col(Person.id).in_({d.manager_id for d in deliveries}))
            )
        }
        teams = {
            t.id: t
            for t in session.exec(
                select(Team).where(col(Team.id).in_({d.team_id for d in deliveries if d.team_id}))
            )
        }
        ready = []
        for delivery in deliveries:
            manager = people.get(delivery.manager_id)
            team = teams.get(delivery.team_id)
            if manager is None or team is None:
                delivery.status, delivery.last_error = "skipped", "recipient gone"
                session.add(delivery)
                continue
            ready.append((delivery, manager, team))
        outcomes = digest.plan_many(
            [(manager, team, delivery.week) for delivery, manager, team in ready],
            today=now.date(),
            library=self._library,
            settings=settings,
            session=session,
        )
        outgoing = []
        for (delivery, manager, _), outcome in zip(ready, outcomes, strict=True):
            assert delivery.id is not None
            if isinstance(outcome, engine.Skip):
                delivery.status, delivery.last_error = "skipped", outcome.reason[:64]
                session.add(delivery)
                report.skipped += 1
                continue
            outcome = self._same_content_as_before(delivery, outcome)
            delivery.prompt_id = outcome.prompt.id
            delivery.lesson_id = outcome.lesson.id if outcome.lesson else None
            delivery.situations = [s.value for s in outcome.situations] or [outcome.situation.value]
            delivery.numbers_shown = outcome.numbers_shown
            session.add(delivery)
            message = digest_message(
                outcome,
                delivery_ref=str(delivery.id),
                min_group=self._config.min_group,
                with_png=True,
            )
            outgoing.append(
                _Outgoing(
                    NudgeDelivery,
                    delivery.id,
                    delivery.attempts,
                    self._recipient(session, manager),
                    message,
                )
            )
        return outgoing

    def _same_content_as_before(self, delivery: NudgeDelivery, nudge: engine.Nudge) -> engine.Nudge:
        """A retry sends what the first attempt chose, even if feedback since would now
        tip the choice elsewhere."""
        if not delivery.prompt_id or delivery.prompt_id == nudge.prompt.id:
            return nudge
        try:
            prompt = self._library.prompt(delivery.prompt_id)
        except KeyError:
            return nudge
        lesson = nudge.lesson
        if delivery.lesson_id:
            with contextlib.suppress(KeyError):
                lesson = self._library.lesson(delivery.lesson_id)
        return replace(nudge, prompt=prompt, lesson=lesson)

    def _take_checkins(self, session: Session, now: datetime) -> list[_Outgoing]:
        outgoing = []
        for row_id in self._take(session, CheckinDelivery, now):
            delivery = session.get(CheckinDelivery, row_id)
            assert delivery is not None
            person = session.get(Person, delivery.person_id)
            checkin_round = session.get(CheckinRound, delivery.round_id)
            if person is None or checkin_round is None:
                continue
            message = checkins.checkin_message(checkin_round, self._library, locale=person.locale)
            outgoing.append(
                _Outgoing(
                    CheckinDelivery,
                    row_id,
                    delivery.attempts,
                    self._recipient(session, person),
                    message,
                )
            )
        return outgoing

    def _take_reminders(self, session: Session, now: datetime) -> list[_Outgoing]:
        # Reminders fall due at most four days (the longest reminder delay) plus the grace
        # window after the check-in: older rows need not be read again.
        oldest = now - timedelta(hours=schedules.MAX_REMINDER_HOURS) - self._config.grace
        rows = session.exec(
            select(CheckinDelivery, CheckinRound, Person)
            .join(CheckinRound, col(CheckinRound.id) == col(CheckinDelivery.round_id))
            .join(Person, col(Person.id) == col(CheckinDelivery.person_id))
            .where(
                CheckinDelivery.status == "sent",
                col(CheckinDelivery.reminded_at).is_(None),
                col(CheckinDelivery.sent_at) >= oldest,
            )
        ).all()
        consenting = set(
            session.exec(
                select(Consent.person_id).where(
                    Consent.scope == "checkins", col(Consent.revoked_at).is_(None)
                )
            ).all()
        )
        members = set(session.exec(select(Membership.person_id, Membership.team_id)).all())
        teams = list(
            session.exec(
                select(Team).where(col(Team.id).in_({r.team_id for _, r, _ in rows if r.team_id}))
            )
        )
        rules = schedules.effective_for(teams, session=session)
        outgoing = []
        for delivery, checkin_round, person in rows:
            rule = rules.get(checkin_round.team_id or -1)
            if rule is None or rule.paused or delivery.sent_at is None:
                continue
            due = delivery.sent_at + timedelta(hours=rule.reminder_after_hours)
            if not due <= now < due + self._config.grace:
                continue
            if (
                person.id not in consenting
                or (person.id, checkin_round.team_id) not in members
                or _away(person, now)
                or not slots.allowed_day(rule, person.timezone, now)
            ):
                continue  # opted out, moved team, on leave, or a quiet day where they are
            assert checkin_round.id is not None
            if checkins.my_answers(person, checkin_round.id, key=self._config.key, session=session):
                continue
            taken = session.execute(
                update(CheckinDelivery)
                .where(
                    col(CheckinDelivery.id) == delivery.id,
                    col(CheckinDelivery.reminded_at).is_(None),
                )
                .values(reminded_at=now)
                .returning(col(CheckinDelivery.id))
            ).first()
            if taken is None:
                continue
            message = checkins.checkin_message(checkin_round, self._library, locale=person.locale)
            reminder = Message(
                title="A gentle reminder: this week's check-in",
                summary="Check-in reminder",
                sections=message.sections,
                context=message.context,
                buttons=message.buttons,
            )
            assert delivery.id is not None
            outgoing.append(
                _Outgoing(
                    CheckinDelivery,
                    delivery.id,
                    delivery.attempts,
                    self._recipient(session, person),
                    reminder,
                )
            )
        return outgoing

    def _recipient(self, session: Session, person: Person) -> Recipient:
        """How to reach ``person``, with their Slack workspace (multi-workspace installs)."""
        if person.workspace_id not in self._workspaces:
            workspace = session.get(Workspace, person.workspace_id)
            self._workspaces[person.workspace_id] = workspace.slack_team_id if workspace else None
        return recipient_for(person, slack_team_id=self._workspaces[person.workspace_id])

    # ------------------------------------------------------------ sending

    async def _send(
        self,
        outgoing: Sequence[_Outgoing],
        now: datetime,
        report: TickReport,
        *,
        reminder: bool = False,
    ) -> None:
        if not outgoing:
            return
        gate = asyncio.Semaphore(self._config.concurrency)
        results: list[tuple[_Outgoing, str | None, DeliveryError | None]] = []

        async def one(item: _Outgoing) -> None:
            async with gate:
                try:
                    receipt = await self._messenger.send(item.recipient, item.message)
                    result: tuple[_Outgoing, str | None, DeliveryError | None] = (
                        item,
                        receipt.ref,
                        None,
                    )
                except DeliveryError as exc:
                    result = (item, None, exc)
                except Exception as exc:
                    log.warning("send failed unexpectedly: %s", type(exc).__name__)
                    result = (item, None, DeliveryError(type(exc).__name__))
                results.append(result)
                if not reminder:
                    # Record each outcome as soon as it is known: a crash later in the
                    # fan-out must not make finished sends look unfinished.
                    await self._db(self._record, [result], now, report)

        await asyncio.gather(*(one(item) for item in outgoing))
        if reminder:
            delivered = sum(1 for _, ref, _ in results if ref is not None)
            report.reminders += delivered
            metrics.CHECKINS_SENT.labels("reminder").inc(delivered)

    def _record(
        self,
        session: Session,
        results: list[tuple[_Outgoing, str | None, DeliveryError | None]],
        now: datetime,
        report: TickReport,
    ) -> None:
        rows: dict[tuple[type, int], NudgeDelivery | CheckinDelivery] = {}
        digest_ids = [item.row_id for item, _, _ in results if item.table is NudgeDelivery]
        for nudge_row in session.exec(
            select(NudgeDelivery).where(col(NudgeDelivery.id).in_(digest_ids))
        ):
            rows[(NudgeDelivery, nudge_row.id or 0)] = nudge_row
        checkin_ids = [item.row_id for item, _, _ in results if item.table is CheckinDelivery]
        for checkin_row in session.exec(
            select(CheckinDelivery).where(col(CheckinDelivery.id).in_(checkin_ids))
        ):
            rows[(CheckinDelivery, checkin_row.id or 0)] = checkin_row
        for item, ref, error in results:
            row = rows.get((item.table, item.row_id))
            if row is None:
                continue
            row.attempts = item.attempts + 1
            if error is None:
                row.status, row.sent_at, row.next_attempt_at = "sent", now, None
                if isinstance(row, NudgeDelivery) and ref is not None:
                    row.platform_ref = ref[:128]
                report.sent += 1
                if item.table is NudgeDelivery:
                    metrics.DIGESTS_SENT.inc()
                else:
                    metrics.CHECKINS_SENT.labels("checkin").inc()
            elif error.permanent or (
                error.retry_after is None and row.attempts >= self._config.max_attempts
            ):
                # A rate limit is the platform asking for patience, not a failing recipient.
                row.status, row.last_error = "failed", str(error)[:64]
                report.failed.append(f"{item.recipient.display_name} ({error})")
                if item.table is NudgeDelivery:
                    metrics.DIGESTS_FAILED.labels("failed").inc()
            else:
                wait = error.retry_after or BACKOFF[min(row.attempts, len(BACKOFF)) - 1]
                row.status, row.last_error = "retry", str(error)[:64]
                row.next_attempt_at = now + timedelta(seconds=wait)
                report.retrying += 1
                if item.table is NudgeDelivery:
                    metrics.DIGESTS_FAILED.labels("retry").inc()
            session.add(row)


def _away(person: Person, now: datetime) -> bool:
    """Whether HR recorded leave for ``person`` that covers ``now`` (in their zone)."""
    if person.away_until is None:
        return False
    return now.astimezone(ZoneInfo(person.timezone)).date() <= person.away_until
