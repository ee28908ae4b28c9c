"""Fixtures shared by every test directory.

Database (real SQLite by default; PostgreSQL when TEST_DATABASE_URL is set):
- ``database_url``: a fresh database for this test, already migrated to the newest Alembic
  revision. SQLite: a file in tmp_path, copied from a template the session migrated once.
  PostgreSQL: a uniquely named schema (``search_path`` set through the URL's ``options``),
  migrated for this test and dropped afterwards. Pass it to ``Settings(database_url=...)``
  when the code under test builds its own engine.
- ``empty_database_url``: the same, but with no tables (migration tests).
- ``engine`` / ``session_factory``: on ``database_url``; disposed after the test.
- ``clock``: a ``FixedClock`` at 2026-12-04 06:00 UTC; move it with ``clock.set(...)``.
- ``portal_id``: one active portal row (member_id "test-member"); every table needs one.
- ``settings``: ``Settings`` for this test's database and instance folder.
- ``make_services(bitrix=..., **settings_changes)``: a ``Services`` on the fixtures above with
  the given Bitrix24 hub (anything with ``for_portal(portal_id)``; a real ``BitrixHub`` when
  omitted). Built services are closed after the test.
"""
from __future__ import annotations

import os
import shutil
import sys
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import pytest

# `python -m pytest` puts the project root on sys.path; plain `.venv/bin/pytest` does not.
PROJECT_ROOT = str(Path(__file__).resolve().parent.parent)
if PROJECT_ROOT not in sys.path:
    sys.path.insert(0, PROJECT_ROOT)

from sqlalchemy import Engine, text  # noqa: E402
from sqlalchemy.orm import Session, sessionmaker  # noqa: E402

from b24app.clock import FixedClock  # noqa: E402
from b24app.db import make_engine, make_session_factory  # noqa: E402
from b24app.migrate import upgrade  # noqa: E402
from b24app.models import Portal  # noqa: E402
from config.settings import Settings  # noqa: E402

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")
TEST_NOW = datetime(2026, 12, 4, 6, 0, tzinfo=timezone.utc)


def _sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def _migrated_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrate one SQLite file per session; each test copies it (fast, still migrated)."""
    path = tmp_path_factory.mktemp("template") / "migrated.sqlite3"
    upgrade(_sqlite_url(path))
    return path


def _postgres_schema_url(schema: str) -> str:
    separator = "&" if "?" in POSTGRES_URL else "?"
    return f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"


def _postgres_admin(sql: str) -> None:
    engine = make_engine(POSTGRES_URL)
    try:
        with engine.begin() as connection:
            connection.execute(text("SET lock_timeout = '10s'"))
            connection.execute(text(sql))
    finally:
        engine.dispose()


def _fresh_database(tmp_path: Path, request: pytest.FixtureRequest, migrated: bool) -> Iterator[str]:
    if POSTGRES_URL:
        schema = f"t_{uuid.uuid4().hex[:16]}"
        _postgres_admin(f'CREATE SCHEMA "{schema}"')
        url = _postgres_schema_url(schema)
        if migrated:
            upgrade(url)
        yield url
        _postgres_admin(f'DROP SCHEMA "{schema}" CASCADE')
        return
    path = tmp_path / "test.sqlite3"
    if migrated:
        template: Path = request.getfixturevalue("_migrated_sqlite_template")
        shutil.copyfile(template, path)
    yield _sqlite_url(path)


@pytest.fixture
def database_url(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    yield from _fresh_database(tmp_path, request, migrated=True)


@pytest.fixture
def empty_database_url(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    yield from _fresh_database(tmp_path, request, migrated=False)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session_factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(TEST_NOW)


@pytest.fixture
def portal_id(session_factory: sessionmaker[Session], clock: FixedClock) -> int:
    with session_factory.begin() as session:
        portal = Portal(member_id="test-member", domain="test.bitrix24.ru", auth_kind="webhook",
                        webhook_url="http://127.0.0.1:9/rest/1/test/", status="active",
                        installed_at=clock.now(), updated_at=clock.now())
        session.add(portal)
        session.flush()
        return portal.id


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=database_url, secret_key="test-secret",
                    instance_dir=tmp_path / "instance")


@pytest.fixture
def make_services(settings: Settings, engine: Engine, session_factory: sessionmaker[Session],
                  clock: FixedClock) -> Iterator[Callable[..., Any]]:
    from b24app.wiring import Services

    built: list[Services] = []

    def make(bitrix: Any = None, **settings_changes: Any) -> Services:
        own = replace(settings, **settings_changes)
        if bitrix is None:
            from b24app.bitrix.hub import BitrixHub
            bitrix = BitrixHub(own, session_factory, clock)
        services = Services(own, engine, session_factory, clock, bitrix)
        built.append(services)
        return services

    yield make
    for services in built:
        close = getattr(services.bitrix, "close", None)
        if close is not None:
            close()
