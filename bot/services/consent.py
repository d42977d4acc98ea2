"""Consent: opt-in per person and scope, with the full history kept.

A grant adds a row; a revocation closes the open row. Whether someone has consented is
always read from the database at the moment of use, so a revocation takes effect for the
very next message or check-in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot.errors import ValidationFailed
from bot.store.tables import CONSENT_SCOPES, Consent
from bot.store.types import utcnow


@dataclass(frozen=True)
class ConsentStatus:
    scope: str
    granted: bool
    since: datetime | None
    policy_version: str | None


def _check_scope(scope: str) -> None:
    if scope not in CONSENT_SCOPES:
        raise ValidationFailed(
            f"unknown consent scope {scope!r}; expected one of {', '.join(CONSENT_SCOPES)}"
        )


def _open(person_id: int, scope: str, *, session: Session) -> Consent | None:
    return session.exec(
        select(Consent)
        .where(
            Consent.person_id == person_id,
            Consent.scope == scope,
            col(Consent.revoked_at).is_(None),
        )
        .order_by(col(Consent.granted_at).desc())
    ).first()


def grant(
    person_id: int,
    scope: str,
    *,
    policy_version: str,
    session: Session,
    now: datetime | None = None,
) -> Consent:
    """Record consent. Granting again under a new policy version closes the old grant and
    opens a new one; granting again under the same version changes nothing."""
    _check_scope(scope)
    now = now or utcnow()
    current = _open(person_id, scope, session=session)
    if current is not None:
        if current.policy_version == policy_version:
            return current
        current.revoked_at = now
        session.add(current)
    consent = Consent(
        person_id=person_id, scope=scope, policy_version=policy_version, granted_at=now
    )
    session.add(consent)
    session.flush()
    return consent


def revoke(person_id: int, scope: str, *, session: Session, now: datetime | None = None) -> bool:
    """Withdraw consent; returns whether there was consent to withdraw."""
    _check_scope(scope)
    # Close every open grant: two grants racing (a double click) must not leave one open.
    closed = session.execute(
        update(Consent)
        .where(
            col(Consent.person_id) == person_id,
            col(Consent.scope) == scope,
            col(Consent.revoked_at).is_(None),
        )
        .values(revoked_at=now or utcnow())
        .returning(col(Consent.id))
    ).all()
    session.expire_all()
    return bool(closed)


def has_consent(person_id: int, scope: str, *, session: Session) -> bool:
    """Whether the person consents to ``scope`` right now."""
    return _open(person_id, scope, session=session) is not None


def status(person_id: int, *, session: Session) -> list[ConsentStatus]:
    """The person's current consent, one entry per scope."""
    result = []
    for scope in CONSENT_SCOPES:
        current = _open(person_id, scope, session=session)
        result.append(
            ConsentStatus(
                scope=scope,
                granted=current is not None,
                since=current.granted_at if current else None,
                policy_version=current.policy_version if current else None,
            )
        )
    return result


def history(person_id: int, *, session: Session) -> Sequence[Consent]:
    """Every grant and revocation, oldest first."""
    return session.exec(
        select(Consent)
        .where(Consent.person_id == person_id)
        .order_by(col(Consent.granted_at), col(Consent.id))
    ).all()
