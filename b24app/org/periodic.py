"""Decide which portals need an org sync and run those syncs (the ``org_sync`` job).

A portal is due when it was never synced, its last sync is older than the interval, or
someone asked for one (install, the admin's button: ``sync.request_sync``). A failed attempt
waits ``RETRY_AFTER`` before the next, so a broken portal is not re-read every tick.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from ..models import Portal
from .models import OrgSettings
from .settings import get_org_settings
from .sync import sync_org

if TYPE_CHECKING:
    from ..wiring import Services

log = logging.getLogger(__name__)

SYNC_INTERVAL = timedelta(hours=6)
RETRY_AFTER = timedelta(minutes=30)


def is_due(settings: OrgSettings | None, now: datetime) -> bool:
    """Return True when the portal with these org settings should be synced now."""
    if settings is None:
        return True
    requested = settings.sync_requested_at
    attempted = settings.sync_attempted_at
    if requested is not None and (attempted is None or attempted <= requested):
        return True
    stale = settings.synced_at is None or settings.synced_at <= now - SYNC_INTERVAL
    return stale and (attempted is None or attempted <= now - RETRY_AFTER)


def due_portal_ids(services: Services, now: datetime) -> list[int]:
    """Return the active portals whose org model should be synced now."""
    with services.session_factory() as session:
        rows = session.execute(
            select(Portal.id, OrgSettings)
            .outerjoin(OrgSettings, OrgSettings.portal_id == Portal.id)
            .where(Portal.status == "active").order_by(Portal.id))
        return [portal_id for portal_id, settings in rows if is_due(settings, now)]


def sync_due_portals(services: Services, now: datetime, *, limit: int = 5) -> int:
    """Sync up to ``limit`` due portals; return how many were synced successfully."""
    synced = 0
    for portal_id in due_portal_ids(services, now)[:limit]:
        with services.session_factory.begin() as session:
            get_org_settings(session, portal_id).sync_attempted_at = now
        try:
            report = sync_org(services.session_factory, services.bitrix.for_portal(portal_id),
                              portal_id, now)
        except Exception as exc:   # noqa: BLE001 - one portal must not stop the others
            log.exception("org sync of portal %s failed", portal_id)
            with services.session_factory.begin() as session:
                get_org_settings(session, portal_id).last_sync_error = (
                    f"{type(exc).__name__}: {exc}"[:2000])
            continue
        log.info("org sync of portal %s: %s", portal_id, report)
        synced += 1
    return synced
