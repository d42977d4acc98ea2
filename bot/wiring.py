"""Composition root: builds the long-lived parts of the bot from :class:`Settings`."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TypeVar

from sqlmodel import Session

from bot.config import Settings
from bot.errors import ConfigError
from bot.ingest import IngestQueue
from bot.services.commands import CommandContext
from bot.services.listening import Analyzer, Signals
from bot.store.db import Store, open_store
from nudges.library import ContentError, Library, library, load_support_file

T = TypeVar("T")


def build_store(settings: Settings) -> Store:
    """Open (and for SQLite, migrate) the configured database."""
    return open_store(settings.resolved_database_url)


@dataclass(frozen=True)
class Services:
    """What platform adapters and jobs need: one instance per process."""

    settings: Settings
    store: Store
    key: bytes
    library: Library
    analyzer: Analyzer
    distress: Callable[[str], bool]
    ingest: IngestQueue

    async def run(self, work: Callable[[Session], T]) -> T:
        """Run blocking database work in a worker thread, in one committed session."""

        def in_session() -> T:
            with self.store.session() as session:
                return work(session)

        return await asyncio.to_thread(in_session)

    def command_context(
        self, *, prefix: str = "/empathy", today: date | None = None
    ) -> CommandContext:
        return CommandContext(
            key=self.key,
            library=self.library,
            policy_version=self.settings.policy_version,
            min_group=self.settings.min_group_size,
            prefix=prefix,
            today=today,
        )


def _analyzer(texts: Sequence[str]) -> Sequence[Signals]:
    from nudges.signals import analyze_many

    return analyze_many(texts)


def _distress(text: str) -> bool:
    from nudges.signals import analyze

    return analyze(text).distress


def build_services(settings: Settings, *, store: Store | None = None) -> Services:
    """Everything the running bot shares, built once."""
    key = settings.secret_key_bytes()
    content = library()
    if settings.support_file is not None:
        try:
            content = content.with_support(
                load_support_file(
                    settings.support_file.read_text(encoding="utf-8"), str(settings.support_file)
                )
            )
        except ContentError as exc:
            raise ConfigError(f"EMPATHYBOT_SUPPORT_FILE: {exc}") from None
    store = store or build_store(settings)
    return Services(
        settings=settings,
        store=store,
        key=key,
        library=content,
        analyzer=_analyzer,
        distress=_distress,
        ingest=IngestQueue(
            store,
            analyzer=_analyzer,
            key=key,
            event_memory=timedelta(days=settings.event_retention_days),
        ),
    )
