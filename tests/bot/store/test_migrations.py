"""Migrations build the schema the models describe, on SQLite and on PostgreSQL."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Engine

from bot.config import normalise_database_url
from bot.errors import StorageError
from bot.store import db
from bot.store.tables import metadata
from tests.conftest import TEST_DATABASE_URL, postgres_engine, requires_postgres

pytestmark = pytest.mark.storage


def _differences(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))


def _check_fresh_upgrade(engine: Engine) -> None:
    assert db.current_revision(engine) is None
    db.upgrade(engine)
    assert db.current_revision(engine) == db.head_revision()
    assert set(db.table_names(engine)) >= {table.name for table in metadata.sorted_tables}
    assert _differences(engine) == []


def test_sqlite_empty_database_upgrades_to_head_and_matches_models(tmp_path: Path) -> None:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    _check_fresh_upgrade(engine)
    engine.dispose()


def test_sqlite_downgrade_to_base_and_back(tmp_path: Path) -> None:
    from alembic import command

    engine = db.make_engine(f"sqlite:///{tmp_path / 'roundtrip.db'}")
    db.upgrade(engine)
    command.downgrade(db.alembic_config(engine), "base")
    assert db.table_names(engine) == ["alembic_version"]
    db.upgrade(engine)
    assert _differences(engine) == []
    engine.dispose()


@requires_postgres
def test_postgres_empty_database_upgrades_to_head_and_matches_models() -> None:
    assert TEST_DATABASE_URL
    schema = f"mig_{uuid.uuid4().hex[:12]}"
    admin = db.make_engine(normalise_database_url(TEST_DATABASE_URL))
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        engine = postgres_engine(schema)
        _check_fresh_upgrade(engine)
        engine.dispose()
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def test_sqlite_is_upgraded_automatically_when_opened(tmp_path: Path) -> None:
    store = db.open_store(f"sqlite:///{tmp_path / 'auto.db'}")
    assert db.current_revision(store.engine) == db.head_revision()
    store.dispose()


def test_a_database_behind_is_refused_without_auto_upgrade(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'behind.db'}"
    with pytest.raises(StorageError, match="empathybot db upgrade"):
        db.open_store(url, auto_upgrade=False)


def test_unreachable_database_is_a_clear_error() -> None:
    with pytest.raises(StorageError, match="cannot reach the database"):
        db.open_store("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")
