"""Apply rows read from Bitrix24 to the org tables (inside the caller's transaction).

Rows arrive in the wire format of department.get and user.get (rest-facts §8): IDs as
strings, ``UF_DEPARTMENT`` as a list of ints, ``UF_HEAD`` possibly missing or "0" (vacant).
Only changed columns are written, so a resync of 20,000 unchanged users touches nothing.
"""
from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from .models import OrgDepartment, OrgMembership, OrgUser
from .positions import position_key

if TYPE_CHECKING:
    from .sync import SyncReport


def _int_or_none(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number or None


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _departments_of(row: Mapping[str, Any]) -> list[int]:
    raw = row.get("UF_DEPARTMENT") or []
    if not isinstance(raw, list):
        raw = [raw]
    return sorted({number for number in (_int_or_none(v) for v in raw) if number is not None})


def department_fields(row: Mapping[str, Any]) -> dict[str, Any]:
    """Map a department.get row to OrgDepartment columns."""
    return {"name": _text(row.get("NAME")), "parent_b24_id": _int_or_none(row.get("PARENT")),
            "head_user_id": _int_or_none(row.get("UF_HEAD")),
            "sort": _int_or_none(row.get("SORT")) or 500, "active": True}


def user_fields(row: Mapping[str, Any]) -> dict[str, Any]:
    """Map a user.get row to OrgUser columns."""
    work_position = _text(row.get("WORK_POSITION"))
    return {"active": row.get("ACTIVE") not in (False, "N", "0", 0),
            "name": _text(row.get("NAME")), "last_name": _text(row.get("LAST_NAME")),
            "second_name": _text(row.get("SECOND_NAME")), "email": _text(row.get("EMAIL")),
            "work_position": work_position, "position_key": position_key(work_position),
            "departments": _departments_of(row), "time_zone": _text(row.get("TIME_ZONE")),
            "personal_mobile": _text(row.get("PERSONAL_MOBILE")),
            "personal_birthday": _text(row.get("PERSONAL_BIRTHDAY"))[:10],
            "employment_date": _text(row.get("UF_EMPLOYMENT_DATE"))[:10]}


def _update(obj: object, fields: Mapping[str, Any]) -> bool:
    changed = False
    for name, value in fields.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def apply_departments(session: Session, portal_id: int, rows: Iterable[Mapping[str, Any]],
                      now: datetime, report: SyncReport, *, complete: bool) -> None:
    """Upsert departments; with ``complete`` (a full list) mark the missing ones deleted."""
    existing = {d.b24_id: d for d in session.scalars(
        select(OrgDepartment).where(OrgDepartment.portal_id == portal_id))}
    seen: set[int] = set()
    for row in rows:
        b24_id = _int_or_none(row.get("ID"))
        if b24_id is None:
            continue
        seen.add(b24_id)
        fields = department_fields(row)
        dept = existing.get(b24_id)
        if dept is None:
            session.add(OrgDepartment(portal_id=portal_id, b24_id=b24_id, synced_at=now, **fields))
            report.departments_added += 1
        elif _update(dept, fields):
            report.departments_changed += 1
        if dept is not None:
            dept.synced_at = now
    if complete:
        for b24_id, dept in existing.items():
            if dept.active and b24_id not in seen:
                dept.active = False
                dept.is_store = False
                report.departments_removed += 1
    session.flush()


def apply_users(session: Session, portal_id: int, rows: Iterable[Mapping[str, Any]],
                now: datetime, report: SyncReport, *,
                deactivate_others: Collection[int] | None) -> None:
    """Upsert users; deactivate those not listed (all, or only ``deactivate_others``)."""
    existing = {u.b24_id: u for u in session.scalars(
        select(OrgUser).where(OrgUser.portal_id == portal_id))}
    seen: set[int] = set()
    for row in rows:
        b24_id = _int_or_none(row.get("ID"))
        if b24_id is None:
            continue
        seen.add(b24_id)
        fields = user_fields(row)
        found = existing.get(b24_id)
        if found is None:
            session.add(OrgUser(portal_id=portal_id, b24_id=b24_id, synced_at=now, **fields))
            report.users_added += 1
        else:
            if _update(found, fields):
                report.users_changed += 1
            found.synced_at = now
    candidates = existing.keys() if deactivate_others is None else deactivate_others
    for b24_id in candidates:
        user = existing.get(b24_id)
        if user is not None and user.active and b24_id not in seen:
            user.active = False
            user.synced_at = now
            report.users_deactivated += 1
    session.flush()


def replace_memberships(session: Session, portal_id: int, rows: Iterable[Mapping[str, Any]], *,
                        scope: int | None) -> None:
    """Make memberships match the listed active users (all, or the members of ``scope``)."""
    wanted = {(dept, int(row["ID"])) for row in rows if user_fields(row)["active"]
              for dept in _departments_of(row)}
    query = select(OrgMembership.department_b24_id, OrgMembership.user_b24_id).where(
        OrgMembership.portal_id == portal_id)
    if scope is not None:
        affected = {user for _, user in wanted} | set(session.scalars(
            select(OrgMembership.user_b24_id).where(OrgMembership.portal_id == portal_id,
                                                    OrgMembership.department_b24_id == scope)))
        query = query.where(OrgMembership.user_b24_id.in_(affected))
    current = {(dept, user) for dept, user in session.execute(query)}
    for dept, user in current - wanted:
        session.execute(delete(OrgMembership).where(
            OrgMembership.portal_id == portal_id, OrgMembership.department_b24_id == dept,
            OrgMembership.user_b24_id == user))
    added = [{"portal_id": portal_id, "department_b24_id": dept, "user_b24_id": user}
             for dept, user in wanted - current]
    if added:
        session.execute(insert(OrgMembership), added)
