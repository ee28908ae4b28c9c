"""Looking up portals: the active ones, one by member_id, and the webhook-mode portal."""
from __future__ import annotations

from datetime import datetime
from urllib.parse import urlparse

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Portal


def active_portals(session: Session) -> list[Portal]:
    """Return every portal whose jobs should run."""
    return list(session.scalars(select(Portal).where(Portal.status == "active").order_by(Portal.id)))


def portal_by_member_id(session: Session, member_id: str) -> Portal | None:
    return session.scalars(select(Portal).where(Portal.member_id == member_id)).first()


def ensure_webhook_portal(session: Session, webhook_url: str, now: datetime) -> Portal:
    """Return the portal row for an inbound-webhook connection, creating it once.

    A webhook carries no member_id, so the portal is keyed by its host; the row exists so
    that every table can still be keyed by portal in webhook mode.
    """
    host = urlparse(webhook_url).netloc
    member_id = f"webhook:{host}"
    portal = portal_by_member_id(session, member_id)
    if portal is None:
        portal = Portal(member_id=member_id, domain=host, auth_kind="webhook",
                        webhook_url=webhook_url, status="active", installed_at=now, updated_at=now)
        session.add(portal)
        session.flush()
    elif portal.webhook_url != webhook_url:
        portal.webhook_url = webhook_url
        portal.updated_at = now
    return portal
