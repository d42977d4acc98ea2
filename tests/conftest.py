"""Shared fixtures: an isolated environment and a fresh, migrated database per test.

Storage runs on SQLite always. When ``TEST_DATABASE_URL`` names a PostgreSQL database the
``store`` fixture runs there instead (CI does this for the storage tests): one schema per
test session, migrated once and emptied between tests.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.config import normalise_database_url
from bot.store import db
from bot.store.tables import metadata

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
SECRET = b"test-secret-key-0123456789abcdef-0123456789"

requires_postgres = pytest.mark.skipif(
    not TEST_DATABASE_URL,
    reason="TEST_DATABASE_URL is not set: no PostgreSQL to test against (CI sets it)",
)


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads the developer's configuration or writes to their data directory."""
    for name in list(os.environ):
        if name.startswith(("EMPATHYBOT_", "SLACK_", "TEAMS_")) or name in {
            "DATABASE_URL",
            "LOG_LEVEL",
            "LOG_FORMAT",
            "PORT",
        }:
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = db.make_engine(f"sqlite:///{path}")
    db.upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def _postgres_schema() -> Iterator[str | None]:
    if not TEST_DATABASE_URL:
        yield None
        return
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = db.make_engine(normalise_database_url(TEST_DATABASE_URL))
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = postgres_engine(schema)
    db.upgrade(engine)
    engine.dispose()
    yield schema
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def postgres_engine(schema: str) -> Engine:
    assert TEST_DATABASE_URL
    return db.make_engine(
        normalise_database_url(TEST_DATABASE_URL),
        connect_args={"options": f"-csearch_path={schema}"},
    )


@pytest.fixture
def database_url(tmp_path: Path, _sqlite_template: Path, _postgres_schema: str | None) -> str:
    """The URL of an empty database at the newest schema (SQLite unless CI says PostgreSQL).

    For PostgreSQL the schema is selected through the connection options, which the URL
    carries as a query parameter.
    """
    if _postgres_schema is not None:
        assert TEST_DATABASE_URL
        engine = postgres_engine(_postgres_schema)
        tables = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
        with engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        engine.dispose()
        separator = "&" if "?" in TEST_DATABASE_URL else "?"
        return (
            normalise_database_url(TEST_DATABASE_URL)
            + f"{separator}options=-csearch_path%3D{_postgres_schema}"
        )
    path = tmp_path / "bot.db"
    shutil.copyfile(_sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def store(database_url: str) -> Iterator[db.Store]:
    opened = db.open_store(database_url)
    yield opened
    opened.dispose()


@pytest.fixture
def session(store: db.Store) -> Iterator[Session]:
    """A session on a fresh database; committed changes are visible to other sessions."""
    with store.session() as opened:
        yield opened
