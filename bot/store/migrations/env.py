"""Alembic environment: runs on the engine the bot passes in ``config.attributes``.

For ``alembic revision --autogenerate`` during development, the engine comes from
``DATABASE_URL`` through the bot's own settings.
"""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from sqlalchemy.engine import Engine

from bot.store import tables
from bot.store.tables import metadata
from bot.store.types import UTCDateTime

config = context.config


def _engine() -> Engine:
    engine = config.attributes.get("engine")
    if isinstance(engine, Engine):
        return engine
    from bot.config import load_settings
    from bot.store.db import make_engine

    return make_engine(load_settings().resolved_database_url)


def _render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Render our own column types by their importable path in generated migrations."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        autogen_context.imports.add("import bot.store.types")
        return "bot.store.types.UTCDateTime()"
    return False


def run_migrations_online() -> None:
    engine = _engine()
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            render_item=_render_item,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run against a database")
run_migrations_online()
