"""Insert-or-ignore and insert-or-update that work on both SQLite and PostgreSQL.

A check-then-insert races between two web workers (both see "absent", one hits the unique
constraint); ``ON CONFLICT`` lets the database settle it in one statement.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def _insert(session: Session, table: Table) -> Any:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"no ON CONFLICT support written for {dialect}")


def insert_ignoring_conflict(session: Session, table: Table, values: dict[str, Any],
                             conflict_columns: list[str]) -> bool:
    """Insert a row unless one with the same conflict columns exists; return True if inserted."""
    statement = _insert(session, table).values(**values).on_conflict_do_nothing(
        index_elements=conflict_columns)
    result = session.execute(statement)
    return bool(getattr(result, "rowcount", 0))


def insert_or_update(session: Session, table: Table, values: dict[str, Any],
                     conflict_columns: list[str], update_columns: list[str]) -> None:
    """Insert a row, or update ``update_columns`` of the existing one with the same key."""
    statement = _insert(session, table).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=conflict_columns,
        set_={name: statement.excluded[name] for name in update_columns})
    session.execute(statement)
