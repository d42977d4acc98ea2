"""Organisation administration: importing people and teams, and describing the org.

``import_org`` reads a CSV with the header ``email,name,team,manager_email,role,timezone``
(optionally ``slack_user_id`` and ``teams_user_id``). Each row is a person, the team they
belong to and their manager. A team's manager is the manager named by its members; a
team's parent (for roll-ups) is the team its manager belongs to. Anyone named as a manager
gets the ``manager`` role.

The import is all or nothing: every row is checked first, and a file with any bad row
changes nothing and reports each problem by row number and column. Importing the same
file again changes nothing (it is idempotent); people missing from a later file are kept.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlmodel import Session, col, func, select

from bot.errors import ValidationFailed
from bot.store.tables import ROLES, Membership, Person, Team, Workspace
from bot.store.types import utcnow

REQUIRED_COLUMNS = ("email", "name", "team", "manager_email", "role", "timezone")
OPTIONAL_COLUMNS = ("slack_user_id", "teams_user_id")

_EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")
_SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,31}$")
_TEAMS_USER = re.compile(r"^[A-Za-z0-9:_\-.]{1,128}$")
_ROLE_SPLIT = re.compile(r"[;|/ ]+")


@dataclass(frozen=True)
class RowProblem:
    """Why one row was refused. ``row`` is the line number in the file (header is 1)."""

    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.reason}"


@dataclass(frozen=True)
class OrgRow:
    row: int
    email: str
    name: str
    team: str
    manager_email: str | None
    roles: frozenset[str]
    timezone: str
    slack_user_id: str | None
    teams_user_id: str | None


@dataclass
class ImportReport:
    people_created: int = 0
    people_updated: int = 0
    people_unchanged: int = 0
    teams_created: int = 0
    teams_updated: int = 0

    @property
    def changed(self) -> bool:
        return bool(
            self.people_created + self.people_updated + self.teams_created + self.teams_updated
        )


@dataclass
class _Plan:
    rows: list[OrgRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)


class OrgImportError(ValidationFailed):
    """The file was refused; ``row_problems`` lists every bad row. Nothing was imported."""

    def __init__(self, problems: list[RowProblem]) -> None:
        super().__init__(
            f"{len(problems)} problem(s) in the file; nothing was imported",
            [str(problem) for problem in problems],
        )
        self.row_problems = problems


def import_org(
    source: str | io.TextIOBase,
    *,
    workspace: Workspace,
    session: Session,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import or update people and teams from CSV text; all rows or none.

    ``progress`` is called with the number of rows applied so far.
    """
    text = source if isinstance(source, str) else source.read()
    assert workspace.id is not None
    existing = {
        person.email: person
        for person in session.exec(select(Person).where(Person.workspace_id == workspace.id))
    }
    plan = _parse(text)
    _check_across_rows(plan, existing)
    if plan.problems:
        raise OrgImportError(sorted(plan.problems, key=lambda p: (p.row, p.column)))
    return _apply(plan.rows, workspace.id, existing, session=session, progress=progress)


def count_rows(text: str) -> int:
    """Data rows in a CSV text (for sizing a progress bar)."""
    return max(sum(1 for _ in csv.reader(io.StringIO(text))) - 1, 0)


def _parse(text: str) -> _Plan:
    plan = _Plan()
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")), skipinitialspace=True)
    header = [name.strip().lower() for name in (reader.fieldnames or [])]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    unknown = [name for name in header if name not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if missing or unknown:
        reasons = []
        if missing:
            reasons.append("missing " + ", ".join(missing))
        if unknown:
            reasons.append("unknown " + ", ".join(unknown))
        expected = ",".join(REQUIRED_COLUMNS)
        plan.problems.append(
            RowProblem(1, "header", "; ".join(reasons) + f" (expected {expected})")
        )
        return plan
    reader.fieldnames = header
    zones = available_timezones()
    for record in reader:
        line = reader.line_num
        if None in record:
            plan.problems.append(RowProblem(line, "*", "more fields than the header has"))
            continue
        values = {key: (value or "").strip() for key, value in record.items()}
        if not any(values.values()):
            continue
        row = _parse_row(line, values, zones, plan.problems)
        if row is not None:
            plan.rows.append(row)
    return plan


def _parse_row(
    line: int, values: dict[str, str], zones: set[str], problems: list[RowProblem]
) -> OrgRow | None:
    before = len(problems)

    def bad(column: str, reason: str) -> None:
        problems.append(RowProblem(line, column, reason))

    email = values["email"].lower()
    if not _EMAIL.match(email) or len(email) > 254:
        bad("email", f"not an email address: {values['email']!r}")
    name = values["name"]
    if not name:
        bad("name", "empty")
    elif len(name) > 120:
        bad("name", "longer than 120 characters")
    team = values["team"]
    if not team:
        bad("team", "empty")
    elif len(team) > 100:
        bad("team", "longer than 100 characters")
    manager = values["manager_email"].lower() or None
    if manager is not None and not _EMAIL.match(manager):
        bad("manager_email", f"not an email address: {values['manager_email']!r}")
    elif manager is not None and manager == email:
        bad("manager_email", "a person cannot be their own manager")
    roles = frozenset(r for r in _ROLE_SPLIT.split(values["role"].lower()) if r) or {"employee"}
    unknown_roles = sorted(roles - set(ROLES))
    if unknown_roles:
        bad("role", f"unknown role {', '.join(unknown_roles)} (use {', '.join(ROLES)})")
    timezone = values["timezone"] or "UTC"
    if timezone not in zones:
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            bad("timezone", f"unknown IANA time zone {timezone!r} (e.g. Europe/Berlin)")
    slack_user_id = values.get("slack_user_id") or None
    if slack_user_id is not None and not _SLACK_USER.match(slack_user_id):
        bad("slack_user_id", f"not a Slack user id (like U012AB3CD): {slack_user_id!r}")
    teams_user_id = values.get("teams_user_id") or None
    if teams_user_id is not None and not _TEAMS_USER.match(teams_user_id):
        bad("teams_user_id", "not a Teams user id (an Entra object id)")
    if len(problems) != before:
        return None
    return OrgRow(
        row=line,
        email=email,
        name=name,
        team=team,
        manager_email=manager,
        roles=frozenset(roles),
        timezone=timezone,
        slack_user_id=slack_user_id,
        teams_user_id=teams_user_id,
    )


def _check_across_rows(plan: _Plan, existing: dict[str, Person]) -> None:
    seen: dict[str, int] = {}
    platform_ids: dict[tuple[str, str], int] = {}
    unique_rows = []
    for row in plan.rows:
        if row.email in seen:
            plan.problems.append(
                RowProblem(
                    row.row, "email", f"{row.email} already appears on row {seen[row.email]}"
                )
            )
            continue
        seen[row.email] = row.row
        unique_rows.append(row)
        for column, value in (
            ("slack_user_id", row.slack_user_id),
            ("teams_user_id", row.teams_user_id),
        ):
            if value is None:
                continue
            if (column, value) in platform_ids:
                other = platform_ids[(column, value)]
                plan.problems.append(RowProblem(row.row, column, f"{value} also on row {other}"))
            platform_ids[(column, value)] = row.row
    plan.rows = unique_rows
    in_file = {row.email: row for row in plan.rows}
    for row in plan.rows:
        if row.manager_email and row.manager_email not in in_file | existing:
            plan.problems.append(
                RowProblem(row.row, "manager_email", f"{row.manager_email} is not in the file")
            )
    plan.problems.extend(_team_managers(plan.rows)[1])
    _check_platform_ids_against_db(plan, existing)
    _check_team_cycles(plan)


def _check_platform_ids_against_db(plan: _Plan, existing: dict[str, Person]) -> None:
    owners: dict[tuple[str, str], str] = {}
    for person in existing.values():
        if person.slack_user_id:
            owners[("slack_user_id", person.slack_user_id)] = person.email
        if person.teams_user_id:
            owners[("teams_user_id", person.teams_user_id)] = person.email
    moving = {row.email for row in plan.rows}
    for row in plan.rows:
        for column, value in (
            ("slack_user_id", row.slack_user_id),
            ("teams_user_id", row.teams_user_id),
        ):
            owner = owners.get((column, value)) if value else None
            if owner is not None and owner != row.email and owner not in moving:
                plan.problems.append(
                    RowProblem(row.row, column, f"{value} already belongs to {owner}")
                )


def _check_team_cycles(plan: _Plan) -> None:
    """A team's parent is its manager's team; following parents must never loop."""
    managers, _ = _team_managers(plan.rows)
    team_of = {row.email: row.team for row in plan.rows}
    reports_to = {row.email: row.manager_email for row in plan.rows}
    parents = {team: _parent_of(team, managers, team_of, reports_to) for team in managers}
    first_row: dict[str, int] = {}
    for row in plan.rows:
        first_row.setdefault(row.team, row.row)
    for team in managers:
        chain = [team]
        current = parents.get(team)
        while current is not None and current not in chain:
            chain.append(current)
            current = parents.get(current)
        if current == team:
            plan.problems.append(
                RowProblem(
                    first_row[team],
                    "manager_email",
                    "teams manage each other in a loop: " + " -> ".join([*chain, team]),
                )
            )


def _team_managers(rows: Iterable[OrgRow]) -> tuple[dict[str, str | None], list[RowProblem]]:
    """Each team's manager, from its members' rows, and the rows that disagree.

    A team lead often sits in the team they lead and reports to someone elsewhere; such a
    row (a member whom other members name as manager) does not decide the team's manager.
    """
    by_team: dict[str, list[OrgRow]] = {}
    for row in rows:
        by_team.setdefault(row.team, []).append(row)
    managers: dict[str, str | None] = {}
    problems: list[RowProblem] = []
    for team, members in by_team.items():
        emails = {row.email for row in members}
        leads = {row.manager_email for row in members if row.manager_email in emails}
        deciding = [row for row in members if row.email not in leads] or members
        first = deciding[0]
        managers[team] = first.manager_email
        for row in deciding[1:]:
            if row.manager_email != first.manager_email:
                problems.append(
                    RowProblem(
                        row.row,
                        "manager_email",
                        f"team {team!r} has manager {first.manager_email or '(none)'} "
                        f"on row {first.row}",
                    )
                )
    return managers, problems


def _parent_of(
    team: str,
    managers: dict[str, str | None],
    team_of: dict[str, str],
    reports_to: dict[str, str | None],
) -> str | None:
    """The first team up the management chain from ``team`` that is not ``team`` itself."""
    person = managers.get(team)
    seen: set[str] = set()
    while person is not None and person not in seen:
        seen.add(person)
        other = team_of.get(person)
        if other is not None and other != team:
            return other
        person = reports_to.get(person)
    return None


def _apply(
    rows: list[OrgRow],
    workspace_id: int,
    existing: dict[str, Person],
    *,
    session: Session,
    progress: Callable[[int], None] | None,
) -> ImportReport:
    report = ImportReport()
    now = utcnow()
    managers = {row.manager_email for row in rows if row.manager_email}
    teams = {
        team.name: team
        for team in session.exec(select(Team).where(Team.workspace_id == workspace_id))
    }
    people: dict[str, Person] = dict(existing)
    created_teams: set[str] = set()
    created_people: set[str] = set()
    updated_people: set[str] = set()

    for done, row in enumerate(rows, start=1):
        roles = set(row.roles) | ({"manager"} if row.email in managers else set())
        wanted: dict[str, str | None] = {
            "display_name": row.name,
            "timezone": row.timezone,
            "roles": ",".join(role for role in ROLES if role in roles),
            "slack_user_id": row.slack_user_id,
            "teams_user_id": row.teams_user_id,
        }
        person = people.get(row.email)
        if person is None:
            person = Person.model_validate(
                {"workspace_id": workspace_id, "email": row.email, **wanted}
            )
            session.add(person)
            people[row.email] = person
            created_people.add(row.email)
        else:
            changed = {key: value for key, value in wanted.items() if getattr(person, key) != value}
            if changed:
                for key, value in changed.items():
                    setattr(person, key, value)
                person.updated_at = now
                session.add(person)
                updated_people.add(row.email)
        if row.team not in teams:
            teams[row.team] = Team(workspace_id=workspace_id, name=row.team)
            session.add(teams[row.team])
            created_teams.add(row.team)
            report.teams_created += 1
        if progress is not None:
            progress(done)
    session.flush()

    updated_people |= _apply_memberships(rows, people, teams, session=session) - created_people
    _apply_team_links(rows, people, teams, created_teams, report, session=session)
    session.flush()
    report.people_created = len(created_people)
    report.people_updated = len(updated_people)
    report.people_unchanged = len(rows) - len(created_people) - len(updated_people)
    return report


def _apply_memberships(
    rows: Iterable[OrgRow],
    people: dict[str, Person],
    teams: dict[str, Team],
    *,
    session: Session,
) -> set[str]:
    """Put each person in the team their row names; returns who moved or joined."""
    moved: set[str] = set()
    person_ids = [people[row.email].id for row in rows]
    current: dict[int, list[Membership]] = {}
    for membership in session.exec(
        select(Membership).where(col(Membership.person_id).in_(person_ids))
    ):
        current.setdefault(membership.person_id, []).append(membership)
    for row in rows:
        person = people[row.email]
        team = teams[row.team]
        assert person.id is not None
        assert team.id is not None
        memberships = current.get(person.id, [])
        if any(m.team_id == team.id for m in memberships) and len(memberships) == 1:
            continue
        for membership in memberships:
            if membership.team_id != team.id:
                session.delete(membership)
        if not any(m.team_id == team.id for m in memberships):
            session.add(Membership(person_id=person.id, team_id=team.id))
        moved.add(row.email)
    return moved


def _apply_team_links(
    rows: list[OrgRow],
    people: dict[str, Person],
    teams: dict[str, Team],
    created: set[str],
    report: ImportReport,
    *,
    session: Session,
) -> None:
    """Set each team's manager, and its parent: the team its manager belongs to."""
    team_of = {row.email: row.team for row in rows}
    outside = {row.manager_email for row in rows if row.manager_email} - team_of.keys()
    if outside:
        team_of.update(
            session.exec(
                select(Person.email, Team.name)
                .join(Membership, col(Membership.person_id) == col(Person.id))
                .join(Team, col(Team.id) == col(Membership.team_id))
                .where(col(Person.id).in_([people[email].id for email in outside]))
            ).all()
        )
    managers, _ = _team_managers(rows)
    reports_to = {row.email: row.manager_email for row in rows}
    for team_name, manager_email in managers.items():
        team = teams[team_name]
        manager_id = people[manager_email].id if manager_email else None
        parent_name = _parent_of(team_name, managers, team_of, reports_to)
        parent_id = teams[parent_name].id if parent_name is not None else None
        if (team.manager_id, team.parent_id) != (manager_id, parent_id):
            team.manager_id, team.parent_id = manager_id, parent_id
            session.add(team)
            if team_name not in created:
                report.teams_updated += 1


@dataclass(frozen=True)
class TeamSummary:
    name: str
    manager: str | None
    parent: str | None
    members: int


def describe_org(workspace: Workspace, *, session: Session) -> list[TeamSummary]:
    """Every team with its manager, parent team and member count."""
    member_counts = dict(
        session.exec(
            select(Membership.team_id, func.count(col(Membership.id))).group_by(
                col(Membership.team_id)
            )
        ).all()
    )
    teams = session.exec(
        select(Team).where(Team.workspace_id == workspace.id).order_by(col(Team.name))
    ).all()
    names = {team.id: team.name for team in teams}
    manager_ids = [team.manager_id for team in teams if team.manager_id is not None]
    managers = {
        person.id: person.email
        for person in session.exec(select(Person).where(col(Person.id).in_(manager_ids)))
    }
    return [
        TeamSummary(
            name=team.name,
            manager=managers.get(team.manager_id) if team.manager_id else None,
            parent=names.get(team.parent_id) if team.parent_id else None,
            members=member_counts.get(team.id, 0) if team.id is not None else 0,
        )
        for team in teams
    ]
