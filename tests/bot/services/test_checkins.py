"""Check-ins: rotating rounds, answers under a pseudonym, private support on distress."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from bot.errors import ValidationFailed
from bot.services import admin, checkins, consent, pseudonyms
from bot.store.repos import ensure_workspace, person_by_email
from bot.store.tables import CheckinResponse, CheckinRound, Person, Team, Workspace, metadata
from nudges.library import library
from tests.conftest import SECRET

pytestmark = pytest.mark.storage
LIB = library()
ORG = (
    "email,name,team,manager_email,role,timezone\n"
    "mia@acme.test,Mia,Leadership,,employee,UTC\n"
    "ann@acme.test,Ann,Platform,mia@acme.test,employee,UTC\n"
    "bob@acme.test,Bob,Platform,mia@acme.test,employee,UTC\n"
)


@pytest.fixture
def workspace(session: Session) -> Workspace:
    workspace = ensure_workspace(session=session)
    admin.import_org(ORG, workspace=workspace, session=session)
    return workspace


def _setup(session: Session, workspace: Workspace) -> tuple[Person, int]:
    ann = person_by_email(workspace.id or 0, "ann@acme.test", session=session)
    consent.grant(ann.id or 0, "checkins", policy_version="v1", session=session)
    team = session.exec(select(Team).where(Team.name == "Platform")).one()
    checkin_round = checkins.open_round(
        workspace.id or 0, team.id or 0, "2026-W47", library=LIB, session=session
    )
    return ann, checkin_round.id or 0


def test_answer_is_stored_under_a_pseudonym_and_can_be_changed(
    session: Session, workspace: Workspace
) -> None:
    ann, round_id = _setup(session, workspace)
    keys = checkins.open_round(
        workspace.id or 0, _team_id(session), "2026-W47", library=LIB, session=session
    ).question_keys

    checkins.record_answer(ann, round_id, keys[0], 2, key=SECRET, session=session)
    checkins.record_answer(ann, round_id, keys[0], 4, key=SECRET, session=session)

    (stored,) = session.exec(select(CheckinResponse)).all()
    assert (stored.respondent, stored.value) == (
        pseudonyms.respondent(SECRET, round_id, ann.id or 0),
        4,
    )
    assert stored.answered_at.hour == stored.answered_at.minute == 0
    for table in metadata.sorted_tables:
        if table.name == "checkinresponse":
            assert "person_id" not in table.columns


def _team_id(session: Session) -> int:
    return session.exec(select(Team.id).where(Team.name == "Platform")).one() or 0


def test_answers_need_consent_membership_and_a_valid_question(
    session: Session, workspace: Workspace
) -> None:
    ann, round_id = _setup(session, workspace)
    keys = checkins.open_round(
        workspace.id or 0, _team_id(session), "2026-W47", library=LIB, session=session
    ).question_keys
    bob = person_by_email(workspace.id or 0, "bob@acme.test", session=session)
    mia = person_by_email(workspace.id or 0, "mia@acme.test", session=session)
    consent.grant(mia.id or 0, "checkins", policy_version="v1", session=session)

    with pytest.raises(ValidationFailed, match="opt in"):
        checkins.record_answer(bob, round_id, keys[0], 3, key=SECRET, session=session)
    with pytest.raises(ValidationFailed, match="another team"):
        checkins.record_answer(mia, round_id, keys[0], 3, key=SECRET, session=session)
    with pytest.raises(ValidationFailed, match="not part of this check-in"):
        checkins.record_answer(ann, round_id, "made-up", 3, key=SECRET, session=session)
    with pytest.raises(ValidationFailed, match="1 to 5"):
        checkins.record_answer(ann, round_id, keys[0], 9, key=SECRET, session=session)


def test_rounds_rotate_questions_per_team(session: Session, workspace: Workspace) -> None:
    team_id = _team_id(session)
    first = checkins.open_round(
        workspace.id or 0, team_id, "2026-W46", library=LIB, session=session
    ).question_keys
    second = checkins.open_round(
        workspace.id or 0, team_id, "2026-W47", library=LIB, session=session
    ).question_keys
    again = checkins.open_round(
        workspace.id or 0, team_id, "2026-W47", library=LIB, session=session
    ).question_keys

    assert len(first) == LIB.rotation.questions_per_round
    assert not set(first) & set(second)
    assert again == second


def test_button_values_round_trip_and_junk_is_refused() -> None:
    assert checkins.parse_answer_value(checkins.answer_value(7, "mood-week-overall", 4)) == (
        7,
        "mood-week-overall",
        4,
    )
    with pytest.raises(ValidationFailed):
        checkins.parse_answer_value("7|mood")


def test_distress_offers_support_to_the_author_only() -> None:
    flagged = checkins.handle_comment(
        "I can't go on like this", distress=lambda _: True, library=LIB
    )
    ordinary = checkins.handle_comment("busy week", distress=lambda _: False, library=LIB)

    assert flagged.support == LIB.support()
    assert ordinary.support is None
    message = checkins.support_message(LIB.support())
    assert "findahelpline.com" in message.plain_text()


def test_answers_in_different_rounds_cannot_be_linked(
    session: Session, workspace: Workspace
) -> None:
    ann, first_round = _setup(session, workspace)
    second = checkins.open_round(
        workspace.id or 0, _team_id(session), "2026-W48", library=LIB, session=session
    )
    for round_id, keys in (
        (first_round, session.get(CheckinRound, first_round)),
        (second.id or 0, second),
    ):
        assert keys is not None
        checkins.record_answer(ann, round_id, keys.question_keys[0], 3, key=SECRET, session=session)

    respondents = {row.respondent for row in session.exec(select(CheckinResponse))}

    assert len(respondents) == 2
