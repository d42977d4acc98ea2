"""Conversation references in the ``teamsconversation`` table: written on install and on
every inbound activity, read for proactive messages, so they survive restarts.

A row holds the Bot Framework conversation reference as JSON (no message content; for
channels and group chats no author either), and for a personal chat the person it
reaches. Privacy erasure deletes a person's rows with the rest of their data.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from bot.platforms.teams.translate import PERSONAL, ConversationRecord
from bot.store.tables import Person, TeamsConversation, Workspace
from bot.store.types import utcnow

log = logging.getLogger("bot.platforms.teams")


def _person(user_id: str | None, tenant_id: str | None, *, session: Session) -> Person | None:
    if not user_id:
        return None
    people: Sequence[Person] = session.exec(
        select(Person).where(Person.teams_user_id == user_id)
    ).all()
    if len(people) > 1 and tenant_id:
        workspace = _workspace_of_tenant(tenant_id, session=session)
        people = [p for p in people if workspace is not None and p.workspace_id == workspace]
    return people[0] if people else None


def _workspace_of_tenant(tenant_id: str | None, *, session: Session) -> int | None:
    if not tenant_id:
        return None
    return session.exec(select(Workspace.id).where(Workspace.teams_tenant_id == tenant_id)).first()


def save(record: ConversationRecord, *, session: Session) -> None:
    """Insert or update the row for the record's conversation, in one statement (two
    replicas storing the same conversation at once cannot collide)."""
    person = (
        _person(record.user_id, record.tenant_id, session=session)
        if record.conversation_type == PERSONAL
        else None
    )
    values: dict[str, Any] = {
        "conversation_type": record.conversation_type[:16],
        "tenant_id": record.tenant_id[:64] if record.tenant_id else None,
        "service_url": record.service_url[:512],
        "reference": record.reference,
        "person_id": person.id if person is not None else None,
        "workspace_id": (
            person.workspace_id
            if person is not None
            else _workspace_of_tenant(record.tenant_id, session=session)
        ),
        "updated_at": utcnow(),
    }
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(TeamsConversation)
        .values(conversation_id=record.conversation_id[:255], **values)
        .on_conflict_do_update(index_elements=["conversation_id"], set_=values)
    )
    session.execute(statement)


def forget(conversation_id: str, *, session: Session) -> bool:
    """Delete a conversation's reference (the app was removed from it)."""
    row = session.exec(
        select(TeamsConversation).where(TeamsConversation.conversation_id == conversation_id)
    ).first()
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True


def personal_reference(
    person_id: int, teams_user_id: str | None, *, session: Session
) -> dict[str, Any] | None:
    """The stored reference of the person's personal chat with the bot, if any.

    A chat captured before HR imported the person has no ``person_id`` yet; it is found
    by the Teams user id in its reference and linked to the person now.
    """
    row = session.exec(
        select(TeamsConversation)
        .where(
            TeamsConversation.person_id == person_id,
            TeamsConversation.conversation_type == PERSONAL,
        )
        .order_by(col(TeamsConversation.updated_at).desc())
    ).first()
    if row is None and teams_user_id:
        unlinked = session.exec(
            select(TeamsConversation).where(
                col(TeamsConversation.person_id).is_(None),
                TeamsConversation.conversation_type == PERSONAL,
            )
        ).all()
        row = next(
            (
                candidate
                for candidate in unlinked
                if (candidate.reference.get("user") or {}).get("aadObjectId") == teams_user_id
            ),
            None,
        )
        if row is not None:
            person = session.get(Person, person_id)
            row.person_id = person_id
            row.workspace_id = person.workspace_id if person is not None else row.workspace_id
            session.add(row)
            session.flush()
            log.info("teams: linked a personal chat captured before the person was imported")
    return dict(row.reference) if row is not None else None


class RecentlySaved:
    """Which conversations were stored lately and how, so a busy channel costs one write
    per process every few minutes rather than one per message.

    Bounded in size and time: an entry older than ``ttl`` seconds is written again, which
    also repairs a row deleted behind the cache's back (an erasure, for example).
    """

    def __init__(self, *, ttl: float = 600.0, size: int = 10_000) -> None:
        self._ttl = ttl
        self._size = size
        self._seen: OrderedDict[str, tuple[float, tuple[object, ...]]] = OrderedDict()

    def needs_saving(self, record: ConversationRecord, *, now: float | None = None) -> bool:
        """Whether ``record`` differs from (or is older than) what was last stored."""
        now = time.monotonic() if now is None else now
        seen = self._seen.get(record.conversation_id)
        return seen is None or now - seen[0] > self._ttl or seen[1] != record.fingerprint()

    def saved(self, record: ConversationRecord, *, now: float | None = None) -> None:
        """Remember that ``record`` is what the database now holds."""
        self._seen[record.conversation_id] = (
            time.monotonic() if now is None else now,
            record.fingerprint(),
        )
        self._seen.move_to_end(record.conversation_id)
        while len(self._seen) > self._size:
            self._seen.popitem(last=False)

    def forget(self, conversation_id: str) -> None:
        """Drop what is remembered about a conversation (its row was deleted)."""
        self._seen.pop(conversation_id, None)
