"""Digests: planned from gated figures, claimed once per manager and week, feedback learned."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date

import pytest
from sqlmodel import select

from bot.errors import DeliveryError, NotFoundError
from bot.platforms.base import Receipt, Recipient
from bot.platforms.console import ConsoleMessenger
from bot.services import admin, digest, feedback
from bot.store.db import Store
from bot.store.repos import ensure_workspace
from bot.store.tables import NudgeDelivery, Person, SignalBucket, Team
from nudges import engine
from nudges.library import library
from nudges.message import Message

pytestmark = pytest.mark.storage
LIB = library()
WEEK = "2026-W47"
TODAY = date(2026, 11, 23)
SETTINGS = digest.DigestSettings(min_group=5, seed=1)
ORG = (
    "email,name,team,manager_email,role,timezone\n"
    "mia@acme.test,Mia,Leadership,,employee,UTC\n"
    + "".join(f"p{i}@acme.test,P{i},Platform,mia@acme.test,employee,UTC\n" for i in range(7))
    + "lou@acme.test,Lou,Leadership,mia@acme.test,employee,UTC\n"
    + "".join(f"l{i}@acme.test,L{i},Legal,lou@acme.test,employee,UTC\n" for i in range(3))
)


@dataclass
class FailingMessenger:
    platform: str = "slack"
    permanent: bool = False

    async def send(self, recipient: Recipient, message: Message) -> Receipt:
        raise DeliveryError("channel_not_found", permanent=self.permanent)


def _org(store: Store, contributors: int = 7) -> tuple[Person, Team, Person, Team]:
    with store.session() as session:
        workspace = ensure_workspace(session=session)
        admin.import_org(ORG, workspace=workspace, session=session)
        platform = session.exec(select(Team).where(Team.name == "Platform")).one()
        legal = session.exec(select(Team).where(Team.name == "Legal")).one()
        session.add(
            SignalBucket(
                team_id=platform.id or 0,
                week=WEEK,
                message_count=50,
                contributor_count=contributors,
                sentiment_sum=10.0,
            )
        )
        session.add(
            SignalBucket(
                team_id=legal.id or 0,
                week=WEEK,
                message_count=20,
                contributor_count=3,
                sentiment_sum=-15.0,
            )
        )
        mia = session.exec(select(Person).where(Person.email == "mia@acme.test")).one()
        lou = session.exec(select(Person).where(Person.email == "lou@acme.test")).one()
        return mia, platform, lou, legal


def _deliver(store: Store, manager: Person, team: Team, messenger: object) -> digest.DigestResult:
    return asyncio.run(
        digest.deliver(
            manager,
            team,
            WEEK,
            today=TODAY,
            store=store,
            messenger=messenger,  # type: ignore[arg-type]
            library=LIB,
            settings=SETTINGS,
        )
    )


def test_a_digest_is_delivered_once_per_manager_and_week(store: Store) -> None:
    mia, platform, _, _ = _org(store)
    messenger = ConsoleMessenger()

    first = _deliver(store, mia, platform, messenger)
    second = _deliver(store, mia, platform, messenger)

    assert isinstance(first.outcome, engine.Nudge)
    assert second.outcome == engine.Skip(WEEK, "already had this week's digest")
    assert len(messenger.transcript) == 1
    with store.session() as session:
        (row,) = session.exec(select(NudgeDelivery)).all()
        assert (row.status, row.week, row.prompt_id, row.numbers_shown) == (
            "sent",
            WEEK,
            first.outcome.prompt.id,
            True,
        )


def test_a_small_team_gets_no_numbers(store: Store) -> None:
    _, _, lou, legal = _org(store)
    messenger = ConsoleMessenger()

    result = _deliver(store, lou, legal, messenger)

    assert isinstance(result.outcome, engine.Nudge)
    assert result.outcome.numbers_shown is False
    text = messenger.transcript[0].message.plain_text()
    assert "Too few people in your team took part" in text
    assert messenger.transcript[0].message.chart is None


def test_a_failed_send_is_recorded_for_retry(store: Store) -> None:
    mia, platform, _, _ = _org(store)

    result = _deliver(store, mia, platform, FailingMessenger())

    assert result.error == "channel_not_found"
    with store.session() as session:
        row = session.exec(select(NudgeDelivery)).one()
        assert (row.status, row.attempts, row.last_error) == ("retry", 1, "DeliveryError")


def test_feedback_is_recorded_once_and_learned_org_wide(store: Store) -> None:
    mia, platform, lou, _ = _org(store)
    result = _deliver(store, mia, platform, ConsoleMessenger())
    assert isinstance(result.outcome, engine.Nudge) and result.delivery_id is not None
    prompt_id = result.outcome.prompt.id
    situation = result.outcome.situation.value

    with store.session() as session:
        assert (
            feedback.record(
                result.delivery_id,
                prompt_id,
                situation,
                "helpful",
                manager_id=mia.id or 0,
                session=session,
            )
            is True
        )
        assert (
            feedback.record(
                result.delivery_id,
                prompt_id,
                situation,
                "helpful",
                manager_id=mia.id or 0,
                session=session,
            )
            is False
        )
        with pytest.raises(NotFoundError):
            feedback.record(
                result.delivery_id,
                prompt_id,
                situation,
                "helpful",
                manager_id=lou.id or 0,
                session=session,
            )
        learned = feedback.posteriors(platform.workspace_id, session=session)

    assert learned == {(prompt_id, situation): (1, 0)}
