"""Multi-workspace installs: Slack's installation and OAuth-state stores on our database.

Tokens are encrypted with :class:`~bot.store.crypto.TokenCipher` before they are written.
Database work runs in a worker thread so the event loop never waits on it.
"""

from __future__ import annotations

import asyncio
import secrets
from datetime import timedelta
from logging import Logger, getLogger

from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from sqlalchemy import delete
from sqlmodel import col, select

from bot.store.crypto import TokenCipher
from bot.store.db import Store
from bot.store.tables import SlackInstallation, SlackOAuthState, Workspace
from bot.store.types import utcnow

STATE_LIFETIME = timedelta(minutes=10)


class DatabaseInstallationStore(AsyncInstallationStore):
    """Keeps the latest installation per (enterprise, team, installer)."""

    def __init__(self, store: Store, cipher: TokenCipher, *, client_id: str) -> None:
        self._store = store
        self._cipher = cipher
        self._client_id = client_id
        self._log = getLogger(__name__)

    @property
    def logger(self) -> Logger:
        return self._log

    async def async_save(self, installation: Installation) -> None:
        await asyncio.to_thread(self._save, installation)

    def _save(self, installation: Installation) -> None:
        with self._store.session() as session:
            enterprise = installation.enterprise_id or ""
            team = installation.team_id or ""
            row = session.exec(
                select(SlackInstallation).where(
                    SlackInstallation.client_id == self._client_id,
                    SlackInstallation.enterprise_id == enterprise,
                    SlackInstallation.team_id == team,
                    SlackInstallation.user_id == installation.user_id,
                )
            ).first() or SlackInstallation(
                client_id=self._client_id,
                enterprise_id=enterprise,
                team_id=team,
                user_id=installation.user_id,
            )
            row.app_id = installation.app_id
            row.enterprise_name = installation.enterprise_name
            row.team_name = installation.team_name
            row.bot_id = installation.bot_id
            row.bot_user_id = installation.bot_user_id
            row.bot_scopes = ",".join(installation.bot_scopes or [])
            row.bot_token_encrypted = (
                self._cipher.encrypt(installation.bot_token) if installation.bot_token else None
            )
            row.user_scopes = ",".join(installation.user_scopes or [])
            row.user_token_encrypted = (
                self._cipher.encrypt(installation.user_token) if installation.user_token else None
            )
            row.token_type = installation.token_type
            row.is_enterprise_install = bool(installation.is_enterprise_install)
            row.installed_at = utcnow()
            session.add(row)
            if (
                team
                and session.exec(select(Workspace).where(Workspace.slack_team_id == team)).first()
                is None
            ):
                session.add(Workspace(name=installation.team_name or team, slack_team_id=team))

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        row = await asyncio.to_thread(
            self._latest, enterprise_id, team_id, None, is_enterprise_install
        )
        if row is None or row.bot_token_encrypted is None:
            return None
        return Bot(
            app_id=row.app_id,
            enterprise_id=row.enterprise_id or None,
            team_id=row.team_id or None,
            team_name=row.team_name,
            bot_token=self._cipher.decrypt(row.bot_token_encrypted),
            bot_id=row.bot_id or "",
            bot_user_id=row.bot_user_id or "",
            bot_scopes=row.bot_scopes or "",
            is_enterprise_install=row.is_enterprise_install,
            installed_at=row.installed_at.timestamp(),
        )

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        row = await asyncio.to_thread(
            self._latest, enterprise_id, team_id, user_id, is_enterprise_install
        )
        if row is None:
            return None
        return Installation(
            app_id=row.app_id,
            enterprise_id=row.enterprise_id or None,
            enterprise_name=row.enterprise_name,
            team_id=row.team_id or None,
            team_name=row.team_name,
            bot_token=self._cipher.decrypt(row.bot_token_encrypted)
            if row.bot_token_encrypted
            else None,
            bot_id=row.bot_id,
            bot_user_id=row.bot_user_id,
            bot_scopes=row.bot_scopes or "",
            user_id=row.user_id,
            user_token=self._cipher.decrypt(row.user_token_encrypted)
            if row.user_token_encrypted
            else None,
            user_scopes=row.user_scopes or "",
            token_type=row.token_type,
            is_enterprise_install=row.is_enterprise_install,
            installed_at=row.installed_at.timestamp(),
        )

    def _latest(
        self,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        is_enterprise_install: bool | None,
    ) -> SlackInstallation | None:
        with self._store.session() as session:
            query = select(SlackInstallation).where(
                SlackInstallation.client_id == self._client_id,
                SlackInstallation.enterprise_id == (enterprise_id or ""),
            )
            if not is_enterprise_install:
                query = query.where(SlackInstallation.team_id == (team_id or ""))
            if user_id is not None:
                query = query.where(SlackInstallation.user_id == user_id)
            return session.exec(query.order_by(col(SlackInstallation.installed_at).desc())).first()

    async def async_delete_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
    ) -> None:
        await asyncio.to_thread(self._delete, enterprise_id, team_id, user_id)

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await asyncio.to_thread(self._delete, enterprise_id, team_id, None)

    def _delete(self, enterprise_id: str | None, team_id: str | None, user_id: str | None) -> None:
        with self._store.session() as session:
            statement = delete(SlackInstallation).where(
                col(SlackInstallation.client_id) == self._client_id,
                col(SlackInstallation.enterprise_id) == (enterprise_id or ""),
                col(SlackInstallation.team_id) == (team_id or ""),
            )
            if user_id is not None:
                statement = statement.where(col(SlackInstallation.user_id) == user_id)
            session.execute(statement)


class DatabaseStateStore(AsyncOAuthStateStore):
    """One-time OAuth state values with a ten-minute lifetime."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._log = getLogger(__name__)

    @property
    def logger(self) -> Logger:
        return self._log

    async def async_issue(self, *args: object, **kwargs: object) -> str:
        state = secrets.token_urlsafe(32)
        await asyncio.to_thread(self._issue, state)
        return state

    def _issue(self, state: str) -> None:
        with self._store.session() as session:
            session.add(SlackOAuthState(state=state, expires_at=utcnow() + STATE_LIFETIME))

    async def async_consume(self, state: str) -> bool:
        return await asyncio.to_thread(self._consume, state)

    def _consume(self, state: str) -> bool:
        with self._store.session() as session:
            row = session.get(SlackOAuthState, state[:64])
            if row is None:
                return False
            session.delete(row)
            return row.expires_at > utcnow()
