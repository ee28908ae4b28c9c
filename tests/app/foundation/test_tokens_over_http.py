"""OAuth through the running app: a token that expires mid-run, and a 401 that never ends.

The persistent-401 test needs the sandbox to issue tokens that are born expired, so it runs
the sandbox in this process (still a real HTTP server on a free port) to change its TTL.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterator

import pytest
import requests
from sqlalchemy import select

from b24app.admin_overview import ask_for_org_sync
from b24app.models import Portal
from tests.support.live import LiveApp

sandbox_server = pytest.importorskip("sandbox.server")
from sandbox.limits import Limits  # noqa: E402
from sandbox.runtime import Sandbox  # noqa: E402
from sandbox.seed import build_portal  # noqa: E402


def the_portal(live: LiveApp) -> Portal:
    with live.services.session_factory() as session:
        portal = session.scalars(select(Portal)).one()
        session.expunge(portal)
        return portal


def ask_for_sync(live: LiveApp) -> None:
    with live.services.session_factory.begin() as session:
        ask_for_org_sync(session, live.portal_id(), live.services.clock.now())


def test_a_token_expiring_mid_run_is_refreshed_once_and_the_rotation_is_kept(installed: LiveApp) -> None:
    before = the_portal(installed)
    requests.post(installed.sandbox.control("tokens/expire"), json={}, timeout=5).raise_for_status()
    installed.sandbox.reset_stats()
    ask_for_sync(installed)
    assert installed.run_job("org_sync") == 1
    stats = installed.sandbox.stats()
    after = the_portal(installed)
    assert stats["oauth_requests"] == 1
    assert stats["rejections"].get("expired_token", 0) == 1
    assert after.status == "active"
    assert after.refresh_token != before.refresh_token and after.access_token != before.access_token
    # The rotated refresh token is the one now in force: a refresh with the old one is refused.
    old = requests.get(f"{installed.sandbox.base_url}/oauth/token/", params={
        "grant_type": "refresh_token", "client_id": installed.client_id,
        "client_secret": installed.services.settings.client_secret,
        "refresh_token": before.refresh_token}, timeout=5)
    assert old.status_code == 400 and old.json()["error"] == "invalid_grant"


@dataclass
class InProcessSandbox:
    """The same control surface as tests.support.live.SandboxProcess, served from this process."""
    server: Any

    @property
    def base_url(self) -> str:
        return str(self.server.base_url)

    def control(self, path: str) -> str:
        return f"{self.base_url}/_sandbox/{path}"

    def stats(self) -> dict[str, Any]:
        answer: dict[str, Any] = requests.get(self.control("stats"), timeout=5).json()
        return answer

    def reset_stats(self) -> None:
        requests.post(self.control("stats/reset"), timeout=5)

    def rest(self, method: str, params: dict[str, Any] | None = None, user_id: int = 1) -> Any:
        hook = requests.get(self.control("webhook"), params={"user_id": user_id}, timeout=5).json()
        return requests.post(f"{hook.get('url') or hook.get('webhook_url')}{method}",
                             json=params or {}, timeout=30).json()


@pytest.fixture
def own_sandbox() -> Iterator[InProcessSandbox]:
    sandbox = Sandbox(build_portal(stores=2, seed=7))
    server = sandbox_server.RunningServer(sandbox, "127.0.0.1", 0, Limits("off", sandbox.clock.timestamp))
    server.start()
    yield InProcessSandbox(server)
    server.stop()


def test_a_persistent_401_stops_after_one_refresh_and_flags_the_portal(
        own_sandbox: InProcessSandbox, make_services: Callable[..., Any],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.support.live import start_live_app

    live = start_live_app(own_sandbox, make_services)   # type: ignore[arg-type]
    try:
        live.install()
        live.settle()
        import sandbox.tokens
        monkeypatch.setattr(sandbox.tokens, "ACCESS_TOKEN_TTL", -60)    # every new token is born expired
        requests.post(own_sandbox.control("tokens/expire"), json={}, timeout=5).raise_for_status()
        own_sandbox.reset_stats()
        ask_for_sync(live)
        live.run_job("org_sync")
        stats = own_sandbox.stats()
        assert stats["oauth_requests"] == 1                      # one refresh ...
        assert stats["http_requests"] == 2                       # ... and one retry, no loop
        portal = the_portal(live)
        assert portal.status == "needs_admin" and "expired_token" in portal.status_reason
        for name in ("org_sync", "work_queue", "events_inbox", "portal_setup"):
            live.run_job(name)
        assert own_sandbox.stats()["http_requests"] == 2         # flagged: no more traffic
    finally:
        live.stop()
