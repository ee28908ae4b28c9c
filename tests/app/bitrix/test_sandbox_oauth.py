"""OAuth against the sandbox over HTTP: refresh mid-run, and a persistent 401 that stops.

The sandbox runs in-process here (a real threaded HTTP server on a free port) because an app
must be registered in the portal's state to get OAuth tokens.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable, Iterator

import pytest
import requests
from sqlalchemy.orm import Session, sessionmaker

from b24app.bitrix.errors import PortalUnavailable
from b24app.models import Portal
from config.settings import Settings

sandbox_server = pytest.importorskip("sandbox.server")
from sandbox.limits import Limits  # noqa: E402
from sandbox.runtime import Sandbox  # noqa: E402
from sandbox.seed import build_portal  # noqa: E402
from sandbox.state import App  # noqa: E402

CLIENT_ID = "local.storeops.test"


@pytest.fixture
def oauth_sandbox() -> Iterator[Any]:
    portal = build_portal(stores=2, seed=7)
    portal.apps[CLIENT_ID] = App(client_id=CLIENT_ID, client_secret="secret", code=CLIENT_ID,
                                 install_url="http://127.0.0.1:9/install", handler_base="http://127.0.0.1:9/",
                                 scopes=["user", "task", "department"], application_token="app-token",
                                 installed=True)
    sandbox = Sandbox(portal)
    server = sandbox_server.RunningServer(sandbox, "127.0.0.1", 0, Limits("off", sandbox.clock.timestamp))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def oauth_portal(oauth_sandbox: Any, session_factory: sessionmaker[Session], portal_id: int) -> int:
    base = oauth_sandbox.base_url
    code = requests.post(f"{base}/_sandbox/auth-code", json={"client_id": CLIENT_ID, "user_id": 1},
                         timeout=5).json()["code"]
    tokens = requests.get(f"{base}/oauth/token/", params={
        "grant_type": "authorization_code", "client_id": CLIENT_ID, "client_secret": "secret",
        "code": code}, timeout=5).json()
    with session_factory.begin() as session:
        row = session.get(Portal, portal_id)
        assert row is not None
        row.auth_kind, row.webhook_url = "oauth", ""
        row.client_endpoint = tokens["client_endpoint"]
        row.access_token, row.refresh_token = tokens["access_token"], tokens["refresh_token"]
    return portal_id


@pytest.fixture
def oauth_hub(oauth_sandbox: Any, make_hub: Callable[..., Any]) -> Any:
    return make_hub(client_id=CLIENT_ID, client_secret="secret",
                    oauth_url=f"{oauth_sandbox.base_url}/oauth/token/")


def stats(server: Any) -> dict[str, Any]:
    answer: dict[str, Any] = requests.get(f"{server.base_url}/_sandbox/stats", timeout=5).json()
    return answer


def row_of(session_factory: sessionmaker[Session], portal_id: int) -> Portal:
    with session_factory() as session:
        row = session.get(Portal, portal_id)
        assert row is not None
        return row


def test_token_expiry_mid_run_refreshes_once_and_retries(oauth_sandbox: Any, oauth_portal: int, oauth_hub: Any,
                                                        session_factory: sessionmaker[Session]) -> None:
    client = oauth_hub.for_portal(oauth_portal)
    before = row_of(session_factory, oauth_portal)
    oauth_before = stats(oauth_sandbox)["oauth_requests"]
    assert client.call("user.current")["ID"] == "1"
    requests.post(f"{oauth_sandbox.base_url}/_sandbox/tokens/expire", json={}, timeout=5).raise_for_status()
    users = client.list_all("user.get")
    assert len(users) == client.call_page("user.get").total
    after = row_of(session_factory, oauth_portal)
    assert stats(oauth_sandbox)["oauth_requests"] - oauth_before == 1
    assert after.refresh_token != before.refresh_token and after.access_token != before.access_token
    assert after.status == "active"


def test_persistent_401_stops_after_exactly_one_refresh(oauth_sandbox: Any, oauth_portal: int, oauth_hub: Any,
                                                        session_factory: sessionmaker[Session],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import sandbox.tokens
    monkeypatch.setattr(sandbox.tokens, "ACCESS_TOKEN_TTL", -60)   # every new token is born expired
    requests.post(f"{oauth_sandbox.base_url}/_sandbox/tokens/expire", json={}, timeout=5)
    start = stats(oauth_sandbox)
    before = start["http_requests"]
    client = oauth_hub.for_portal(oauth_portal)
    with pytest.raises(PortalUnavailable):
        client.call("user.current")
    after = stats(oauth_sandbox)
    assert after["oauth_requests"] - start["oauth_requests"] == 1 and after["http_requests"] - before == 2
    row = row_of(session_factory, oauth_portal)
    assert row.status == "needs_admin" and "expired_token" in row.status_reason
    with pytest.raises(PortalUnavailable):                          # flagged: no more traffic
        client.call("user.current")
    assert stats(oauth_sandbox)["http_requests"] - before == 2


def test_foreign_token_flags_without_refreshing(oauth_sandbox: Any, oauth_portal: int, oauth_hub: Any,
                                                session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        row = session.get(Portal, oauth_portal)
        assert row is not None
        row.access_token = "not-a-token-of-this-portal"
    start = stats(oauth_sandbox)["oauth_requests"]
    with pytest.raises(PortalUnavailable):
        oauth_hub.for_portal(oauth_portal).call("user.current")
    assert stats(oauth_sandbox)["oauth_requests"] == start
    assert row_of(session_factory, oauth_portal).status == "needs_admin"


def test_whoami_uses_the_callers_auth_id(oauth_sandbox: Any, oauth_portal: int,
                                         session_factory: sessionmaker[Session]) -> None:
    from b24app.bitrix.errors import AuthFailed
    from b24app.bitrix.user_auth import whoami
    row = row_of(session_factory, oauth_portal)
    me = whoami(row.client_endpoint, row.access_token, timeout=5)
    assert me.user_id == 1 and me.is_admin and me.name
    with pytest.raises(AuthFailed):
        whoami(row.client_endpoint, "forged", timeout=5)
