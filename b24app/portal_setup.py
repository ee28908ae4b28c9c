"""The setup step after install: bind events and placements, with no transaction held open.

A portal is due when its binding was requested (install, ONAPPUPDATE, an admin reopening the
install page) or when its last check is older than ``RECHECK_EVERY``: the check is one batch
request, and it repairs an update whose ONAPPUPDATE never arrived (Bitrix24 does not re-send).
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from .bindings import BindingFailed, bind_portal
from .bitrix.errors import B24Error
from .install_models import PortalSetup
from .models import Portal

if TYPE_CHECKING:
    from .wiring import Services

log = logging.getLogger(__name__)
RECHECK_EVERY = timedelta(hours=6)


def due_portal_ids(session: Session, now: datetime, max_attempts: int, limit: int) -> list[int]:
    """Return active OAuth portals whose bindings must be made or checked now."""
    stale = now - RECHECK_EVERY
    query = (select(Portal.id).outerjoin(PortalSetup, PortalSetup.portal_id == Portal.id)
             .where(Portal.status == "active", Portal.auth_kind == "oauth")
             .where(or_(PortalSetup.portal_id.is_(None),
                        PortalSetup.checked_at.is_(None),
                        PortalSetup.checked_at < stale,
                        PortalSetup.needs_binding.is_(True) & (PortalSetup.attempts < max_attempts)))
             .order_by(Portal.id).limit(limit))
    return list(session.scalars(query))


def run_portal_setup(services: Services, now: datetime, limit: int = 20) -> int:
    """Bind what is missing on each due portal; return how many portals were handled.

    1. Pick the due portals (short read).
    2. For each: read and fix its bindings through Bitrix24 (no transaction open).
    3. Record the outcome (short write).
    """
    settings = services.settings
    if not settings.app_base_url and settings.events_mode == "online":
        return 0     # no public address to bind handlers to (webhook-only set-up)
    with services.session_factory() as session:
        portal_ids = due_portal_ids(session, now, settings.max_attempts, limit)
    for portal_id in portal_ids:
        error = ""
        version: int | None = None
        try:
            version = bind_portal(services.bitrix.for_portal(portal_id), settings).app_version
        except (BindingFailed, B24Error) as exc:
            error = f"{type(exc).__name__}: {exc}"[:2000]
            log.warning("binding events and placements failed for portal %s: %s", portal_id, error)
        _record(services, portal_id, now, error, version)
    return len(portal_ids)


def _record(services: Services, portal_id: int, now: datetime, error: str, version: int | None) -> None:
    with services.session_factory.begin() as session:
        setup = session.get(PortalSetup, portal_id)
        if setup is None:
            setup = PortalSetup(portal_id=portal_id, needs_binding=True, attempts=0, last_error="")
            session.add(setup)
        setup.checked_at = now
        if error:
            setup.attempts = (setup.attempts or 0) + 1
            setup.last_error = error
            return
        setup.needs_binding = False
        setup.attempts = 0
        setup.last_error = ""
        setup.bound_version = version
        portal = session.get(Portal, portal_id)
        if portal is not None and version is not None:
            portal.app_version = version
