"""Queries shared by several services. Every function takes a keyword-only ``session``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from bot.errors import NotFoundError
from bot.store.tables import Membership, Person, Team, Workspace

DEFAULT_WORKSPACE = "default"


def ensure_workspace(name: str = DEFAULT_WORKSPACE, *, session: Session) -> Workspace:
    """The workspace called ``name``, created if it does not exist yet."""
    workspace = session.exec(select(Workspace).where(Workspace.name == name)).first()
    if workspace is None:
        workspace = Workspace(name=name)
        session.add(workspace)
        session.flush()
    return workspace


def get_workspace(name: str = DEFAULT_WORKSPACE, *, session: Session) -> Workspace:
    workspace = session.exec(select(Workspace).where(Workspace.name == name)).first()
    if workspace is None:
        raise NotFoundError(f"no workspace named {name!r}")
    return workspace


def person_by_email(workspace_id: int, email: str, *, session: Session) -> Person:
    person = session.exec(
        select(Person).where(
            Person.workspace_id == workspace_id, Person.email == email.strip().lower()
        )
    ).first()
    if person is None:
        raise NotFoundError(f"nobody with the email {email.strip().lower()!r}")
    return person


def teams_of(person_id: int, *, session: Session) -> Sequence[Team]:
    return session.exec(
        select(Team)
        .join(Membership, col(Membership.team_id) == col(Team.id))
        .where(Membership.person_id == person_id)
        .order_by(col(Team.name))
    ).all()


def teams_managed_by(person_id: int, *, session: Session) -> Sequence[Team]:
    return session.exec(
        select(Team).where(Team.manager_id == person_id).order_by(col(Team.name))
    ).all()


def insert_or_ignore(session: Session, table: type, values: dict[str, object]) -> Any | None:
    """Insert one row unless a unique key already holds it: the new row's primary key, or
    ``None`` when nothing was inserted. Safe against concurrent writers on both backends.

    ``RETURNING`` tells the two cases apart everywhere (``rowcount`` does not).
    """
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    key = next(iter(table.__table__.primary_key.columns))  # type: ignore[attr-defined]
    statement = insert(table).values(values).on_conflict_do_nothing().returning(key)
    row = session.execute(statement).first()
    return row[0] if row is not None else None
