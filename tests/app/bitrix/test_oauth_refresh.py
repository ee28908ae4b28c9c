"""OAuth refresh against a faked token endpoint (``responses``): once, persisted, never a loop."""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Mapping

import pytest
import responses
from sqlalchemy.orm import Session, sessionmaker

from b24app.bitrix.auth import PortalAuth
from b24app.bitrix.errors import PortalUnavailable, TokenExpired
from b24app.clock import FixedClock
from b24app.models import Portal
from config.settings import Settings

OAUTH_URL = "https://oauth.example.test/oauth/token/"


@pytest.fixture
def auth(portal_id: int, settings: Settings, session_factory: sessionmaker[Session],
         clock: FixedClock) -> PortalAuth:
    with session_factory.begin() as session:
        portal = session.get(Portal, portal_id)
        assert portal is not None
        portal.auth_kind, portal.webhook_url = "oauth", ""
        portal.client_endpoint = "https://portal.example.test/rest/"
        portal.access_token, portal.refresh_token = "old-access", "refresh-1"
    own = replace(settings, client_id="local.app.1", client_secret="s3cret", oauth_url=OAUTH_URL)
    return PortalAuth(portal_id, own, session_factory, clock)


def portal_row(session_factory: sessionmaker[Session], portal_id: int) -> Portal:
    with session_factory() as session:
        portal = session.get(Portal, portal_id)
        assert portal is not None
        return portal


class TokenCheckingPortal:
    """Accepts only ``valid`` tokens; anything else gets 401 expired_token."""

    def __init__(self, *valid: str) -> None:
        self.valid = set(valid)
        self.tokens_seen: list[str] = []

    def __call__(self, base_url: str, method: str, body: Mapping[str, Any]) -> Any:
        self.tokens_seen.append(body["auth"])
        if body["auth"] not in self.valid:
            raise TokenExpired("expired_token", "The access token provided has expired.", 401)
        return {"result": {"ID": "1"}, "time": {}}


@responses.activate
def test_expired_token_refreshes_once_persists_rotation_and_retries(
        auth: PortalAuth, session_factory: sessionmaker[Session], make_client: Any) -> None:
    responses.get(OAUTH_URL, json={"access_token": "new-access", "refresh_token": "refresh-2",
                                   "expires": 1_900_000_000, "expires_in": 3600,
                                   "client_endpoint": "https://portal.example.test/rest/"})
    portal = TokenCheckingPortal("new-access")
    assert make_client(auth, portal).call("user.current") == {"ID": "1"}

    assert portal.tokens_seen == ["old-access", "new-access"]
    assert len(responses.calls) == 1
    sent = responses.calls[0].request.url or ""
    assert "grant_type=refresh_token" in sent and "refresh_token=refresh-1" in sent and "client_id=local.app.1" in sent
    row = portal_row(session_factory, auth.portal_id)
    assert (row.access_token, row.refresh_token, row.status) == ("new-access", "refresh-2", "active")
    assert row.expires_at is not None and int(row.expires_at.timestamp()) == 1_900_000_000


@responses.activate
def test_invalid_grant_flags_the_portal_and_stops(auth: PortalAuth, session_factory: sessionmaker[Session],
                                                  make_client: Any) -> None:
    responses.get(OAUTH_URL, status=400, json={"error": "invalid_grant"})
    portal = TokenCheckingPortal()
    with pytest.raises(PortalUnavailable):
        make_client(auth, portal).call("user.current")
    assert len(responses.calls) == 1 and portal.tokens_seen == ["old-access"]
    row = portal_row(session_factory, auth.portal_id)
    assert row.status == "needs_admin" and "invalid_grant" in row.status_reason
    assert row.refresh_token == "refresh-1"


@responses.activate
def test_a_second_401_after_refresh_flags_instead_of_looping(
        auth: PortalAuth, session_factory: sessionmaker[Session], make_client: Any) -> None:
    responses.get(OAUTH_URL, json={"access_token": "new-access", "refresh_token": "refresh-2", "expires_in": 3600})
    portal = TokenCheckingPortal()       # rejects every token
    with pytest.raises(PortalUnavailable):
        make_client(auth, portal, attempts=5).call("user.current")
    assert len(responses.calls) == 1
    assert portal.tokens_seen == ["old-access", "new-access"]
    assert portal_row(session_factory, auth.portal_id).status == "needs_admin"


@responses.activate
def test_token_refreshed_elsewhere_is_reused_without_asking_the_oauth_server(
        auth: PortalAuth, session_factory: sessionmaker[Session], make_client: Any) -> None:
    client = make_client(auth, TokenCheckingPortal("other-process-token"))
    auth.current()                          # cache "old-access" as this process knows it
    with session_factory.begin() as session:
        row = session.get(Portal, auth.portal_id)
        assert row is not None
        row.access_token, row.refresh_token = "other-process-token", "refresh-9"
    assert client.call("user.current") == {"ID": "1"}
    assert len(responses.calls) == 0
    assert portal_row(session_factory, auth.portal_id).refresh_token == "refresh-9"


@responses.activate
def test_unreachable_oauth_server_is_transient_and_does_not_flag(
        auth: PortalAuth, session_factory: sessionmaker[Session], make_client: Any) -> None:
    from b24app.bitrix.errors import B24TransportError
    responses.get(OAUTH_URL, status=502, body="bad gateway")
    with pytest.raises(B24TransportError):
        make_client(auth, TokenCheckingPortal()).call("user.current")
    assert portal_row(session_factory, auth.portal_id).status == "active"
