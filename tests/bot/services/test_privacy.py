"""Employees can see everything stored about them, and erase it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import inspect
from sqlmodel import Session, select

from bot.services import admin, consent, privacy, pseudonyms
from bot.store.repos import ensure_workspace, person_by_email
from bot.store.tables import (
    BucketContributor,
    ChannelListening,
    CheckinResponse,
    CheckinRound,
    NudgeDelivery,
    NudgeFeedback,
    Person,
    SignalBucket,
    Team,
    Workspace,
)
from tests.conftest import SECRET

pytestmark = pytest.mark.storage

ORG = (
    "email,name,team,manager_email,role,timezone\n"
    "mia@acme.test,Mia,Leadership,,employee,Europe/Berlin\n"
    "ann@acme.test,Ann,Platform,mia@acme.test,employee,Europe/Berlin\n"
    "bob@acme.test,Bob,Platform,mia@acme.test,employee,Europe/Berlin\n"
)
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


@pytest.fixture
def workspace(session: Session) -> Workspace:
    workspace = ensure_workspace(session=session)
    admin.import_org(ORG, workspace=workspace, session=session)
    return workspace


def _person(session: Session, workspace: Workspace, email: str) -> Person:
    return person_by_email(workspace.id or 0, email, session=session)


def _populate(session: Session, workspace: Workspace) -> tuple[Person, Person]:
    """Ann answers a check-in and counts in an open week; Mia gets a digest and enables
    listening."""
    ann, mia = (
        _person(session, workspace, "ann@acme.test"),
        _person(session, workspace, "mia@acme.test"),
    )
    assert ann.id is not None and mia.id is not None and workspace.id is not None
    team = session.exec(select(Team).where(Team.name == "Platform")).one()
    assert team.id is not None
    consent.grant(ann.id, "checkins", policy_version="v1", session=session, now=NOW)
    checkin_round = CheckinRound(workspace_id=workspace.id, team_id=team.id, period="2026-W48")
    session.add(checkin_round)
    bucket = SignalBucket(
        team_id=team.id, week="2026-W48", message_count=3, contributor_count=2, sentiment_sum=0.9
    )
    session.add(bucket)
    session.flush()
    assert checkin_round.id is not None and bucket.id is not None
    for who, value in ((ann, 4), (_person(session, workspace, "bob@acme.test"), 2)):
        assert who.id is not None
        session.add(
            CheckinResponse(
                round_id=checkin_round.id,
                team_id=team.id,
                question_key="mood-week-overall",
                respondent=pseudonyms.respondent(SECRET, checkin_round.id, who.id),
                value=value,
            )
        )
        session.add(
            BucketContributor(
                bucket_id=bucket.id, marker=pseudonyms.contributor_marker(SECRET, bucket.id, who.id)
            )
        )
    delivery = NudgeDelivery(
        workspace_id=workspace.id,
        manager_id=mia.id,
        team_id=team.id,
        week="2026-W48",
        status="sent",
        prompt_id="empathy-x",
    )
    session.add(delivery)
    session.add(
        ChannelListening(
            workspace_id=workspace.id,
            platform="slack",
            channel_id="C0123",
            team_id=team.id,
            enabled_by_id=mia.id,
        )
    )
    session.flush()
    assert delivery.id is not None
    session.add(
        NudgeFeedback(
            delivery_id=delivery.id, item_id="empathy-x", situation="evergreen", kind="helpful"
        )
    )
    session.flush()
    return ann, mia


def test_export_contains_everything_about_the_person(
    session: Session, workspace: Workspace
) -> None:
    ann, mia = _populate(session, workspace)

    exported = privacy.export_person(ann, key=SECRET, session=session)

    assert exported["person"]["email"] == "ann@acme.test"
    assert exported["teams"] == ["Platform"]
    assert exported["consent"]["history"][0]["scope"] == "checkins"
    assert [(a["question"], a["value"]) for a in exported["checkin_answers"]] == [
        ("mood-week-overall", 4)
    ]
    assert exported["open_weeks_counted_in"] == 1
    manager = privacy.export_person(mia, key=SECRET, session=session)
    assert manager["manages"] == ["Platform"]
    assert [d["week"] for d in manager["digests_received"]] == ["2026-W48"]
    assert manager["digest_feedback"][0]["kind"] == "helpful"
    assert manager["listening_changes"][0]["enabled_by_you"] is True


def test_export_never_contains_another_persons_answers(
    session: Session, workspace: Workspace
) -> None:
    ann, _ = _populate(session, workspace)

    exported = privacy.export_person(ann, key=SECRET, session=session)

    assert [a["value"] for a in exported["checkin_answers"]] == [4]


def test_after_erase_nothing_about_the_person_remains(
    session: Session, workspace: Workspace
) -> None:
    ann, mia = _populate(session, workspace)
    ann_id, mia_id = ann.id, mia.id
    assert ann_id is not None and mia_id is not None
    ann_respondent = pseudonyms.respondent(SECRET, 1, ann_id)

    privacy.erase_person(ann, key=SECRET, session=session)
    privacy.erase_person(mia, key=SECRET, session=session)

    for email in ("ann@acme.test", "mia@acme.test"):
        with pytest.raises(Exception, match="nobody"):
            person_by_email(workspace.id or 0, email, session=session)
    assert _rows_mentioning(session, {ann_id, mia_id}, ann_respondent) == []
    remaining = session.exec(select(CheckinResponse)).all()
    assert [r.value for r in remaining] == [2]


def test_erase_keeps_team_aggregates_but_uncounts_the_open_week(
    session: Session, workspace: Workspace
) -> None:
    ann, _ = _populate(session, workspace)

    report = privacy.erase_person(ann, key=SECRET, session=session)

    bucket = session.exec(select(SignalBucket)).one()
    assert (report.open_week_markers, bucket.contributor_count, bucket.message_count) == (1, 1, 3)
    assert len(session.exec(select(BucketContributor)).all()) == 1


def _rows_mentioning(session: Session, person_ids: set[int], respondent: str) -> list[str]:
    """Every (table, column) whose value is one of the erased ids or pseudonyms."""
    found = []
    person_columns = {"person_id", "manager_id", "enabled_by_id", "disabled_by_id", "updated_by_id"}
    from bot.store.tables import metadata

    for table in metadata.sorted_tables:
        for row in session.execute(table.select()).mappings():
            for column, value in row.items():
                if table.name == "person" and column == "id" and value in person_ids:
                    found.append("person.id")
                if column in person_columns and value in person_ids:
                    found.append(f"{table.name}.{column}")
                if value == respondent:
                    found.append(f"{table.name}.{column}")
    assert inspect(session.get_bind()).get_table_names()
    return found
