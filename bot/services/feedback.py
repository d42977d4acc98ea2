"""Managers' feedback on digests, and what the engine learns from it."""

from __future__ import annotations

from collections import defaultdict

from sqlmodel import Session, col, func, select

from bot.errors import NotFoundError, ValidationFailed
from bot.store.tables import NudgeDelivery, NudgeFeedback
from bot.store.types import utcnow
from nudges.engine import Posteriors

KINDS = ("helpful", "not_for_me", "did_this")
SUCCESS = frozenset({"helpful", "did_this"})


def record(
    delivery_id: int,
    item_id: str,
    situation: str,
    kind: str,
    *,
    manager_id: int,
    session: Session,
) -> bool:
    """Record a button press on the manager's own digest; False when it was already
    recorded (a double click counts once)."""
    if kind not in KINDS:
        raise ValidationFailed(f"unknown feedback {kind!r}")
    delivery = session.get(NudgeDelivery, delivery_id)
    if delivery is None or delivery.manager_id != manager_id:
        raise NotFoundError("that digest is not yours")
    if item_id not in (delivery.prompt_id, delivery.lesson_id):
        raise ValidationFailed("that item was not in this digest")
    existing = session.exec(
        select(NudgeFeedback).where(
            NudgeFeedback.delivery_id == delivery_id,
            NudgeFeedback.item_id == item_id,
            NudgeFeedback.kind == kind,
        )
    ).first()
    if existing is not None:
        return False
    session.add(
        NudgeFeedback(
            delivery_id=delivery_id,
            item_id=item_id,
            situation=situation[:40],
            kind=kind,
            created_at=utcnow(),
        )
    )
    session.flush()
    return True


def posteriors(workspace_id: int, *, session: Session) -> Posteriors:
    """Successes and failures per (item, situation) across the organisation."""
    rows = session.exec(
        select(
            NudgeFeedback.item_id,
            NudgeFeedback.situation,
            NudgeFeedback.kind,
            func.count(col(NudgeFeedback.id)),
        )
        .join(NudgeDelivery, col(NudgeDelivery.id) == col(NudgeFeedback.delivery_id))
        .where(NudgeDelivery.workspace_id == workspace_id)
        .group_by(col(NudgeFeedback.item_id), col(NudgeFeedback.situation), col(NudgeFeedback.kind))
    ).all()
    tally: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for item_id, situation, kind, count in rows:
        tally[(item_id, situation)][0 if kind in SUCCESS else 1] += count
    return {key: (value[0], value[1]) for key, value in tally.items()}
