"""Alembic environment: one metadata (b24app.schema) for SQLite and PostgreSQL.

The connection comes from, in order: ``config.attributes["connection"]`` (set by
b24app.migrate and the tests), ``sqlalchemy.url`` in the config, or the app's settings
(DATABASE_URL). SQLite needs ``render_as_batch`` because it cannot ALTER most things.
"""
from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import Connection

from b24app.db import UtcDateTime, make_engine
from b24app.schema import metadata

config = context.config


def _render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Write UtcDateTime as plain DateTime(timezone=True): revisions must not import app code."""
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _database_url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from config.settings import load_settings
    return load_settings().database_url


def _configure(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=metadata,
                      render_as_batch=connection.dialect.name == "sqlite",
                      compare_type=True, render_item=_render_item)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    context.configure(url=_database_url(), target_metadata=metadata, literal_binds=True,
                      render_as_batch=_database_url().startswith("sqlite"),
                      dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        return
    engine = make_engine(_database_url())
    try:
        with engine.begin() as new_connection:
            _configure(new_connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
