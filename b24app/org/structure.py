"""Derive depth, path, store flag, country/region/city and time zone from stored departments.

Run after every sync and after an admin changes the org settings; it reads only the
database. Levels are counted from the portal's root: with the default level names a
department at depth 1 is a country, 2 a region, 3 a city, 4 a store.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import OrgDepartment, OrgSettings
from .settings import get_org_settings
from .timezones import default_time_zone


def recompute_structure(session: Session, portal_id: int) -> None:
    """Recompute the derived columns of every department of the portal."""
    settings = get_org_settings(session, portal_id)
    departments = list(session.scalars(select(OrgDepartment).where(
        OrgDepartment.portal_id == portal_id, OrgDepartment.active.is_(True))))
    by_id = {d.b24_id: d for d in departments}
    children: dict[int | None, list[OrgDepartment]] = {}
    for dept in departments:
        parent = dept.parent_b24_id if dept.parent_b24_id in by_id else None
        children.setdefault(parent, []).append(dept)
    _walk(children, settings)
    store_root = settings.stores_root_department_id
    excluded = set(settings.hr_department_ids) | set(settings.merch_department_ids) | set(
        settings.excluded_department_ids)
    for dept in departments:
        ancestors = set(path_ids(dept.path))
        rule = (not children.get(dept.b24_id)
                and dept.depth >= settings.min_store_depth
                and (store_root is None or (store_root in ancestors and store_root != dept.b24_id))
                and not excluded.intersection(ancestors))
        dept.is_store = rule if dept.store_override is None else dept.store_override
        dept.time_zone = default_time_zone(dept.city, dept.country)


def _walk(children: dict[int | None, list[OrgDepartment]], settings: OrgSettings) -> None:
    """Set depth, path and level names top-down from the roots."""
    level_names = list(settings.level_names)
    stack: list[tuple[OrgDepartment, int, str, dict[str, str]]] = [
        (root, 0, "/", {}) for root in children.get(None, [])]
    while stack:
        dept, depth, parent_path, levels = stack.pop()
        dept.depth = depth
        dept.path = f"{parent_path}{dept.b24_id}/"
        levels = dict(levels)
        if depth < len(level_names):
            levels[level_names[depth]] = dept.name
        dept.country = levels.get("country", "")
        dept.region = levels.get("region", "")
        dept.city = levels.get("city", "")
        stack.extend((child, depth + 1, dept.path, levels)
                     for child in children.get(dept.b24_id, []))


def path_ids(path: str) -> list[int]:
    """Return the department IDs of a materialised path, root first."""
    return [int(part) for part in path.strip("/").split("/") if part]
