"""Fixtures for the Bitrix24 client tests: a scripted transport and (below) a real sandbox."""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable, Iterator, Mapping

import pytest
from sqlalchemy.orm import Session, sessionmaker
from urllib.parse import parse_qsl

from b24app.bitrix.auth import PortalAuth
from b24app.bitrix.client import PortalClient
from b24app.bitrix.hub import BitrixHub
from b24app.bitrix.limiter import RateBudget, RetryPolicy
from b24app.clock import FixedClock
from b24app.models import Portal
from config.settings import Settings
from tests.support.live import SandboxProcess


class FakeBatchPortal:
    """Answers ``batch`` like Bitrix24: each command gets ``{"key", "params"}`` or an error."""

    def __init__(self, failing: set[str] | None = None) -> None:
        self.failing = failing or set()
        self.requests: list[tuple[str, str, dict[str, Any]]] = []

    def __call__(self, base_url: str, method: str, body: Mapping[str, Any]) -> Any:
        self.requests.append((base_url, method, dict(body)))
        assert method == "batch"
        results: dict[str, Any] = {}
        errors: dict[str, Any] = {}
        for key, command in body["cmd"].items():
            if key in self.failing:
                errors[key] = {"error": "ERROR_CORE", "error_description": f"{key} refused<br>"}
                continue
            _, _, query = command.partition("?")
            results[key] = {"key": key, "id": f"id-{key}", "params": dict(parse_qsl(query))}
        return {"result": {"result": results or [], "result_error": errors or [],
                           "result_total": [], "result_next": [], "result_time": []},
                "time": {"start": 0}}


def _make_client(auth: PortalAuth, send: Callable[[str, str, Mapping[str, Any]], Any],
                attempts: int = 3, sleeps: list[float] | None = None) -> PortalClient:
    recorded = sleeps if sleeps is not None else []
    return PortalClient(auth.portal_id, auth, send, RateBudget(10_000, 10_000.0),
                        RetryPolicy(max_attempts=attempts, base_delay=0.01, max_delay=0.02,
                                    operating_wait_cap=0.05),
                        sleep=recorded.append)


@pytest.fixture
def make_client() -> Callable[..., PortalClient]:
    """Build a PortalClient on a scripted ``send``: make_client(auth, send, attempts=3, sleeps=[])."""
    return _make_client


@pytest.fixture
def fake_batch_portal() -> Callable[..., FakeBatchPortal]:
    """Build a FakeBatchPortal(failing={...})."""
    return FakeBatchPortal


# -- a real sandbox portal ------------------------------------------------------------------


@pytest.fixture(scope="module")
def sandbox_processes() -> Iterator[Callable[[str], SandboxProcess]]:
    """Get a sandbox per limits mode (started on first use, one per module), faults and stats cleared."""
    started: dict[str, SandboxProcess] = {}

    def get(limits: str) -> SandboxProcess:
        if limits not in started:
            started[limits] = SandboxProcess.start(stores=5, limits=limits, timeout=30)
        handle = started[limits]
        handle.clear_faults()
        handle.reset_stats()
        return handle

    yield get
    for handle in started.values():
        handle.stop()


@pytest.fixture
def sandbox_off(sandbox_processes: Callable[[str], SandboxProcess]) -> SandboxProcess:
    """A sandbox with limits off; faults and stats cleared for this test."""
    return sandbox_processes("off")


@pytest.fixture
def sandbox_standard(sandbox_processes: Callable[[str], SandboxProcess]) -> SandboxProcess:
    """A sandbox with the standard plan's bucket (50, 2/s); faults and stats cleared for this test."""
    return sandbox_processes("standard")


@pytest.fixture
def make_hub(settings: Settings, session_factory: sessionmaker[Session],
             clock: FixedClock) -> Iterator[Callable[..., BitrixHub]]:
    """Build a BitrixHub with fast retries: make_hub(attempts=3, **settings_changes)."""
    hubs: list[BitrixHub] = []

    def make(attempts: int = 3, **changes: Any) -> BitrixHub:
        own = replace(settings, **changes)
        hub = BitrixHub(own, session_factory, clock,
                        retry_policy=RetryPolicy(max_attempts=attempts, base_delay=0.01, max_delay=0.05,
                                                 operating_wait_cap=0.1))
        hubs.append(hub)
        return hub

    yield make
    for hub in hubs:
        hub.close()


def point_portal_at(session_factory: sessionmaker[Session], portal_id: int, webhook_url: str) -> None:
    """Make the test portal row a webhook portal on ``webhook_url``."""
    with session_factory.begin() as session:
        portal = session.get(Portal, portal_id)
        assert portal is not None
        portal.auth_kind, portal.webhook_url = "webhook", webhook_url


@pytest.fixture
def point_portal(session_factory: sessionmaker[Session], portal_id: int) -> Callable[[str], int]:
    """point_portal(webhook_url) → the test portal's id, now a webhook portal on that URL."""

    def point(webhook_url: str) -> int:
        point_portal_at(session_factory, portal_id, webhook_url)
        return portal_id

    return point


@pytest.fixture
def webhook_portal(sandbox_off: SandboxProcess, session_factory: sessionmaker[Session], portal_id: int) -> int:
    """The test portal row pointed at the admin webhook of the limits-off sandbox."""
    point_portal_at(session_factory, portal_id, sandbox_off.info()["admin_webhook_url"])
    return portal_id
