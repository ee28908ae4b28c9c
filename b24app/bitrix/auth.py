"""Credentials of one portal: the stored OAuth tokens (or webhook URL), refresh, flagging.

Refresh rules (rest-facts §9 "Token refresh"; fast-bitrix24.md §2 on why not ``token_func``):
- refresh only after ``401 expired_token``, once per call, then retry once;
- Bitrix24 rotates the refresh token on every refresh, so the new pair is written to the
  ``portal`` row before it is used, under a per-portal ``threading.Lock`` (threads) and a
  row lock (processes): ``SELECT … FOR UPDATE`` on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite;
- if the row already holds a different access token, another thread or process refreshed
  first: that token is used and the OAuth server is not asked again;
- ``invalid_grant`` (or any OAuth error), a second 401, or any other 401 flags the portal
  ``needs_admin`` and raises ``PortalUnavailable``: an admin must reopen the app. Never a loop.
The token request is a GET with query parameters, as documented and as the official SDK
does; urllib3's DEBUG request line (which would show the query) is scrubbed.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import requests
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from config.settings import Settings

from ..clock import Clock
from ..db import write_lock
from ..models import Portal
from .errors import B24Error, B24TransportError, PortalUnavailable
from .transport import scrub

log = logging.getLogger(__name__)
NEEDS_ADMIN = "needs_admin"


@dataclass(frozen=True)
class Credentials:
    """What one request needs: the base URL and, for OAuth, the access token."""
    base_url: str
    access_token: str = ""

    @property
    def is_oauth(self) -> bool:
        return bool(self.access_token)


class _ScrubQuery(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = scrub(record.getMessage()), None
        return True


def scrub_urllib3_log() -> None:
    """Keep OAuth query strings (client_secret, refresh_token) out of urllib3's DEBUG lines."""
    logger = logging.getLogger("urllib3.connectionpool")
    if not any(isinstance(f, _ScrubQuery) for f in logger.filters):
        logger.addFilter(_ScrubQuery())


class PortalAuth:
    """Reads, refreshes and persists the credentials of one portal row."""

    def __init__(self, portal_id: int, settings: Settings, sessions: sessionmaker[Session],
                 clock: Clock) -> None:
        self.portal_id = portal_id
        self.settings = settings
        self.sessions = sessions
        self.clock = clock
        self._lock = threading.Lock()
        self._credentials: Credentials | None = None

    def current(self) -> Credentials:
        """Return the credentials to use; raise PortalUnavailable if the portal is flagged."""
        cached = self._credentials
        if cached is not None:
            return cached
        with self.sessions() as session:
            portal = self._load(session)
            credentials = self._credentials_of(portal)
        self._credentials = credentials
        return credentials

    def forget(self) -> None:
        """Drop the cached credentials (the row changed, e.g. the app was reinstalled)."""
        self._credentials = None

    def _load(self, session: Session) -> Portal:
        portal = session.get(Portal, self.portal_id)
        if portal is None:
            raise PortalUnavailable(f"portal {self.portal_id} is not known")
        if portal.status != "active":
            raise PortalUnavailable(f"portal {self.portal_id} is {portal.status}: {portal.status_reason}")
        return portal

    def _credentials_of(self, portal: Portal) -> Credentials:
        if portal.auth_kind == "webhook":
            url = portal.webhook_url or self.settings.webhook_url
            if not url:
                raise PortalUnavailable(f"portal {self.portal_id} has no webhook URL")
            return Credentials(url)
        if not portal.client_endpoint or not portal.access_token:
            raise PortalUnavailable(f"portal {self.portal_id} has no OAuth tokens")
        return Credentials(portal.client_endpoint, portal.access_token)

    def refresh_after(self, failed: Credentials) -> Credentials:
        """Get a working token after ``failed`` got 401 expired_token; refresh at most once."""
        with self._lock:
            with self.sessions() as session:
                portal = self._lock_row(session)
                if portal.status != "active":
                    raise PortalUnavailable(f"portal {self.portal_id} is {portal.status}")
                if portal.access_token and portal.access_token != failed.access_token:
                    fresh = self._credentials_of(portal)     # someone else refreshed already
                    session.rollback()
                else:
                    fresh = self._refresh_locked(session, portal)
            self._credentials = fresh
            return fresh

    def _lock_row(self, session: Session) -> Portal:
        if session.get_bind().dialect.name == "sqlite":
            # SQLite has no row locks; taking the write lock now makes a second process wait
            # here (busy timeout) instead of refreshing too.
            write_lock(session)
            portal = session.get(Portal, self.portal_id, populate_existing=True)
        else:
            portal = session.scalars(
                select(Portal).where(Portal.id == self.portal_id).with_for_update()).first()
        if portal is None:
            raise PortalUnavailable(f"portal {self.portal_id} is not known")
        return portal

    def _refresh_locked(self, session: Session, portal: Portal) -> Credentials:
        try:
            answer = self._ask_oauth_server(portal.refresh_token)
        except PortalUnavailable as exc:
            self._flag(session, portal, str(exc))
            raise
        portal.access_token = str(answer["access_token"])
        portal.refresh_token = str(answer.get("refresh_token") or portal.refresh_token)
        portal.expires_at = self._expiry(answer)
        if answer.get("client_endpoint"):
            portal.client_endpoint = str(answer["client_endpoint"])
        if answer.get("server_endpoint"):
            portal.server_endpoint = str(answer["server_endpoint"])
        portal.updated_at = self.clock.now()
        credentials = self._credentials_of(portal)
        session.commit()
        log.info("refreshed the access token of portal %s", self.portal_id)
        return credentials

    def _ask_oauth_server(self, refresh_token: str) -> dict[str, Any]:
        if not refresh_token:
            raise PortalUnavailable("no refresh token stored")
        params = {"grant_type": "refresh_token", "client_id": self.settings.client_id,
                  "client_secret": self.settings.client_secret, "refresh_token": refresh_token}
        try:
            response = requests.get(self.settings.oauth_url, params=params,
                                    timeout=self.settings.request_timeout_seconds)
        except requests.RequestException as exc:
            raise B24TransportError(scrub(f"OAuth server unreachable: {type(exc).__name__}")) from None
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code >= 500 and not (isinstance(body, dict) and body.get("error")):
            raise B24TransportError(f"OAuth server answered HTTP {response.status_code}")
        if not isinstance(body, dict) or body.get("error") or not body.get("access_token"):
            code = str(body.get("error") if isinstance(body, dict) else f"HTTP_{response.status_code}")
            raise PortalUnavailable(f"token refresh refused: {code}")
        return body

    def _expiry(self, answer: dict[str, Any]) -> datetime:
        expires = answer.get("expires")
        if isinstance(expires, (int, float)) and expires > 0:
            return datetime.fromtimestamp(float(expires), tz=timezone.utc)
        return self.clock.now() + timedelta(seconds=float(answer.get("expires_in") or 3600))

    def flag(self, reason: str) -> None:
        """Mark the portal ``needs_admin`` so that jobs stop and admins see why."""
        with self._lock:
            with self.sessions() as session:
                portal = session.get(Portal, self.portal_id)
                if portal is not None:
                    self._flag(session, portal, reason)

    def _flag(self, session: Session, portal: Portal, reason: str) -> None:
        portal.status = NEEDS_ADMIN
        portal.status_reason = scrub(reason)[:500]
        portal.updated_at = self.clock.now()
        session.commit()
        self._credentials = None
        log.warning("portal %s flagged for the admin: %s", self.portal_id, portal.status_reason)


def unavailable(portal_id: int, error: B24Error) -> PortalUnavailable:
    """Wrap an auth failure in the error callers see."""
    return PortalUnavailable(f"portal {portal_id} rejected our credentials ({error}); "
                             "an admin must reopen the app")
