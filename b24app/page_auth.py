"""Page sessions that work inside the Bitrix24 iframe, where third-party cookies may be blocked.

Every app page is first opened by a placement POST (LEFT_MENU, TASK_VIEW_TAB, DEFAULT). The
app checks that it comes from a known portal (member_id + APPLICATION_TOKEN, constant-time),
asks that portal who the user behind AUTH_ID is (``user.current`` + ``user.admin``, at the
endpoint stored at install, never one named in the request), and then issues a signed,
short-lived page token. The token travels in every link and form (``t=...``) instead of a
cookie. State-changing forms also carry a CSRF token derived from the page token (HMAC), so a
page token leaked through a URL is not enough to post a form.

The placement's AUTH_ID itself is never stored or logged (the Bitrix24 widget docs say so).
"""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Mapping

from itsdangerous import BadData, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from .bitrix.auth import NEEDS_ADMIN
from .bitrix.errors import B24Error
from .bitrix.events import PlacementPayload
from .callers import CallerRejected, WhoAmI, verified_portal
from .clock import Clock
from .models import Portal

if TYPE_CHECKING:
    from .wiring import Services

PAGE_TOKEN_FIELD = "t"
CSRF_FIELD = "csrf"
_SALT = "storeops.page-session"


class PageTokenInvalid(Exception):
    """The page token is missing, forged or malformed."""


class PageTokenExpired(PageTokenInvalid):
    """The page token was genuine but is older than its time to live."""


@dataclass(frozen=True)
class PageSession:
    """Who opened the page, as the portal told us at the placement POST."""
    portal_id: int
    user_id: int
    is_admin: bool
    lang: str
    name: str = ""


def is_placement_post(form: Mapping[str, str]) -> bool:
    """Return True if a POST is a Bitrix24 placement opening rather than one of our forms."""
    return bool(form.get("AUTH_ID")) and bool(form.get("member_id"))


def open_page_session(services: Services, opening: PlacementPayload, now: datetime,
                      whoami: WhoAmI) -> PageSession:
    """Verify a placement POST and identify its user; raise CallerRejected if either fails.

    1. The portal must be known and APPLICATION_TOKEN its own (short read).
    2. The portal, at its stored endpoint, must accept AUTH_ID (no transaction open).
    3. If the portal was flagged because its tokens died and the caller is an admin, the
       admin's fresh tokens revive it (short write): "an admin must reopen the app".
    """
    with services.session_factory() as session:
        portal = verified_portal(session, opening.member_id, opening.application_token,
                                 require_active=False)
        portal_id, endpoint, portal_lang = portal.id, portal.client_endpoint, portal.language
        flagged = portal.status == NEEDS_ADMIN
    try:
        identity = whoami(endpoint, opening.auth_id)
    except B24Error as exc:
        raise CallerRejected(f"the portal did not accept the caller ({type(exc).__name__})") from None
    if flagged and identity.is_admin and opening.refresh_id:
        _revive(services, portal_id, opening, now)
    return PageSession(portal_id=portal_id, user_id=int(identity.user_id),
                       is_admin=bool(identity.is_admin),
                       lang=opening.lang or identity.lang or portal_lang, name=identity.name)


def _revive(services: Services, portal_id: int, opening: PlacementPayload, now: datetime) -> None:
    with services.session_factory.begin() as session:
        portal = session.get(Portal, portal_id)
        if portal is None or portal.status != NEEDS_ADMIN:
            return
        portal.access_token = opening.auth_id
        portal.refresh_token = opening.refresh_id
        portal.expires_at = now + timedelta(seconds=opening.auth_expires or 3600)
        portal.status = "active"
        portal.status_reason = ""
        portal.updated_at = now
    services.bitrix.forget(portal_id)


class PageTokens:
    """Issue and read signed page tokens; derive and check CSRF tokens from them."""

    def __init__(self, secret_key: str, ttl_seconds: int, clock: Clock) -> None:
        self._secret = secret_key.encode()
        self._ttl = ttl_seconds

        class ClockSigner(TimestampSigner):
            # itsdangerous reads time.time(); the app's clock lets tests expire tokens.
            def get_timestamp(self) -> int:
                return int(clock.now().timestamp())

        self._serializer = URLSafeTimedSerializer(secret_key, salt=_SALT, signer=ClockSigner)

    def issue(self, session: PageSession) -> str:
        """Return a signed token for ``session``, valid for the configured time to live."""
        return str(self._serializer.dumps(asdict(session)))

    def read(self, token: str) -> PageSession:
        """Return the session in ``token``; raise PageTokenExpired or PageTokenInvalid."""
        if not token:
            raise PageTokenInvalid("no page token")
        try:
            data = self._serializer.loads(token, max_age=self._ttl)
        except SignatureExpired:
            raise PageTokenExpired("page token expired") from None
        except BadData:
            raise PageTokenInvalid("page token is not genuine") from None
        try:
            return PageSession(portal_id=int(data["portal_id"]), user_id=int(data["user_id"]),
                               is_admin=bool(data["is_admin"]), lang=str(data["lang"]),
                               name=str(data.get("name", "")))
        except (KeyError, TypeError, ValueError):
            raise PageTokenInvalid("page token has an unexpected shape") from None

    def csrf_token(self, page_token: str) -> str:
        """Return the CSRF token that forms of this page session must carry."""
        return hmac.new(self._secret, b"csrf:" + page_token.encode(), hashlib.sha256).hexdigest()

    def csrf_valid(self, page_token: str, given: str) -> bool:
        """Return True if ``given`` is the CSRF token of ``page_token`` (constant time)."""
        return bool(given) and hmac.compare_digest(self.csrf_token(page_token), given)
