"""Listening: only opted-in authors, only listening channels, each event once, no text kept."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot.platforms.base import IncomingMessage
from bot.services import admin, consent, listening
from bot.services.listening import Outcome
from bot.store.db import Store
from bot.store.repos import ensure_workspace, person_by_email
from bot.store.tables import BucketContributor, SignalBucket, Team, Workspace, metadata
from tests.conftest import SECRET

pytestmark = pytest.mark.storage

ORG = (
    "email,name,team,manager_email,role,timezone,slack_user_id\n"
    "mia@acme.test,Mia,Leadership,,employee,Europe/Berlin,UMIA0001\n"
    + "".join(
        f"p{i}@acme.test,P{i},Platform,mia@acme.test,employee,Europe/Berlin,UP{i:07d}\n"
        for i in range(6)
    )
)
TUESDAY_NOON = datetime(2026, 11, 17, 11, 0, tzinfo=UTC)  # 12:00 in Berlin, week 2026-W47


@dataclass(frozen=True)
class FixedSignals:
    sentiment: float
    themes: frozenset[str]


def analyzer(texts: list[str]) -> list[FixedSignals]:
    """Scores by a visible rule, so tests can predict the sums."""
    return [
        FixedSignals(
            0.5 if "great" in text else -0.5,
            frozenset({"workload"}) if "swamped" in text else frozenset(),
        )
        for text in texts
    ]


@pytest.fixture
def workspace(session: Session) -> Workspace:
    workspace = ensure_workspace(session=session)
    admin.import_org(ORG, workspace=workspace, session=session)
    team = session.exec(select(Team).where(Team.name == "Platform")).one()
    listening.enable(
        "slack", "CPLAT", team, workspace_id=workspace.id or 0, by=None, session=session
    )
    for i in range(5):
        person = person_by_email(workspace.id or 0, f"p{i}@acme.test", session=session)
        consent.grant(person.id or 0, "messages", policy_version="v1", session=session)
    return workspace


def message(
    user: str,
    text: str = "great work",
    *,
    event: str | None = None,
    channel: str = "CPLAT",
    at: datetime = TUESDAY_NOON,
    **extra: object,
) -> IncomingMessage:
    return IncomingMessage(
        platform="slack",
        event_id=event or f"Ev-{user}-{abs(hash(text))}",
        channel_id=channel,
        user_id=user,
        text=text,
        sent_at=at,
        **extra,
    )  # type: ignore[arg-type]


def ingest(session: Session, *events: IncomingMessage) -> dict[Outcome, int]:
    return dict(listening.ingest(events, analyzer=analyzer, key=SECRET, session=session))


def bucket(session: Session) -> SignalBucket:
    return session.exec(select(SignalBucket)).one()


def test_counts_opted_in_authors_and_ignores_the_rest(
    session: Session, workspace: Workspace
) -> None:
    outcomes = ingest(
        session,
        *(message(f"UP{i:07d}") for i in range(6)),
        message("UP0000000", event="retry-1"),
        message("UP0000000", event="retry-1"),
        message("UP0000001", channel="COTHER"),
        message("UNOBODY1"),
        message("UP0000002", event="bot", is_bot=True),
        message("UP0000002", event="edit", subtype="message_changed"),
    )

    assert outcomes == {
        Outcome.COUNTED: 6,
        Outcome.NO_CONSENT: 1,
        Outcome.DUPLICATE: 1,
        Outcome.NOT_LISTENING: 1,
        Outcome.UNKNOWN_AUTHOR: 1,
        Outcome.BOT_OR_SYSTEM: 2,
    }
    counted = bucket(session)
    assert (counted.week, counted.message_count, counted.contributor_count) == ("2026-W47", 6, 5)
    assert counted.sentiment_sum == pytest.approx(3.0)


def test_revoking_consent_stops_counting_at_once(session: Session, workspace: Workspace) -> None:
    person = person_by_email(workspace.id or 0, "p0@acme.test", session=session)
    ingest(session, message("UP0000000", event="a"))

    consent.revoke(person.id or 0, "messages", session=session)
    outcomes = ingest(session, message("UP0000000", event="b"))

    assert outcomes == {Outcome.NO_CONSENT: 1}
    assert bucket(session).message_count == 1


def test_themes_and_after_hours_are_counted(session: Session, workspace: Workspace) -> None:
    late = datetime(2026, 11, 17, 21, 30, tzinfo=UTC)  # 22:30 in Berlin
    ingest(session, message("UP0000000", "swamped again", at=late), message("UP0000001", "swamped"))

    counted = bucket(session)
    assert (counted.theme_counts, counted.after_hours_count) == ({"workload": 2}, 1)


def test_closing_the_week_keeps_counts_and_forgets_who(
    session: Session, workspace: Workspace
) -> None:
    ingest(session, *(message(f"UP{i:07d}") for i in range(5)))
    assert len(session.exec(select(BucketContributor)).all()) == 5

    assert listening.close_week("2026-W47", session=session) == 1

    assert session.exec(select(BucketContributor)).all() == []
    closed = bucket(session)
    assert (closed.contributor_count, closed.closed_at is not None) == (5, True)


def test_listening_can_be_switched_off(session: Session, workspace: Workspace) -> None:
    assert listening.disable("slack", "CPLAT", by=None, session=session) is True

    assert ingest(session, message("UP0000000")) == {Outcome.NOT_LISTENING: 1}


def test_no_message_text_reaches_the_database(store: Store, database_url: str) -> None:
    secret_words = "the quarterly plan makes me nervous swamped flamingo-7431"
    with store.session() as session:
        workspace = ensure_workspace(session=session)
        admin.import_org(ORG, workspace=workspace, session=session)
        team = session.exec(select(Team).where(Team.name == "Platform")).one()
        listening.enable(
            "slack", "CPLAT", team, workspace_id=workspace.id or 0, by=None, session=session
        )
        for i in range(6):
            person = person_by_email(workspace.id or 0, f"p{i}@acme.test", session=session)
            consent.grant(person.id or 0, "messages", policy_version="v1", session=session)
        ingest(session, *(message(f"UP{i:07d}", f"{secret_words} {i}") for i in range(6)))

    with store.session() as session:
        for table in metadata.sorted_tables:
            for row in session.execute(table.select()):
                assert "flamingo" not in repr(tuple(row)), table.name
    store.dispose()
    if database_url.startswith("sqlite:///"):
        path = Path(database_url.removeprefix("sqlite:///"))
        for file in path.parent.glob(path.name + "*"):
            assert b"flamingo" not in file.read_bytes(), file.name
