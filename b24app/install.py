"""Install and uninstall: keep one Portal row per Bitrix24 account, keyed by member_id.

Two documented install shapes reach the app (rest-facts §9 "Tokens and OAuth"):
- an "API only" local app gets a server-to-server ONAPPINSTALL POST (``auth[...]`` fields);
- an app with UI is first opened by an admin: a placement POST with ``PLACEMENT=DEFAULT`` and
  ``AUTH_ID``/``REFRESH_ID``/``APPLICATION_TOKEN``/``member_id``. Until that page calls
  ``BX24.installFinish()`` Bitrix24 delivers no events and shows no widgets, so the page
  rendered for it calls ``installFinish`` (templates/install/finish.html).
Either way the portal is stored first; binding events and placements is left to the
``portal_setup`` job (no transaction is ever held across a Bitrix24 call), and an org sync is
requested.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Mapping

from sqlalchemy import update
from sqlalchemy.orm import Session

from .bitrix.errors import B24Error
from .bitrix.events import InstallPayload, PlacementPayload, verify_application_token
from .callers import WhoAmI
from .install_models import PortalSetup
from .models import InboundEvent, Portal
from .org.settings import get_org_settings
from .portals import portal_by_member_id
from .workqueue.models import CANCELLED, PENDING, WorkItem

if TYPE_CHECKING:
    from .wiring import Services

# Bitrix24 access tokens live one hour (rest-facts §9 "Token refresh").
DEFAULT_TOKEN_LIFETIME = timedelta(seconds=3600)


@dataclass(frozen=True)
class InstallGrant:
    """What an install POST grants the app, whichever shape it came in."""
    member_id: str
    domain: str
    client_endpoint: str
    server_endpoint: str
    access_token: str
    refresh_token: str
    expires_at: datetime | None
    application_token: str
    scopes: str
    user_id: int | None
    language: str
    version: int | None
    via_page: bool               # True: the UI app's first opening (needs installFinish)

    def __repr__(self) -> str:   # never show tokens
        return f"InstallGrant(member_id={self.member_id!r}, domain={self.domain!r}, via_page={self.via_page})"


class InstallRejected(Exception):
    """The install POST is incomplete or could not be proven genuine."""


def grant_from_install_event(payload: InstallPayload, now: datetime) -> InstallGrant:
    """Return the grant of an ONAPPINSTALL POST ("uses API only" apps)."""
    return InstallGrant(
        member_id=payload.member_id, domain=payload.domain, client_endpoint=payload.client_endpoint,
        server_endpoint=payload.server_endpoint, access_token=payload.access_token,
        refresh_token=payload.refresh_token,
        expires_at=_expiry(payload.expires, payload.expires_in, now),
        application_token=payload.application_token, scopes=payload.scope, user_id=payload.user_id,
        language=payload.language, version=payload.version, via_page=False)


def grant_from_install_page(payload: PlacementPayload, https: bool, now: datetime) -> InstallGrant:
    """Return the grant of a UI app's first opening (placement POST with PLACEMENT=DEFAULT).

    The page POST names no REST endpoint; it is built from DOMAIN and PROTOCOL (1 = https),
    rest-facts §9 "Application page POST".
    """
    if not (payload.domain and payload.refresh_id and payload.application_token):
        raise InstallRejected("install page opened without tokens")
    scheme = "https" if https else "http"
    return InstallGrant(
        member_id=payload.member_id, domain=payload.domain,
        client_endpoint=f"{scheme}://{payload.domain}/rest/", server_endpoint=payload.server_endpoint,
        access_token=payload.auth_id, refresh_token=payload.refresh_id,
        expires_at=_expiry(None, payload.auth_expires, now),
        application_token=payload.application_token, scopes="", user_id=None,
        language=payload.lang, version=None, via_page=True)


def stored_endpoint_to_prove_against(session: Session, grant: InstallGrant) -> str | None:
    """Return the stored client endpoint when this grant must first be proven, else None.

    A new member_id, or the same application_token as stored, needs no proof. A *different*
    application_token for a known portal is either a reinstall whose uninstall event was lost
    (Bitrix24 never re-sends events) or a forgery trying to take the portal over; the caller
    settles it by asking the real portal, at the endpoint stored earlier, whether the new
    token belongs to one of its admins.
    """
    portal = portal_by_member_id(session, grant.member_id)
    if portal is None or portal.status == "uninstalled" or not portal.client_endpoint:
        return None
    if verify_application_token(portal.application_token, grant.application_token):
        return None
    return portal.client_endpoint


def accept_install(services: Services, grant: InstallGrant, now: datetime, whoami: WhoAmI) -> int:
    """Store the portal of an install POST and return its id; raise InstallRejected if unproven.

    1. Decide whether the grant needs proof (short read).
    2. If so, ask the real portal, with no transaction open.
    3. Store the portal (short write) and drop the Bitrix24 client's cached credentials.
    """
    with services.session_factory() as session:
        endpoint = stored_endpoint_to_prove_against(session, grant)
    if endpoint is not None:
        try:
            identity = whoami(endpoint, grant.access_token)
        except B24Error:
            raise InstallRejected("the portal does not confirm this installation") from None
        if not identity.is_admin:
            raise InstallRejected("the installing user is not a portal admin")
    with services.session_factory.begin() as session:
        portal_id = register_install(session, grant, now).id
    services.bitrix.forget(portal_id)
    return portal_id


def register_install(session: Session, grant: InstallGrant, now: datetime) -> Portal:
    """Create or refresh the portal of ``grant`` and schedule binding and an org sync."""
    portal = portal_by_member_id(session, grant.member_id)
    if portal is None:
        portal = Portal(member_id=grant.member_id, installed_at=now)
        session.add(portal)
    elif portal.status == "uninstalled":
        portal.installed_at = now
    portal.domain = grant.domain or portal.domain
    portal.auth_kind = "oauth"
    portal.client_endpoint = grant.client_endpoint
    portal.server_endpoint = grant.server_endpoint or portal.server_endpoint
    portal.access_token = grant.access_token
    portal.refresh_token = grant.refresh_token
    portal.expires_at = grant.expires_at
    portal.application_token = grant.application_token
    portal.scopes = grant.scopes or portal.scopes
    portal.status = "active"
    portal.status_reason = ""
    portal.installed_by = grant.user_id if grant.user_id is not None else portal.installed_by
    portal.language = (grant.language or portal.language or "ru")[:8]
    if grant.version is not None:
        portal.app_version = grant.version
    portal.updated_at = now
    session.flush()
    request_binding(session, portal.id, grant.version)
    get_org_settings(session, portal.id).sync_requested_at = now
    return portal


def request_binding(session: Session, portal_id: int, version: int | None = None) -> None:
    """Mark the portal's event handlers and placements for (re)binding by the setup job."""
    setup = session.get(PortalSetup, portal_id)
    if setup is None:
        session.add(PortalSetup(portal_id=portal_id, needs_binding=True, attempts=0, last_error=""))
    else:
        setup.needs_binding = True
        setup.attempts = 0
    if version is not None:
        portal = session.get(Portal, portal_id)
        if portal is not None:
            portal.app_version = version
    session.flush()


def uninstall(session: Session, portal: Portal, now: datetime) -> None:
    """Deactivate the portal: forget its tokens, cancel its pending work, drop pending events.

    Jobs skip portals that are not active, so nothing more runs for it.
    """
    portal.status = "uninstalled"
    portal.status_reason = "the app was uninstalled from the portal"
    portal.access_token = ""
    portal.refresh_token = ""
    portal.updated_at = now
    session.execute(update(WorkItem).where(WorkItem.portal_id == portal.id, WorkItem.status == PENDING)
                    .values(status=CANCELLED, updated_at=now, last_error="portal uninstalled"))
    session.execute(update(InboundEvent).where(InboundEvent.portal_id == portal.id,
                                               InboundEvent.status == "pending")
                    .values(status="ignored", processed_at=now, error="portal uninstalled"))
    session.flush()


def _expiry(expires: int | None, expires_in: int | None, now: datetime) -> datetime:
    if expires:
        return datetime.fromtimestamp(expires, tz=now.tzinfo)
    return now + (timedelta(seconds=expires_in) if expires_in else DEFAULT_TOKEN_LIFETIME)

