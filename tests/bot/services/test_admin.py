"""Org import: all rows or none, idempotent, and every bad row named."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from bot.services import admin
from bot.store.repos import ensure_workspace, person_by_email, teams_of
from bot.store.tables import Person, Team, Workspace

pytestmark = pytest.mark.storage

HEADER = "email,name,team,manager_email,role,timezone\n"
GOOD = HEADER + (
    "cleo@acme.test,Cleo,Leadership,,admin,Europe/Berlin\n"
    "mia@acme.test,Mia,Leadership,cleo@acme.test,employee,Europe/Berlin\n"
    "ann@acme.test,Ann,Platform,mia@acme.test,employee,Europe/Berlin\n"
    "bob@acme.test,Bob,Platform,mia@acme.test,employee;hr,America/New_York\n"
)


@pytest.fixture
def workspace(session: Session) -> Workspace:
    return ensure_workspace(session=session)


def test_import_creates_people_teams_managers_and_parents(
    session: Session, workspace: Workspace
) -> None:
    report = admin.import_org(GOOD, workspace=workspace, session=session)

    assert (report.people_created, report.teams_created) == (4, 2)
    summary = {team.name: team for team in admin.describe_org(workspace, session=session)}
    assert summary["Platform"] == admin.TeamSummary("Platform", "mia@acme.test", "Leadership", 2)
    assert summary["Leadership"].parent is None
    mia = person_by_email(workspace.id or 0, "MIA@acme.test", session=session)
    assert mia.role_set == {"employee", "manager"}
    bob = person_by_email(workspace.id or 0, "bob@acme.test", session=session)
    assert (bob.role_set, bob.timezone) == ({"employee", "hr"}, "America/New_York")


def test_reimport_is_idempotent(session: Session, workspace: Workspace) -> None:
    admin.import_org(GOOD, workspace=workspace, session=session)

    again = admin.import_org(GOOD, workspace=workspace, session=session)

    assert again == admin.ImportReport(people_unchanged=4)
    assert len(session.exec(select(Person)).all()) == 4
    assert len(session.exec(select(Team)).all()) == 2


def test_reimport_applies_changes_and_moves_people(session: Session, workspace: Workspace) -> None:
    admin.import_org(GOOD, workspace=workspace, session=session)
    changed = GOOD.replace("bob@acme.test,Bob,Platform", "bob@acme.test,Robert,Leadership")
    changed = changed.replace("Robert,Leadership,mia@acme.test", "Robert,Leadership,cleo@acme.test")

    report = admin.import_org(changed, workspace=workspace, session=session)

    assert report.people_updated == 1
    bob = person_by_email(workspace.id or 0, "bob@acme.test", session=session)
    assert bob.display_name == "Robert"
    assert [team.name for team in teams_of(bob.id or 0, session=session)] == ["Leadership"]


def test_one_bad_row_imports_nothing_and_names_the_row(
    session: Session, workspace: Workspace
) -> None:
    bad = GOOD + "zed@acme.test,Zed,Platform,mia@acme.test,employee,Mars/Olympus_Mons\n"

    with pytest.raises(admin.OrgImportError) as caught:
        admin.import_org(bad, workspace=workspace, session=session)

    assert [(p.row, p.column) for p in caught.value.row_problems] == [(6, "timezone")]
    assert "Mars/Olympus_Mons" in caught.value.row_problems[0].reason
    assert session.exec(select(Person)).all() == []
    assert session.exec(select(Team)).all() == []


def test_every_bad_row_is_reported(session: Session, workspace: Workspace) -> None:
    bad = HEADER + (
        "not-an-email,A,Platform,,employee,UTC\n"
        "b@acme.test,,Platform,,employee,UTC\n"
        "c@acme.test,C,Platform,,wizard,UTC\n"
        "d@acme.test,D,Ghosts,ghost@acme.test,employee,UTC\n"
        "d@acme.test,D2,Ghosts,ghost@acme.test,employee,UTC\n"
        "e@acme.test,E,Platform,e@acme.test,employee,UTC\n"
    )

    with pytest.raises(admin.OrgImportError) as caught:
        admin.import_org(bad, workspace=workspace, session=session)

    assert [(p.row, p.column) for p in caught.value.row_problems] == [
        (2, "email"),
        (3, "name"),
        (4, "role"),
        (5, "manager_email"),
        (6, "email"),
        (7, "manager_email"),
    ]


def test_conflicting_managers_for_one_team_are_refused(
    session: Session, workspace: Workspace
) -> None:
    bad = GOOD + "zoe@acme.test,Zoe,Platform,cleo@acme.test,employee,UTC\n"

    with pytest.raises(admin.OrgImportError) as caught:
        admin.import_org(bad, workspace=workspace, session=session)

    assert [(p.row, p.column) for p in caught.value.row_problems] == [(6, "manager_email")]


def test_teams_managing_each_other_in_a_loop_are_refused(
    session: Session, workspace: Workspace
) -> None:
    loop = HEADER + (
        "a@acme.test,A,Red,b@acme.test,employee,UTC\nb@acme.test,B,Blue,a@acme.test,employee,UTC\n"
    )

    with pytest.raises(admin.OrgImportError, match="problem") as caught:
        admin.import_org(loop, workspace=workspace, session=session)

    assert any("loop" in p.reason for p in caught.value.row_problems)


def test_header_problems_are_reported_as_row_one(session: Session, workspace: Workspace) -> None:
    with pytest.raises(admin.OrgImportError) as caught:
        admin.import_org(
            "email,name,squad\nx@acme.test,X,Red\n", workspace=workspace, session=session
        )

    (problem,) = caught.value.row_problems
    assert (problem.row, problem.column) == (1, "header")
    assert "missing team, manager_email, role, timezone" in problem.reason
    assert "unknown squad" in problem.reason


def test_platform_ids_are_validated_and_unique(session: Session, workspace: Workspace) -> None:
    text = (
        "email,name,team,manager_email,role,timezone,slack_user_id,teams_user_id\n"
        "a@acme.test,A,Red,,employee,UTC,U012AB3CD,\n"
        "b@acme.test,B,Red,,employee,UTC,U012AB3CD,\n"
        "c@acme.test,C,Red,,employee,UTC,lowercase,\n"
    )

    with pytest.raises(admin.OrgImportError) as caught:
        admin.import_org(text, workspace=workspace, session=session)

    assert [(p.row, p.column) for p in caught.value.row_problems] == [
        (3, "slack_user_id"),
        (4, "slack_user_id"),
    ]


def test_progress_is_reported_per_row(session: Session, workspace: Workspace) -> None:
    seen: list[int] = []

    admin.import_org(GOOD, workspace=workspace, session=session, progress=seen.append)

    assert seen == [1, 2, 3, 4]
