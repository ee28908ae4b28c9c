"""Who may call us: a known portal that proves itself with its application_token.

Bitrix24 sends the application_token given at install with every event and placement POST;
comparing it is the only check possible for some events (OnAppUninstall carries no other
credential): rest-facts §9 "Verification", docs api-reference/events/safe-event-handlers.md.
"""
from __future__ import annotations

from typing import Callable, Protocol

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.orm import Session

from .bitrix.events import verify_application_token
from .models import Portal
from .portals import portal_by_member_id


class Identity(Protocol):
    """What the portal says about the user behind a token (b24app.bitrix.user_auth)."""
    @property
    def user_id(self) -> int: ...
    @property
    def is_admin(self) -> bool: ...
    @property
    def lang(self) -> str: ...
    @property
    def name(self) -> str: ...


WhoAmI = Callable[[str, str], Identity]
"""whoami(client_endpoint, access_token) → Identity; raises B24Error if the portal refuses."""


class CallerRejected(Exception):
    """The request does not come from a portal that installed the app."""


def verified_portal(session: Session, member_id: str, application_token: str,
                    require_active: bool = True) -> Portal:
    """Return the portal with ``member_id`` if ``application_token`` is its own, else raise."""
    portal = portal_by_member_id(session, member_id) if member_id else None
    if portal is None or portal.status == "uninstalled":
        raise CallerRejected("unknown portal")
    if not verify_application_token(portal.application_token, application_token):
        raise CallerRejected("application token mismatch")
    if require_active and not portal.is_active:
        raise CallerRejected("portal is not active")
    return portal


# Built once: rebuilding the WHERE clause per delivery cost more than running the query.
_PORTAL_KEY = (select(Portal.id, Portal.application_token, Portal.status)
               .where(Portal.member_id == bindparam("member_id")).limit(1))


def verified_portal_id(connection: Connection, member_id: str, application_token: str) -> int:
    """Return the id of the installed portal ``member_id`` if ``application_token`` is its own.

    The events endpoint's check: three columns on a Core connection instead of the whole row
    through the ORM (it runs per delivery). Read inside the caller's transaction, never cached,
    so an uninstall or a reinstall with a new token takes effect for the very next delivery.
    """
    row = connection.execute(_PORTAL_KEY, {"member_id": member_id}).first() if member_id else None
    if row is None or row.status == "uninstalled":
        raise CallerRejected("unknown portal")
    if not verify_application_token(row.application_token, application_token):
        raise CallerRejected("application token mismatch")
    return int(row.id)
