"""Every table the bot keeps. Tables are defined here and nowhere else.

Design rules, each guarded by a test in ``tests/bot/store/test_no_message_text.py``:

* no column holds message text: string columns are short, named for what they hold, and
  listed with their purpose in that test;
* platform tokens are stored encrypted (columns ending in ``_encrypted``);
* check-in answers are keyed by a pseudonym, not by a person;
* weekly signal buckets hold sums and counts; the per-week contributor markers that make an
  exact distinct count possible are deleted when the week closes.

JSON columns must be reassigned, not mutated in place, for SQLAlchemy to see the change.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, MetaData, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.store.types import UTCDateTime, utcnow

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SQLModel.metadata = MetaData(naming_convention=NAMING_CONVENTION)
metadata = SQLModel.metadata

ROLES = ("employee", "manager", "hr", "admin")
CONSENT_SCOPES = ("messages", "checkins")
PLATFORMS = ("slack", "teams")


def _now_field(*, index: bool = False) -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=index)


def _time_field(*, index: bool = False) -> Any:
    return Field(default=None, sa_type=UTCDateTime, nullable=True, index=index)


class Workspace(SQLModel, table=True):
    """One organisation (a Slack workspace and/or a Microsoft 365 tenant)."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    slack_team_id: str | None = Field(default=None, max_length=32, unique=True)
    teams_tenant_id: str | None = Field(default=None, max_length=64, unique=True)
    min_group_size: int | None = Field(default=None)
    created_at: datetime = _now_field()


class Person(SQLModel, table=True):
    """Someone in the organisation. ``roles`` is a comma-separated subset of :data:`ROLES`."""

    __table_args__ = (
        UniqueConstraint("workspace_id", "email"),
        UniqueConstraint("workspace_id", "slack_user_id"),
        UniqueConstraint("workspace_id", "teams_user_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", ondelete="CASCADE", index=True)
    email: str = Field(max_length=254)
    display_name: str = Field(max_length=120)
    slack_user_id: str | None = Field(default=None, max_length=32)
    teams_user_id: str | None = Field(default=None, max_length=128)
    timezone: str = Field(default="UTC", max_length=64)
    locale: str = Field(default="en", max_length=16)
    roles: str = Field(default="employee", max_length=64)
    digests_snoozed_until: date | None = None
    away_until: date | None = None
    created_at: datetime = _now_field()
    updated_at: datetime = _now_field()

    @property
    def role_set(self) -> frozenset[str]:
        return frozenset(role for role in self.roles.split(",") if role)


class Team(SQLModel, table=True):
    """A team; ``parent_id`` builds the hierarchy used for roll-ups."""

    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", ondelete="CASCADE", index=True)
    name: str = Field(max_length=100)
    manager_id: int | None = Field(
        default=None, foreign_key="person.id", ondelete="SET NULL", index=True
    )
    parent_id: int | None = Field(default=None, foreign_key="team.id", ondelete="SET NULL")
    created_at: datetime = _now_field()


class Membership(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("person_id", "team_id"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE", index=True)
    team_id: int = Field(foreign_key="team.id", ondelete="CASCADE", index=True)
    joined_at: datetime = _now_field()


class Consent(SQLModel, table=True):
    """One grant of consent; revoking sets ``revoked_at``. Rows are never rewritten
    otherwise, so the full history of grants and revocations is kept."""

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE", index=True)
    scope: str = Field(max_length=16)
    policy_version: str = Field(max_length=32)
    granted_at: datetime = _now_field()
    revoked_at: datetime | None = _time_field()


class ChannelListening(SQLModel, table=True):
    """A period during which listening was on in a channel (history kept)."""

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", ondelete="CASCADE", index=True)
    platform: str = Field(max_length=8)
    channel_id: str = Field(max_length=64, index=True)
    team_id: int = Field(foreign_key="team.id", ondelete="CASCADE", index=True)
    enabled_by_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    enabled_at: datetime = _now_field()
    disabled_by_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    disabled_at: datetime | None = _time_field()


class SignalBucket(SQLModel, table=True):
    """A team's message-derived signals for one ISO week: sums and counts only.

    The mean sentiment is ``sentiment_sum / message_count`` and the variance follows from
    ``sentiment_sq_sum``. ``contributor_count`` is exact: while the week is open it is kept
    up to date from :class:`BucketContributor` markers, which are deleted at close.
    """

    __table_args__ = (UniqueConstraint("team_id", "week"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id", ondelete="CASCADE", index=True)
    week: str = Field(max_length=8)
    message_count: int = 0
    contributor_count: int = 0
    sentiment_sum: float = 0.0
    sentiment_sq_sum: float = 0.0
    theme_counts: dict[str, int] = Field(default_factory=dict, sa_type=JSON)
    after_hours_count: int = 0
    closed_at: datetime | None = _time_field()


class BucketContributor(SQLModel, table=True):
    """A keyed one-way marker meaning "someone contributed to this open bucket".

    ``marker`` is an HMAC of the bucket id and person id, so markers cannot be linked across
    weeks or back to a person without the secret key; they are deleted when the week closes.
    """

    __table_args__ = (UniqueConstraint("bucket_id", "marker"),)

    id: int | None = Field(default=None, primary_key=True)
    bucket_id: int = Field(foreign_key="signalbucket.id", ondelete="CASCADE", index=True)
    marker: str = Field(max_length=64)


class ProcessedEvent(SQLModel, table=True):
    """A platform event already handled (deduplication of retries), until ``expires_at``."""

    key: str = Field(primary_key=True, max_length=160)
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)


class Schedule(SQLModel, table=True):
    """Delivery rules: the org default (``team_id`` is null) or a team's override."""

    __table_args__ = (UniqueConstraint("workspace_id", "team_id"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", ondelete="CASCADE", index=True)
    team_id: int | None = Field(default=None, foreign_key="team.id", ondelete="CASCADE")
    digest_weekday: int = 0
    digest_time: str = Field(default="09:00", max_length=5)
    checkin_cadence: str = Field(default="weekly", max_length=10)
    checkin_weekday: int = 3
    checkin_time: str = Field(default="14:00", max_length=5)
    reminder_after_hours: int = 24
    quiet_weekdays: str = Field(default="5,6", max_length=16)
    holidays: list[str] = Field(default_factory=list, sa_type=JSON)
    paused: bool = False
    updated_by_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    updated_at: datetime = _now_field()


class CheckinQuestion(SQLModel, table=True):
    """A question from the content bank as enabled for one workspace."""

    __table_args__ = (UniqueConstraint("workspace_id", "question_key"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", ondelete="CASCADE", index=True)
    question_key: str = Field(max_length=64)
    dimension: str = Field(max_length=16)
    enabled: bool = True


class CheckinRound(SQLModel, table=True):
    """One check-in period for a team (or the whole workspace when ``team_id`` is null)."""

    __table_args__ = (UniqueConstraint("workspace_id", "team_id", "period"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", ondelete="CASCADE", index=True)
    team_id: int | None = Field(default=None, foreign_key="team.id", ondelete="CASCADE")
    period: str = Field(max_length=16)
    question_keys: list[str] = Field(default_factory=list, sa_type=JSON)
    opened_at: datetime = _now_field()
    closes_at: datetime | None = _time_field()


class CheckinDelivery(SQLModel, table=True):
    """The claim that one person is sent one round (exactly once)."""

    __table_args__ = (UniqueConstraint("round_id", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="checkinround.id", ondelete="CASCADE", index=True)
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE", index=True)
    status: str = Field(default="claimed", max_length=16)
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=64)
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_at: datetime = _now_field()
    next_attempt_at: datetime | None = _time_field(index=True)
    sent_at: datetime | None = _time_field()
    reminded_at: datetime | None = _time_field()


class CheckinResponse(SQLModel, table=True):
    """One answer on a 1-5 scale, keyed by the respondent's pseudonym. Comments are scored
    in memory and never stored."""

    __table_args__ = (UniqueConstraint("round_id", "question_key", "respondent"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="checkinround.id", ondelete="CASCADE", index=True)
    team_id: int | None = Field(default=None, foreign_key="team.id", ondelete="SET NULL")
    question_key: str = Field(max_length=64)
    respondent: str = Field(max_length=64, index=True)
    value: int
    answered_at: datetime = _now_field(index=True)


class NudgeDelivery(SQLModel, table=True):
    """A manager's digest for one ISO week; the unique key makes delivery exactly-once."""

    __table_args__ = (UniqueConstraint("manager_id", "week"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", ondelete="CASCADE", index=True)
    manager_id: int = Field(foreign_key="person.id", ondelete="CASCADE", index=True)
    team_id: int | None = Field(default=None, foreign_key="team.id", ondelete="SET NULL")
    week: str = Field(max_length=8)
    status: str = Field(default="claimed", max_length=16)
    prompt_id: str | None = Field(default=None, max_length=80)
    lesson_id: str | None = Field(default=None, max_length=80)
    situations: list[str] = Field(default_factory=list, sa_type=JSON)
    numbers_shown: bool = False
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=64)
    platform_ref: str | None = Field(default=None, max_length=128)
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_at: datetime = _now_field()
    next_attempt_at: datetime | None = _time_field(index=True)
    sent_at: datetime | None = _time_field()


class NudgeFeedback(SQLModel, table=True):
    """A button press on a digest: ``kind`` is helpful, not_for_me or did_this."""

    __table_args__ = (UniqueConstraint("delivery_id", "item_id", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    delivery_id: int = Field(foreign_key="nudgedelivery.id", ondelete="CASCADE", index=True)
    item_id: str = Field(max_length=80)
    situation: str = Field(max_length=40)
    kind: str = Field(max_length=16)
    created_at: datetime = _now_field()


class TeamsConversation(SQLModel, table=True):
    """A Teams conversation reference kept for proactive messages (no message content)."""

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int | None = Field(
        default=None, foreign_key="workspace.id", ondelete="CASCADE", index=True
    )
    person_id: int | None = Field(
        default=None, foreign_key="person.id", ondelete="CASCADE", index=True
    )
    conversation_id: str = Field(max_length=255, unique=True)
    conversation_type: str = Field(max_length=16)
    tenant_id: str | None = Field(default=None, max_length=64)
    service_url: str = Field(max_length=512)
    reference: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    updated_at: datetime = _now_field()


class SlackInstallation(SQLModel, table=True):
    """A Slack app installation (multi-workspace OAuth). Tokens are Fernet-encrypted."""

    __table_args__ = (UniqueConstraint("client_id", "enterprise_id", "team_id", "user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    client_id: str = Field(max_length=32)
    app_id: str | None = Field(default=None, max_length=32)
    enterprise_id: str = Field(default="", max_length=32)
    enterprise_name: str | None = Field(default=None, max_length=120)
    team_id: str = Field(default="", max_length=32)
    team_name: str | None = Field(default=None, max_length=120)
    user_id: str = Field(max_length=32)
    bot_id: str | None = Field(default=None, max_length=32)
    bot_user_id: str | None = Field(default=None, max_length=32)
    bot_scopes: str | None = Field(default=None, max_length=1000)
    bot_token_encrypted: str | None = Field(default=None, max_length=1000)
    user_scopes: str | None = Field(default=None, max_length=1000)
    user_token_encrypted: str | None = Field(default=None, max_length=1000)
    token_type: str | None = Field(default=None, max_length=16)
    is_enterprise_install: bool = False
    installed_at: datetime = _now_field()


class SlackOAuthState(SQLModel, table=True):
    """A one-time OAuth ``state`` value, valid until ``expires_at`` (CSRF protection)."""

    state: str = Field(primary_key=True, max_length=64)
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
