"""Fixtures for sandbox tests: a real threaded sandbox server on a free port.

Use ``sandbox_server`` directly (a small seeded portal, limits off), parametrize it
indirectly (``@pytest.mark.parametrize("sandbox_server", [{"limits": "standard"}], indirect=True)``
with keys ``stores``, ``seed``, ``limits``, ``portal``, ``clock``), or call ``start_sandbox(...)`` for
several servers in one test. ``receiver`` is a local HTTP server that records what the sandbox
POSTs to it (installs, events).
"""
from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
import requests

# `python -m pytest` puts the project root on sys.path; plain `.venv/bin/pytest` does not.
PROJECT_ROOT = str(Path(__file__).resolve().parents[2])
if PROJECT_ROOT not in sys.path:
    sys.path.insert(0, PROJECT_ROOT)

from sandbox.clock import PORTAL_TZ, SandboxClock
from sandbox.limits import Limits
from sandbox.runtime import Sandbox
from sandbox.server import RunningServer, ServerContext
from sandbox.state import App, Department, Portal, User, Webhook  # noqa: E402
from tests.sandbox.receiver import Receiver

ADMIN_WEBHOOK_CODE = "adminhooktest0001"


def minimal_portal() -> Portal:
    """A tiny portal (one admin, one employee, one department) for tests that need no seed."""
    portal = Portal(member_id="0123456789abcdef0123456789abcdef", domain="sandbox.bitrix24.test")
    registered = datetime(2020, 1, 1, tzinfo=PORTAL_TZ)
    portal.departments[1] = Department(id=1, name="DEMO", parent=None, sort=500, head=1)
    portal.users[1] = User(id=1, email="admin@example.com", name="John", last_name="Doe",
                           departments=[1], is_admin=True, date_register=registered)
    portal.users[2] = User(id=2, email="employee@example.com", name="Maria", last_name="Ivanova",
                           departments=[1], work_position="Продавец-консультант",
                           date_register=registered)
    portal.next_ids.update({"department": 1, "user": 2})
    portal.webhooks[ADMIN_WEBHOOK_CODE] = Webhook(code=ADMIN_WEBHOOK_CODE, user_id=1, scopes=[])
    return portal


def seeded_or_minimal_portal(stores: int, seed: int) -> Portal:
    """The S3 seed when it is importable, else the minimal portal."""
    if importlib.util.find_spec("sandbox.seed") is not None:
        from sandbox.seed import build_portal
        return build_portal(stores=stores, seed=seed)
    return minimal_portal()


def add_app(portal: Portal, scopes: list[str], client_id: str = "local.test0001.00000001") -> App:
    """Register an installed local app directly in the portal (for OAuth tests)."""
    app = App(client_id=client_id, client_secret="secret-" + client_id, code=client_id,
              install_url="http://127.0.0.1:9/install", handler_base="http://127.0.0.1:9/",
              scopes=scopes, application_token="apptoken-" + client_id, installed=True)
    with portal.lock:
        portal.apps[client_id] = app
    return app


class FrozenClock(SandboxClock):
    """A sandbox clock that moves only through set/advance (deterministic limit tests)."""

    def __init__(self, start: float = 1_767_225_600.0) -> None:   # 2026-01-01T00:00:00Z
        super().__init__()
        self._frozen_at = start

    def timestamp(self) -> float:
        return self._frozen_at + self.offset

    def set(self, instant: datetime) -> None:
        self.advance(instant.timestamp() - self.timestamp())


@dataclass
class SandboxHandle:
    """A running sandbox server and shortcuts to its URLs."""
    server: RunningServer

    @property
    def base_url(self) -> str:
        return self.server.base_url

    @property
    def sandbox(self) -> Sandbox:
        return self.server.sandbox

    @property
    def portal(self) -> Portal:
        return self.server.sandbox.portal

    @property
    def context(self) -> ServerContext:
        return self.server.context

    @property
    def admin_webhook(self) -> str:
        """The admin webhook base URL, ending in "/" (append a method name)."""
        return self.context.webhook_url(self.context.admin_webhook())

    @property
    def rest_url(self) -> str:
        return f"{self.base_url}/rest/"

    def webhook(self, user_id: int, scopes: list[str] | None = None) -> str:
        return self.context.webhook_url(self.context.create_webhook(user_id, list(scopes or [])))

    def control(self, path: str) -> str:
        return f"{self.base_url}/_sandbox/{path.lstrip('/')}"

    def stats(self) -> dict[str, Any]:
        answer: dict[str, Any] = requests.get(self.control("stats"), timeout=10).json()
        return answer


StartSandbox = Callable[..., SandboxHandle]


@pytest.fixture
def start_sandbox() -> Iterator[StartSandbox]:
    """Start sandbox servers on free ports; all are stopped after the test."""
    running: list[RunningServer] = []

    def start(portal: Portal | None = None, *, stores: int = 2, seed: int = 7,
              limits: str = "off", clock: SandboxClock | None = None) -> SandboxHandle:
        chosen = portal if portal is not None else seeded_or_minimal_portal(stores, seed)
        sandbox = Sandbox(chosen, clock=clock)
        server = RunningServer(sandbox, "127.0.0.1", 0, Limits(limits, sandbox.clock.timestamp))
        server.start()
        running.append(server)
        return SandboxHandle(server)

    yield start
    for server in running:
        server.stop()


@pytest.fixture
def sandbox_server(request: pytest.FixtureRequest, start_sandbox: StartSandbox) -> SandboxHandle:
    """One running sandbox; parametrize indirectly with stores/seed/limits/portal."""
    options: dict[str, Any] = dict(getattr(request, "param", None) or {})
    return start_sandbox(**options)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A local HTTP receiver for the sandbox's install and event POSTs; stopped after the test."""
    server = Receiver().start()
    yield server
    server.stop()
