"""The composition root shared by the web app, the worker and the CLI."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from config.settings import Settings

from .bitrix.hub import BitrixHub
from .clock import Clock, SystemClock
from .db import make_engine, make_session_factory


@dataclass
class Services:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    clock: Clock
    bitrix: BitrixHub

    def close(self) -> None:
        self.bitrix.close()
        self.engine.dispose()


def build_services(settings: Settings, clock: Clock | None = None) -> Services:
    """Build the engine, session factory, Bitrix24 clients and clock from settings."""
    settings.instance_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database_url)
    session_factory = make_session_factory(engine)
    clock = clock or SystemClock()
    hub = BitrixHub(settings, session_factory, clock)
    return Services(settings, engine, session_factory, clock, hub)
