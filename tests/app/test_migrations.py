"""Migrations build the schema the models describe, on SQLite and on PostgreSQL."""
from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from b24app.db import make_engine
from b24app.migrate import alembic_config, upgrade
from b24app.schema import metadata


def test_upgrade_head_builds_every_table_and_matches_the_models(empty_database_url: str) -> None:
    upgrade(empty_database_url)
    engine = make_engine(empty_database_url)
    try:
        with engine.connect() as connection:
            tables = set(inspect(connection).get_table_names())
            assert set(metadata.tables) <= tables
            context = MigrationContext.configure(connection, opts={
                "compare_type": True,
                "render_as_batch": connection.dialect.name == "sqlite"})
            assert compare_metadata(context, metadata) == []
            heads = ScriptDirectory.from_config(alembic_config()).get_heads()
            assert set(context.get_current_heads()) == set(heads)
    finally:
        engine.dispose()


def test_upgrade_twice_is_harmless(empty_database_url: str) -> None:
    upgrade(empty_database_url)
    upgrade(empty_database_url)
    engine = make_engine(empty_database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection)
            heads = ScriptDirectory.from_config(alembic_config()).get_heads()
            assert list(context.get_current_heads()) == heads
            assert compare_metadata(MigrationContext.configure(connection, opts={
                "compare_type": True,
                "render_as_batch": connection.dialect.name == "sqlite"}), metadata) == []
    finally:
        engine.dispose()


def test_every_revision_descends_from_the_one_base() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    revisions: list[Any] = list(script.walk_revisions())
    assert [r.revision for r in revisions if r.down_revision is None] == ["0001"]


def test_the_history_is_one_line_with_one_head() -> None:
    """A new revision goes on top of the current head, never beside it (no merge revisions)."""
    assert len(ScriptDirectory.from_config(alembic_config()).get_heads()) == 1
