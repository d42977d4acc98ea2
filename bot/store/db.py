"""Engine, sessions and schema revision: the one way to reach the database.

SQLite databases are upgraded to the newest migration automatically when opened, since
they belong to one process. A PostgreSQL database must be upgraded on purpose
(``empathybot db upgrade``, or the migration job in deploy/); opening one that is behind
is refused with a clear error rather than failing later on a missing column.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event, inspect
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.pool import ConnectionPoolEntry
from sqlmodel import Session, create_engine

from bot.errors import StorageError

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
MIN_SQLITE = (3, 35)
"""INSERT/UPDATE/DELETE ... RETURNING, which exactly-once delivery relies on."""


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine with the pragmas and pool settings each backend needs."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if sqlite3.sqlite_version_info < MIN_SQLITE:
            raise StorageError(
                f"SQLite {sqlite3.sqlite_version} is too old: the bot needs "
                f"{'.'.join(map(str, MIN_SQLITE))} or newer (for RETURNING); use a newer "
                "Python or PostgreSQL"
            )
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def alembic_config(engine: Engine | None = None) -> Config:
    """An Alembic configuration (no alembic.ini needed) that runs on ``engine``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if engine is not None:
        config.attributes["engine"] = engine
    return config


def head_revision() -> str:
    """The newest migration this version of the bot ships."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Run migrations up to ``revision``."""
    try:
        command.upgrade(alembic_config(engine), revision)
    except OperationalError as exc:
        raise StorageError(f"cannot migrate the database: {exc.orig}") from exc


@dataclass(frozen=True)
class Store:
    """The database as the rest of the bot sees it: an engine and a session factory."""

    engine: Engine

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits when the block succeeds and rolls back when it raises."""
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def ping(self) -> bool:
        """Whether the database answers (for ``/readyz``)."""
        try:
            with self.engine.connect() as connection:
                connection.exec_driver_sql("SELECT 1")
        except SQLAlchemyError:
            return False
        return True

    def dispose(self) -> None:
        self.engine.dispose()


def open_store(url: str, *, auto_upgrade: bool | None = None) -> Store:
    """Open the database at ``url``, checking (and for SQLite, bringing) it up to date.

    ``auto_upgrade`` defaults to True for SQLite and False for anything else.
    """
    engine = make_engine(url)
    if auto_upgrade is None:
        auto_upgrade = engine.dialect.name == "sqlite"
    try:
        current = current_revision(engine)
    except OperationalError as exc:
        engine.dispose()
        raise StorageError(f"cannot reach the database: {exc.orig}") from exc
    head = head_revision()
    if current != head:
        if auto_upgrade:
            log.info("upgrading database schema from %s to %s", current or "empty", head)
            upgrade(engine)
        else:
            engine.dispose()
            raise StorageError(
                f"database schema is at {current or 'nothing'}, this version needs {head}: "
                "run `empathybot db upgrade`"
            )
    return Store(engine)


def table_names(engine: Engine) -> list[str]:
    return sorted(inspect(engine).get_table_names())
