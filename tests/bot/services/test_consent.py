"""Consent history is kept in full and a revocation takes effect at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session

from bot.errors import ValidationFailed
from bot.services import consent
from bot.store.repos import ensure_workspace
from bot.store.tables import Person

pytestmark = pytest.mark.storage

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def person(session: Session) -> Person:
    workspace = ensure_workspace(session=session)
    assert workspace.id is not None
    someone = Person(workspace_id=workspace.id, email="ann@acme.test", display_name="Ann")
    session.add(someone)
    session.flush()
    return someone


def test_grant_revoke_regrant_keeps_the_whole_history(session: Session, person: Person) -> None:
    assert person.id is not None
    consent.grant(person.id, "messages", policy_version="v1", session=session, now=T0)
    consent.revoke(person.id, "messages", session=session, now=T0 + timedelta(days=1))
    consent.grant(
        person.id, "messages", policy_version="v1", session=session, now=T0 + timedelta(days=2)
    )

    history = [
        (row.scope, row.granted_at, row.revoked_at)
        for row in consent.history(person.id, session=session)
    ]

    assert history == [
        ("messages", T0, T0 + timedelta(days=1)),
        ("messages", T0 + timedelta(days=2), None),
    ]


def test_revocation_takes_effect_immediately(session: Session, person: Person) -> None:
    assert person.id is not None
    consent.grant(person.id, "messages", policy_version="v1", session=session)
    assert consent.has_consent(person.id, "messages", session=session)

    assert consent.revoke(person.id, "messages", session=session) is True

    assert consent.has_consent(person.id, "messages", session=session) is False


def test_scopes_are_independent(session: Session, person: Person) -> None:
    assert person.id is not None
    consent.grant(person.id, "checkins", policy_version="v1", session=session, now=T0)

    states = {state.scope: state for state in consent.status(person.id, session=session)}

    assert states["checkins"].granted is True
    assert states["checkins"].since == T0
    assert states["messages"].granted is False


def test_granting_twice_under_the_same_policy_adds_nothing(
    session: Session, person: Person
) -> None:
    assert person.id is not None
    first = consent.grant(person.id, "messages", policy_version="v1", session=session)
    second = consent.grant(person.id, "messages", policy_version="v1", session=session)

    assert first.id == second.id
    assert len(consent.history(person.id, session=session)) == 1


def test_a_new_policy_version_closes_the_old_grant(session: Session, person: Person) -> None:
    assert person.id is not None
    consent.grant(person.id, "messages", policy_version="v1", session=session, now=T0)
    consent.grant(
        person.id, "messages", policy_version="v2", session=session, now=T0 + timedelta(days=30)
    )

    history = consent.history(person.id, session=session)

    assert [(row.policy_version, row.revoked_at) for row in history] == [
        ("v1", T0 + timedelta(days=30)),
        ("v2", None),
    ]


def test_revoking_without_consent_is_harmless(session: Session, person: Person) -> None:
    assert person.id is not None
    assert consent.revoke(person.id, "checkins", session=session) is False


def test_unknown_scope_is_refused(session: Session, person: Person) -> None:
    assert person.id is not None
    with pytest.raises(ValidationFailed, match="unknown consent scope"):
        consent.grant(person.id, "dms", policy_version="v1", session=session)


def test_revoking_closes_every_open_grant(session: Session, person: Person) -> None:
    """Two grants that raced (a double click) both end with one revocation."""
    assert person.id is not None
    from bot.store.tables import Consent

    for _ in range(2):
        session.add(Consent(person_id=person.id, scope="messages", policy_version="v1"))
    session.flush()

    assert consent.revoke(person.id, "messages", session=session) is True

    assert consent.has_consent(person.id, "messages", session=session) is False
