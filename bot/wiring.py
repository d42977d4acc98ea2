"""Composition root: builds the long-lived parts of the bot from :class:`Settings`."""

from __future__ import annotations

from bot.config import Settings
from bot.store.db import Store, open_store


def build_store(settings: Settings) -> Store:
    """Open (and for SQLite, migrate) the configured database."""
    return open_store(settings.resolved_database_url)
