"""Schedules and delivery on a frozen clock: on time in every zone, exactly once."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from bot.config import Settings
from bot.errors import DeliveryError
from bot.platforms.base import Receipt, Recipient
from bot.platforms.console import ConsoleMessenger
from bot.platforms.slack.messenger import SlackMessenger, make_client
from bot.scheduling import Leadership
from bot.services import admin, consent, listening, retention, schedules, slots
from bot.services.dispatch import DispatchConfig, Dispatcher
from bot.store.db import Store
from bot.store.repos import ensure_workspace
from bot.store.tables import (
    CheckinDelivery,
    CheckinResponse,
    NudgeDelivery,
    Person,
    ProcessedEvent,
    SignalBucket,
    Team,
)
from bot.wiring import build_services
from nudges.library import library
from nudges.message import Message
from tests.bot.platforms.slack.fake_slack import running_fake_slack
from tests.conftest import SECRET, requires_postgres

pytestmark = pytest.mark.storage
LIB = library()
RULE = schedules.EffectiveSchedule(
    team=None,
    digest_weekday=0,
    digest_time="09:00",
    checkin_cadence="weekly",
    checkin_weekday=3,
    checkin_time="14:00",
    reminder_after_hours=24,
    quiet_weekdays=(5, 6),
    holidays=(),
    paused=False,
    overridden=False,
)
ORG = (
    "email,name,team,manager_email,role,timezone,slack_user_id\n"
    "ceo@acme.test,Cleo,Board,,admin,UTC,UCEO00001\n"
    "berlin@acme.test,Berta,Board,ceo@acme.test,employee,Europe/Berlin,UBER00001\n"
    "newyork@acme.test,Nate,Board,ceo@acme.test,employee,America/New_York,UNYC00001\n"
    "tokyo@acme.test,Tomo,Board,ceo@acme.test,employee,Asia/Tokyo,UTYO00001\n"
    + "".join(
        f"b{i}@acme.test,B{i},Berlin,berlin@acme.test,employee,Europe/Berlin,UB{i:07d}\n"
        for i in range(3)
    )
    + "".join(
        f"n{i}@acme.test,N{i},NewYork,newyork@acme.test,employee,America/New_York,UN{i:07d}\n"
        for i in range(3)
    )
    + "".join(
        f"t{i}@acme.test,T{i},Tokyo,tokyo@acme.test,employee,Asia/Tokyo,UT{i:07d}\n"
        for i in range(3)
    )
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# ---------------------------------------------------------------- slot arithmetic


@pytest.mark.parametrize(
    ("zone", "monday", "expected_utc"),
    [
        ("Europe/Berlin", date(2026, 3, 23), utc(2026, 3, 23, 8, 0)),  # CET, before spring
        ("Europe/Berlin", date(2026, 3, 30), utc(2026, 3, 30, 7, 0)),  # CEST, after
        ("Europe/Berlin", date(2026, 10, 19), utc(2026, 10, 19, 7, 0)),  # CEST, before autumn
        ("Europe/Berlin", date(2026, 10, 26), utc(2026, 10, 26, 8, 0)),  # CET, after
        ("America/New_York", date(2026, 3, 2), utc(2026, 3, 2, 14, 0)),  # EST
        ("America/New_York", date(2026, 3, 9), utc(2026, 3, 9, 13, 0)),  # EDT
        ("America/New_York", date(2026, 10, 26), utc(2026, 10, 26, 13, 0)),  # EDT
        ("America/New_York", date(2026, 11, 2), utc(2026, 11, 2, 14, 0)),  # EST
    ],
)
def test_monday_nine_stays_nine_local_across_dst(
    zone: str, monday: date, expected_utc: datetime
) -> None:
    slot = slots.digest_slot(RULE, zone, expected_utc + timedelta(minutes=1))

    assert slot is not None
    assert slot.at == expected_utc


def test_a_skipped_local_time_moves_one_hour_later() -> None:
    rule = RULE.__class__(
        **{**RULE.__dict__, "digest_weekday": 6, "digest_time": "02:30", "quiet_weekdays": ()}
    )

    slot = slots.digest_slot(rule, "Europe/Berlin", utc(2026, 3, 29, 12))

    assert slot is not None
    assert slot.at == utc(2026, 3, 29, 1, 30)  # 03:30 CEST


def test_quiet_days_and_holidays_move_the_slot_within_the_week() -> None:
    on_saturday = RULE.__class__(**{**RULE.__dict__, "digest_weekday": 5})
    holiday = RULE.__class__(**{**RULE.__dict__, "holidays": (date(2026, 12, 7),)})

    assert slots.digest_slot(on_saturday, "UTC", utc(2026, 12, 13, 23)) is None
    moved = slots.digest_slot(holiday, "UTC", utc(2026, 12, 8, 12))
    assert moved is not None
    assert moved.at == utc(2026, 12, 8, 9)


def test_biweekly_and_monthly_cadence() -> None:
    biweekly = RULE.__class__(**{**RULE.__dict__, "checkin_cadence": "biweekly"})
    monthly = RULE.__class__(**{**RULE.__dict__, "checkin_cadence": "monthly"})
    now = utc(2026, 11, 26, 15)

    weeks = set()
    moment = now
    for _ in range(8):
        slot = slots.next_checkin_slot(biweekly, "UTC", moment)
        assert slot is not None
        weeks.add(slot.at.date())
        moment = slot.at
    gaps = sorted(weeks)
    assert {(b - a).days for a, b in itertools.pairwise(gaps)} == {14}
    first = slots.next_checkin_slot(monthly, "UTC", utc(2026, 11, 6))
    assert first is not None
    assert first.at == utc(2026, 12, 3, 14)


# ---------------------------------------------------------------- the dispatcher


def seed(store: Store, *, checkins: bool = False) -> None:
    with store.session() as session:
        workspace = ensure_workspace(session=session)
        admin.import_org(ORG, workspace=workspace, session=session)
        if checkins:
            for person in session.exec(select(Person)):
                consent.grant(person.id or 0, "checkins", policy_version="v1", session=session)


def dispatcher(
    store: Store, messenger: object, instance: str = "a", grace: timedelta = timedelta(hours=6)
) -> Dispatcher:
    return Dispatcher(
        store,
        messenger,
        LIB,  # type: ignore[arg-type]
        DispatchConfig(
            instance=instance, min_group=5, key=SECRET, grace=grace, lease=timedelta(minutes=10)
        ),
    )


def run(coroutine: object) -> object:
    return asyncio.run(coroutine)  # type: ignore[arg-type]


def digest_recipients(messenger: ConsoleMessenger) -> list[str]:
    return [
        sent.recipient.display_name
        for sent in messenger.transcript
        if "team nudge" in sent.message.title
    ]


def test_each_manager_gets_the_digest_at_nine_in_their_own_zone(store: Store) -> None:
    seed(store)
    messenger = ConsoleMessenger()
    worker = dispatcher(store, messenger)
    monday = date(2026, 11, 30)
    when = {
        "Tomo": utc(2026, 11, 30, 0),
        "Berta": utc(2026, 11, 30, 8),
        "Cleo": utc(2026, 11, 30, 9),
        "Nate": utc(2026, 11, 30, 14),
    }

    sent_at = {}
    moment = datetime.combine(monday, datetime.min.time(), UTC) - timedelta(hours=10)
    while moment < utc(2026, 11, 30, 20):
        before = len(digest_recipients(messenger))
        run(worker.tick(moment))
        for name in digest_recipients(messenger)[before:]:
            sent_at[name] = moment
        moment += timedelta(minutes=30)

    assert sent_at == when


def test_nothing_before_the_slot_one_at_it_none_after(store: Store) -> None:
    seed(store)
    messenger = ConsoleMessenger()
    worker = dispatcher(store, messenger)

    run(worker.tick(utc(2026, 11, 30, 7, 59)))
    assert "Berta" not in digest_recipients(messenger)
    run(worker.tick(utc(2026, 11, 30, 8, 0)))
    run(worker.tick(utc(2026, 11, 30, 8, 1)))
    run(worker.tick(utc(2026, 11, 30, 9, 0)))

    assert digest_recipients(messenger).count("Berta") == 1


def test_after_downtime_one_late_send_within_the_grace_window(store: Store) -> None:
    seed(store)
    messenger = ConsoleMessenger()

    run(dispatcher(store, messenger).tick(utc(2026, 11, 30, 11, 0)))  # Berlin slot 08:00 UTC
    run(dispatcher(store, messenger).tick(utc(2026, 11, 30, 11, 1)))

    assert digest_recipients(messenger).count("Berta") == 1


def test_past_the_grace_window_nothing_is_sent(store: Store) -> None:
    seed(store)
    messenger = ConsoleMessenger()

    run(dispatcher(store, messenger).tick(utc(2026, 11, 30, 14, 30)))  # 6.5 h after 08:00

    assert "Berta" not in digest_recipients(messenger)


def test_paused_teams_get_nothing(store: Store) -> None:
    seed(store)
    with store.session() as session:
        team = session.exec(select(Team).where(Team.name == "Berlin")).one()
        schedules.update(
            team.workspace_id, team, {"paused": True}, by_person_id=None, session=session
        )
    messenger = ConsoleMessenger()

    run(dispatcher(store, messenger).tick(utc(2026, 11, 30, 8, 0)))

    assert "Berta" not in digest_recipients(messenger)


def test_a_crash_between_claim_and_send_is_retried_once(store: Store) -> None:
    seed(store)
    crashed = dispatcher(store, ConsoleMessenger(), instance="crashed")
    with store.session() as session:
        crashed._claim_digests(session, utc(2026, 11, 30, 8, 0))  # then the process died
    messenger = ConsoleMessenger()
    survivor = dispatcher(store, messenger, instance="survivor")

    run(survivor.tick(utc(2026, 11, 30, 8, 5)))  # the claim is fresh: not taken over
    assert "Berta" not in digest_recipients(messenger)
    run(survivor.tick(utc(2026, 11, 30, 8, 11)))
    run(survivor.tick(utc(2026, 11, 30, 8, 30)))

    assert digest_recipients(messenger).count("Berta") == 1


def test_two_dispatchers_at_once_never_send_twice(store: Store) -> None:
    seed(store)
    messenger = ConsoleMessenger()
    first, second = dispatcher(store, messenger, "one"), dispatcher(store, messenger, "two")

    async def both(now: datetime) -> None:
        await asyncio.gather(first.tick(now), second.tick(now))

    for minute in range(0, 20):
        run(both(utc(2026, 11, 30, 0, 0) + timedelta(hours=8, minutes=minute)))
    run(both(utc(2026, 11, 30, 14, 0)))

    names = digest_recipients(messenger)
    assert sorted(names) == sorted(set(names))
    assert {"Berta", "Nate"} <= set(names)


@dataclass
class Unreachable:
    platform: str = "slack"
    calls: int = 0

    async def send(self, recipient: Recipient, message: Message) -> Receipt:
        self.calls += 1
        raise DeliveryError("user_not_found", permanent=True)


def test_a_permanently_failing_recipient_is_marked_and_not_retried(store: Store) -> None:
    seed(store)
    messenger = Unreachable()
    worker = dispatcher(store, messenger)

    report = run(worker.tick(utc(2026, 11, 30, 8, 0)))
    run(worker.tick(utc(2026, 11, 30, 9, 0)))
    run(worker.tick(utc(2026, 11, 30, 12, 0)))

    assert any("Berta" in failure for failure in report.failed)  # type: ignore[attr-defined]
    with store.session() as session:
        berta = session.exec(select(Person).where(Person.display_name == "Berta")).one()
        row = session.exec(select(NudgeDelivery).where(NudgeDelivery.manager_id == berta.id)).one()
        assert (row.status, row.attempts, row.last_error) == ("failed", 1, "user_not_found")


async def test_rate_limits_are_honoured_and_every_digest_arrives_once(store: Store) -> None:
    seed(store)
    async with running_fake_slack() as fake:
        fake.rate_limit, fake.retry_after = 1, 30
        client = make_client("xoxb-test", base_url=f"{fake.base_url}/api/", rate_limit_retries=0)
        worker = dispatcher(store, SlackMessenger(client, can_upload_files=False))
        now = utc(2026, 11, 30, 13, 30)  # due: Berlin (08:00 UTC) and Cleo (09:00 UTC)

        first = await worker.tick(now)
        assert first.retrying >= 1
        await worker.tick(now + timedelta(seconds=10))  # before Retry-After: nothing retried
        for step in range(1, 8):
            fake.reset_rate_windows()
            await worker.tick(now + timedelta(seconds=30 * step + 1))

    posted = [call["channel"] for call in fake.called("chat.postMessage")]
    assert sorted(posted) == sorted(set(posted))
    assert len(posted) == 2
    assert any(call.method.endswith("#429") for call in fake.calls)


def test_checkins_go_out_in_each_persons_time_and_remind_once(store: Store) -> None:
    seed(store, checkins=True)
    messenger = ConsoleMessenger()
    worker = dispatcher(store, messenger)
    thursday_berlin = utc(2026, 12, 3, 13, 0)  # 14:00 in Berlin

    run(worker.tick(thursday_berlin))
    first = [s.recipient.display_name for s in messenger.transcript]
    assert sorted(first) == ["B0", "B1", "B2", "Berta"]

    with store.session() as session:
        b0 = session.exec(select(Person).where(Person.display_name == "B0")).one()
        delivery = session.exec(
            select(CheckinDelivery).where(CheckinDelivery.person_id == b0.id)
        ).one()
        keys = session.exec(select(CheckinDelivery)).first()
        assert keys is not None
        from bot.services import checkins
        from bot.store.tables import CheckinRound

        checkin_round = session.get(CheckinRound, delivery.round_id)
        assert checkin_round is not None
        checkins.record_answer(
            b0, delivery.round_id, checkin_round.question_keys[0], 4, key=SECRET, session=session
        )

    run(worker.tick(thursday_berlin + timedelta(hours=24)))
    run(worker.tick(thursday_berlin + timedelta(hours=25)))
    reminders = [
        s.recipient.display_name
        for s in messenger.transcript
        if s.message.title.startswith("A gentle reminder")
    ]

    assert sorted(reminders) == ["B1", "B2", "Berta"]


# ---------------------------------------------------------------- daily and weekly jobs


def test_retention_purges_old_answers_and_expired_event_ids(store: Store) -> None:
    now = utc(2026, 11, 26, 3)
    with store.session() as session:
        from bot.store.tables import CheckinRound

        workspace = ensure_workspace(session=session)
        checkin_round = CheckinRound(workspace_id=workspace.id or 0, period="2026-W20")
        session.add(checkin_round)
        session.flush()
        for days, value in ((200, 1), (10, 5)):
            session.add(
                CheckinResponse(
                    round_id=checkin_round.id or 0,
                    question_key="q",
                    respondent=f"r{days}",
                    value=value,
                    answered_at=now - timedelta(days=days),
                )
            )
        session.add(ProcessedEvent(key="slack:old", expires_at=now - timedelta(hours=1)))
        session.add(ProcessedEvent(key="slack:new", expires_at=now + timedelta(days=6)))

    with store.session() as session:
        purged = retention.purge(now, checkin_days=180, session=session)

    assert purged == retention.Purged(checkin_answers=1, event_ids=1, oauth_states=0)
    with store.session() as session:
        assert [r.value for r in session.exec(select(CheckinResponse))] == [5]
        assert [e.key for e in session.exec(select(ProcessedEvent))] == ["slack:new"]


def test_weeks_close_a_day_and_a_half_after_they_end(session: Session) -> None:
    workspace = ensure_workspace(session=session)
    team = Team(workspace_id=workspace.id or 0, name="T")
    session.add(team)
    session.flush()
    for week in ("2026-W47", "2026-W48"):
        session.add(SignalBucket(team_id=team.id or 0, week=week))
    session.flush()

    # 2026-W47 ends at midnight starting Monday 23 November (UTC).
    assert listening.close_finished_weeks(utc(2026, 11, 24, 11), session=session) == []
    assert listening.close_finished_weeks(utc(2026, 11, 24, 13), session=session) == ["2026-W47"]


# ---------------------------------------------------------------- leadership


@requires_postgres
def test_one_leader_at_a_time_and_a_standby_takes_over(database_url: str, store: Store) -> None:
    settings = Settings.model_validate(
        {"DATABASE_URL": database_url, "EMPATHYBOT_SECRET_KEY": "k" * 40}
    )
    services = build_services(settings, store=store)
    leader, standby = Leadership(services), Leadership(services)
    try:
        assert leader.try_acquire() is True
        assert standby.try_acquire() is False
        leader.release()
        assert standby.try_acquire() is True
    finally:
        leader.release()
        standby.release()
    with store.engine.connect() as connection:
        connection.execute(text("SELECT 1"))


@dataclass
class Flaky:
    """Delivers to everyone but Cleo, whose send times out once (not a DeliveryError)."""

    platform: str = "slack"
    sent: list[str] | None = None
    failed_once: bool = False

    async def send(self, recipient: Recipient, message: Message) -> Receipt:
        if recipient.display_name == "Cleo" and not self.failed_once:
            self.failed_once = True
            raise TimeoutError
        self.sent = [*(self.sent or []), recipient.display_name]
        return Receipt("slack", recipient.display_name)


def test_an_unexpected_error_is_retried_and_finished_sends_are_not_repeated(
    store: Store,
) -> None:
    seed(store)
    messenger = Flaky()
    worker = dispatcher(store, messenger)

    run(worker.tick(utc(2026, 11, 30, 9, 0)))  # Berlin (08:00 UTC) and Cleo (09:00 UTC) due
    run(worker.tick(utc(2026, 11, 30, 9, 2)))  # Cleo's retry after the first backoff
    run(worker.tick(utc(2026, 11, 30, 9, 20)))  # past the lease: nothing left to take over

    assert sorted(messenger.sent or []) == ["Berta", "Cleo"]


def test_no_reminder_after_opting_out(store: Store) -> None:
    seed(store, checkins=True)
    messenger = ConsoleMessenger()
    worker = dispatcher(store, messenger)
    thursday_berlin = utc(2026, 12, 3, 13, 0)
    run(worker.tick(thursday_berlin))
    with store.session() as session:
        b1 = session.exec(select(Person).where(Person.display_name == "B1")).one()
        consent.revoke(b1.id or 0, "checkins", session=session)

    run(worker.tick(thursday_berlin + timedelta(hours=24)))

    reminded = [
        s.recipient.display_name
        for s in messenger.transcript
        if s.message.title.startswith("A gentle reminder")
    ]
    assert "B1" not in reminded
    assert "B2" in reminded
