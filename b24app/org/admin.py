"""Admin edits to the org model: store overrides and time zones."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import OrgDepartment
from .structure import recompute_structure
from .timezones import is_valid_time_zone


def set_store_override(session: Session, portal_id: int, department_id: int,
                       is_store: bool | None) -> None:
    """Force a department to be (or not be) a store; None returns it to the rule."""
    _department(session, portal_id, department_id).store_override = is_store
    recompute_structure(session, portal_id)


def set_store_time_zone(session: Session, portal_id: int, department_id: int,
                        time_zone: str | None) -> None:
    """Set a store's time zone by hand; None returns it to the default by city."""
    if time_zone is not None and not is_valid_time_zone(time_zone):
        raise ValueError(f"unknown time zone {time_zone!r}")
    _department(session, portal_id, department_id).time_zone_override = time_zone


def _department(session: Session, portal_id: int, department_id: int) -> OrgDepartment:
    dept = session.scalar(select(OrgDepartment).where(
        OrgDepartment.portal_id == portal_id, OrgDepartment.b24_id == department_id))
    if dept is None:
        raise LookupError(f"department {department_id} is not in the org model")
    return dept
