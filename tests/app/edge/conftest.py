"""Fixtures for the app's edge: the real app served over HTTP, the sandbox portal beside it.

- ``sandbox``: ``python -m sandbox serve --stores 3 --limits off`` in a subprocess (per module).
- ``live_app``: the real Flask app (app.create_app) on a free port, registered as a local app
  on the sandbox (install URL ``/install``, main page ``/app/``), with a fresh database and
  the FixedClock. ``live_app.install()`` makes the sandbox POST the documented install.
- ``known_portal``: a portal row with a known application_token, for tests that need no sandbox.
"""
from __future__ import annotations

from typing import Any, Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

from b24app.clock import FixedClock
from b24app.models import Portal
from b24app.wiring import Services
from tests.support.live import LiveApp, SandboxProcess, start_live_app

__all__ = ["APPLICATION_TOKEN", "MEMBER_ID", "LiveApp", "build_app"]

APPLICATION_TOKEN = "a" * 32
MEMBER_ID = "edge-member"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxProcess]:
    handle = SandboxProcess.start(stores=3, timeout=60)
    yield handle
    handle.stop()


def build_app(services: Services) -> Flask:
    """The real app (app.create_app) on ``services``."""
    from app import create_app

    return create_app(services.settings, services)


@pytest.fixture
def make_live_app(sandbox: SandboxProcess, make_services: Callable[..., Services]) -> Iterator[Callable[..., LiveApp]]:
    started: list[LiveApp] = []

    def make(configure: Callable[[Flask], None] | None = None, **settings_changes: Any) -> LiveApp:
        live = start_live_app(sandbox, make_services, configure, **settings_changes)
        started.append(live)
        return live

    yield make
    for live in started:
        live.stop()


@pytest.fixture
def live_app(make_live_app: Callable[..., LiveApp]) -> LiveApp:
    return make_live_app()


@pytest.fixture
def known_portal(session_factory: sessionmaker[Session], clock: FixedClock) -> int:
    """An active OAuth portal whose application_token is APPLICATION_TOKEN."""
    with session_factory.begin() as session:
        portal = Portal(member_id=MEMBER_ID, domain="edge.bitrix24.ru", auth_kind="oauth",
                        client_endpoint="http://127.0.0.1:9/rest/", access_token="stored-access",
                        refresh_token="stored-refresh", application_token=APPLICATION_TOKEN,
                        status="active", installed_at=clock.now(), updated_at=clock.now())
        session.add(portal)
        session.flush()
        return portal.id


@pytest.fixture
def app_client(make_services: Callable[..., Services]) -> FlaskClient:
    """The real app with no sandbox behind it (for verification paths that never call out)."""
    services = make_services(app_base_url="http://127.0.0.1:9")
    return build_app(services).test_client()
