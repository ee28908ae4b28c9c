"""Read and change a portal's org settings (what is a store, which positions count)."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import OrgDepartment, OrgSettings
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



# Department names that mark the head-office functions, for a first guess on a new portal.
HR_NAME_HINTS = ("кадр", "персонал", "hr", "human resources")
MERCH_NAME_HINTS = ("мерчендайз", "мерчандайз", "merch")


def guess_role_departments(session: Session, portal_id: int) -> None:
    """Fill empty HR/merchandising department lists from department names.

    A new portal then works out of the box (its "Отдел кадров" is HR); the admin's own
    choice on the settings page always wins, because only empty lists are filled.
    """
    settings = get_org_settings(session, portal_id)
    if settings.hr_department_ids and settings.merch_department_ids:
        return
    departments = list(session.scalars(select(OrgDepartment).where(
        OrgDepartment.portal_id == portal_id, OrgDepartment.active.is_(True))))
    if not settings.hr_department_ids:
        settings.hr_department_ids = _named(departments, HR_NAME_HINTS)
    if not settings.merch_department_ids:
        settings.merch_department_ids = _named(departments, MERCH_NAME_HINTS)


def _named(departments: Iterable[Any], hints: tuple[str, ...]) -> list[int]:
    found = []
    for dept in departments:
        words = dept.name.casefold().replace("-", " ").split()
        if any(word.startswith(hint) or hint == dept.name.casefold() for hint in hints for word in words):
            found.append(int(dept.b24_id))
    return sorted(found)


@dataclass(frozen=True)
class RolesAndStructure:
    """What the admin sets on the settings page (validated by ``update_org_settings``)."""
    stores_root_department_id: int | None
    deputy_positions: list[str]
    administrator_positions: list[str]
    hr_department_ids: list[int]
    merch_department_ids: list[int]
    excluded_department_ids: list[int]
    sender_department_ids: list[int]
    sender_positions: list[str]
    admins_may_send: bool


class OrgSettingsError(ValueError):
    """A setting names a department that does not exist; ``field`` says which."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def update_org_settings(session: Session, portal_id: int, change: RolesAndStructure) -> None:
    """Validate and apply the admin's settings, then recompute which departments are stores."""
    from .structure import recompute_structure    # local: structure reads these settings

    known = set(session.scalars(select(OrgDepartment.b24_id).where(
        OrgDepartment.portal_id == portal_id, OrgDepartment.active.is_(True))))
    for field_name in ("hr_department_ids", "merch_department_ids", "excluded_department_ids",
                       "sender_department_ids"):
        unknown = set(getattr(change, field_name)) - known
        if unknown:
            raise OrgSettingsError(field_name, f"unknown departments: {sorted(unknown)}")
    if change.stores_root_department_id is not None and change.stores_root_department_id not in known:
        raise OrgSettingsError("stores_root_department_id", "unknown department")
    settings = get_org_settings(session, portal_id)
    settings.stores_root_department_id = change.stores_root_department_id
    settings.deputy_positions = _clean(change.deputy_positions)
    settings.administrator_positions = _clean(change.administrator_positions)
    settings.hr_department_ids = sorted(set(change.hr_department_ids))
    settings.merch_department_ids = sorted(set(change.merch_department_ids))
    settings.excluded_department_ids = sorted(set(change.excluded_department_ids))
    settings.sender_policy = {"admins": change.admins_may_send,
                              "department_ids": sorted(set(change.sender_department_ids)),
                              "positions": _clean(change.sender_positions)}
    recompute_structure(session, portal_id)


def _clean(names: Iterable[str]) -> list[str]:
    seen: dict[str, str] = {}
    for name in names:
        text = " ".join(name.split())
        if text:
            seen.setdefault(position_key(text), text)
    return list(seen.values())
