"""The daily purge: data older than its retention period is deleted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import Session, col

from bot.store.tables import CheckinDelivery, CheckinResponse, ProcessedEvent, SlackOAuthState


@dataclass(frozen=True)
class Purged:
    checkin_answers: int
    event_ids: int
    oauth_states: int
    checkin_deliveries: int = 0


def purge(now: datetime, *, checkin_days: int, session: Session) -> Purged:
    """Delete check-in answers older than ``checkin_days`` and every expired event id and
    OAuth state (event ids expire :data:`~bot.services.listening.EVENT_MEMORY` after they
    arrive)."""
    answers = session.execute(
        delete(CheckinResponse)
        .where(col(CheckinResponse.answered_at) < now - timedelta(days=checkin_days))
        .returning(col(CheckinResponse.id))
    ).all()
    events = session.execute(
        delete(ProcessedEvent)
        .where(col(ProcessedEvent.expires_at) < now)
        .returning(col(ProcessedEvent.key))
    ).all()
    states = session.execute(
        delete(SlackOAuthState)
        .where(col(SlackOAuthState.expires_at) < now)
        .returning(col(SlackOAuthState.state))
    ).all()
    # Who was sent which check-in, and when, goes with the answers' retention.
    deliveries = session.execute(
        delete(CheckinDelivery)
        .where(col(CheckinDelivery.claimed_at) < now - timedelta(days=checkin_days))
        .returning(col(CheckinDelivery.id))
    ).all()
    return Purged(len(answers), len(events), len(states), len(deliveries))
