"""Run Alembic migrations from code (``python app.py db upgrade``, the demo, the tests)."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine

from .db import make_engine

ROOT = Path(__file__).resolve().parent.parent


def alembic_config(database_url: str = "") -> Config:
    """Return the Alembic config of this repository, pointed at ``database_url``."""
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    if database_url:
        # ConfigParser treats % as interpolation; URLs may contain %-escapes.
        config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "heads") -> None:
    """Upgrade the database at ``database_url`` to the newest revision."""
    engine = make_engine(database_url)
    try:
        upgrade_engine(engine, revision)
    finally:
        engine.dispose()


def upgrade_engine(engine: Engine, revision: str = "heads") -> None:
    """Upgrade the database behind ``engine`` (keeps its connect arguments, e.g. a schema)."""
    with engine.begin() as connection:
        upgrade_connection(connection, revision)


def upgrade_connection(connection: Connection, revision: str = "heads") -> None:
    """Upgrade through an open connection; the caller commits."""
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)
