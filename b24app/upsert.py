"""Insert-or-ignore and insert-or-update that work on both SQLite and PostgreSQL.

A check-then-insert races between two web workers (both see "absent", one hits the unique
constraint); ``ON CONFLICT`` lets the database settle it in one statement.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def _insert(session: Session, table: Table) -> Any:
    return _insert_for(session.get_bind().dialect.name, table)


def _insert_for(dialect: str, table: Table) -> Any:
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"no ON CONFLICT support written for {dialect}")


def insert_ignoring_conflict(executor: Session | Connection, table: Table, values: dict[str, Any],
                             conflict_columns: list[str]) -> bool:
    """Insert a row unless one with the same conflict columns exists; return True if inserted.

    Takes a Session (flushed first, as its own execute would) or a bare Core Connection (the
    events endpoint's hot path, which needs no ORM unit of work).
    """
    if isinstance(executor, Session):
        executor.flush()
        connection = executor.connection()
    else:
        connection = executor
    statement = _insert_ignoring(connection.dialect.name, table, tuple(conflict_columns))
    # RETURNING, not rowcount: with psycopg an ignored insert can report rowcount -1 (truthy).
    return connection.execute(statement, values).first() is not None


@lru_cache(maxsize=128)
def _insert_ignoring(dialect: str, table: Table, conflict_columns: tuple[str, ...]) -> Any:
    # Built once and fed bound parameters: the events endpoint runs this on every delivery,
    # and rebuilding the statement with .values() cost more than the INSERT itself.
    return (_insert_for(dialect, table).on_conflict_do_nothing(index_elements=list(conflict_columns))
            .returning(*table.primary_key.columns))


def insert_or_update(session: Session, table: Table, values: dict[str, Any],
                     conflict_columns: list[str], update_columns: list[str]) -> None:
    """Insert a row, or update ``update_columns`` of the existing one with the same key."""
    statement = _insert(session, table).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=conflict_columns,
        set_={name: statement.excluded[name] for name in update_columns})
    session.execute(statement)
