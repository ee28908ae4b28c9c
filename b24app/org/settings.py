"""Read and change a portal's org settings (what is a store, which positions count)."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from .models import OrgSettings
from .positions import position_key


def get_org_settings(session: Session, portal_id: int) -> OrgSettings:
    """Return the portal's org settings, adding the defaults on first use."""
    settings = session.get(OrgSettings, portal_id)
    if settings is None:
        settings = OrgSettings(portal_id=portal_id)
        session.add(settings)
        session.flush()
    return settings


def position_keys(positions: Iterable[str]) -> set[str]:
    """Return the grouping keys of configured position names."""
    return {position_key(p) for p in positions if p.strip()}

