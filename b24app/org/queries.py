"""Questions routines ask the org model: stores, managers, deputies, superiors, positions.

Everything reads the synced copy, never Bitrix24, so a routine resolves people at the
moment it creates a task (architecture principle 5). Only active users and departments count.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import OrgDepartment, OrgMembership, OrgUser
from .settings import get_org_settings, position_keys
from .structure import path_ids
from .timezones import FALLBACK_TIME_ZONE


@dataclass(frozen=True)
class PositionHolder:
    """A holder of a position in one store."""
    store_id: int
    user: OrgUser


def department(session: Session, portal_id: int, b24_id: int) -> OrgDepartment | None:
    """Return an active department by its Bitrix24 ID."""
    return session.scalar(select(OrgDepartment).where(
        OrgDepartment.portal_id == portal_id, OrgDepartment.active.is_(True),
        OrgDepartment.b24_id == b24_id))


def stores(session: Session, portal_id: int, *, under: int | None = None) -> list[OrgDepartment]:
    """Return the portal's stores, optionally only those below department ``under``."""
    query = select(OrgDepartment).where(
        OrgDepartment.portal_id == portal_id, OrgDepartment.active.is_(True),
        OrgDepartment.is_store.is_(True))
    if under is not None:
        top = department(session, portal_id, under)
        if top is None:
            return []
        query = query.where(OrgDepartment.path.startswith(top.path, autoescape=True))
    return list(session.scalars(query.order_by(OrgDepartment.country, OrgDepartment.region,
                                               OrgDepartment.city, OrgDepartment.name,
                                               OrgDepartment.b24_id)))


def store(session: Session, portal_id: int, store_id: int) -> OrgDepartment | None:
    """Return one store, or None when the department is unknown or not a store."""
    dept = department(session, portal_id, store_id)
    return dept if dept is not None and dept.is_store else None


def subtree_store_ids(session: Session, portal_id: int, department_id: int) -> list[int]:
    """Return the IDs of the stores at or below a department."""
    return [s.b24_id for s in stores(session, portal_id, under=department_id)]


def user(session: Session, portal_id: int, user_id: int) -> OrgUser | None:
    """Return a synced user (active or not)."""
    return session.scalar(select(OrgUser).where(OrgUser.portal_id == portal_id,
                                                OrgUser.b24_id == user_id))


def _active_user_id(session: Session, portal_id: int, user_id: int | None) -> int | None:
    if user_id is None:
        return None
    found = user(session, portal_id, user_id)
    return user_id if found is not None and found.active else None


def store_manager(session: Session, portal_id: int, store_id: int) -> int | None:
    """Return the store's head (UF_HEAD), or None when vacant or the head was dismissed."""
    dept = department(session, portal_id, store_id)
    return None if dept is None else _active_user_id(session, portal_id, dept.head_user_id)


def store_staff(session: Session, portal_id: int, store_id: int) -> list[OrgUser]:
    """Return the active users of a department, by last and first name."""
    query = (select(OrgUser)
             .join(OrgMembership, (OrgMembership.portal_id == OrgUser.portal_id)
                   & (OrgMembership.user_b24_id == OrgUser.b24_id))
             .where(OrgUser.portal_id == portal_id, OrgUser.active.is_(True),
                    OrgMembership.department_b24_id == store_id)
             .order_by(OrgUser.last_name, OrgUser.name, OrgUser.b24_id))
    return list(session.scalars(query))


def _staff_with_positions(session: Session, portal_id: int, store_id: int,
                          positions: Collection[str]) -> list[int]:
    keys = position_keys(positions)
    manager = store_manager(session, portal_id, store_id)
    return [u.b24_id for u in store_staff(session, portal_id, store_id)
            if u.position_key in keys and u.b24_id != manager]


def store_deputies(session: Session, portal_id: int, store_id: int) -> list[int]:
    """Return the active deputies of a store (positions from the org settings)."""
    settings = get_org_settings(session, portal_id)
    return _staff_with_positions(session, portal_id, store_id, settings.deputy_positions)


def store_administrators(session: Session, portal_id: int, store_id: int) -> list[int]:
    """Return the active store administrators (positions from the org settings)."""
    settings = get_org_settings(session, portal_id)
    return _staff_with_positions(session, portal_id, store_id, settings.administrator_positions)


def superiors_chain(session: Session, portal_id: int, store_id: int) -> list[int]:
    """Return the heads of every department above the store, nearest first.

    No duplicates, no vacant posts, no dismissed heads, never the store's own manager.
    """
    dept = department(session, portal_id, store_id)
    if dept is None:
        return []
    ancestor_ids = path_ids(dept.path)[:-1]
    heads = {b24_id: head for b24_id, head in session.execute(
        select(OrgDepartment.b24_id, OrgDepartment.head_user_id).where(
            OrgDepartment.portal_id == portal_id, OrgDepartment.b24_id.in_(ancestor_ids)))}
    manager = store_manager(session, portal_id, store_id)
    chain: list[int] = []
    for ancestor in reversed(ancestor_ids):
        head = _active_user_id(session, portal_id, heads.get(ancestor))
        if head is not None and head != manager and head not in chain:
            chain.append(head)
    return chain


def departments_headed_by(session: Session, portal_id: int, user_id: int) -> list[int]:
    """Return the IDs of the active departments whose head is ``user_id``."""
    return list(session.scalars(select(OrgDepartment.b24_id).where(
        OrgDepartment.portal_id == portal_id, OrgDepartment.active.is_(True),
        OrgDepartment.head_user_id == user_id).order_by(OrgDepartment.depth,
                                                         OrgDepartment.b24_id)))


def positions(session: Session, portal_id: int) -> list[tuple[str, str, int]]:
    """Return (display name, key, holders) for each position held by active users.

    Spelling variants share a key; the display name is the most common spelling.
    """
    rows = session.execute(select(OrgUser.work_position, OrgUser.position_key).where(
        OrgUser.portal_id == portal_id, OrgUser.active.is_(True),
        OrgUser.position_key != ""))
    spellings: dict[str, Counter[str]] = {}
    for work_position, key in rows:
        spellings.setdefault(key, Counter())[" ".join(work_position.split())] += 1
    result = [(counter.most_common(1)[0][0], key, sum(counter.values()))
              for key, counter in spellings.items()]
    return sorted(result, key=lambda item: (-item[2], item[0]))


def holders_of_position(session: Session, portal_id: int, position_key: str,
                        store_ids: Sequence[int]) -> list[PositionHolder]:
    """Return the active holders of a position in the given stores, by store then user."""
    query = (select(OrgMembership.department_b24_id, OrgUser)
             .join(OrgUser, (OrgMembership.portal_id == OrgUser.portal_id)
                   & (OrgMembership.user_b24_id == OrgUser.b24_id))
             .where(OrgUser.portal_id == portal_id, OrgUser.active.is_(True),
                    OrgUser.position_key == position_key,
                    OrgMembership.department_b24_id.in_(list(store_ids)))
             .order_by(OrgMembership.department_b24_id, OrgUser.b24_id))
    return [PositionHolder(store_id, holder)
            for store_id, holder in session.execute(query)]


def user_time_zone(session: Session, portal_id: int, user_id: int) -> str:
    """Return the user's time zone; else their first store's; else Moscow."""
    found = user(session, portal_id, user_id)
    if found is None:
        return FALLBACK_TIME_ZONE
    if found.time_zone:
        return found.time_zone
    for dept_id in found.departments:
        dept = department(session, portal_id, dept_id)
        if dept is not None and dept.effective_time_zone:
            return dept.effective_time_zone
    return FALLBACK_TIME_ZONE


def store_time_zone(session: Session, portal_id: int, store_id: int) -> str:
    """Return the IANA time zone a store's schedule runs on."""
    dept = department(session, portal_id, store_id)
    if dept is None or not dept.effective_time_zone:
        return FALLBACK_TIME_ZONE
    return dept.effective_time_zone
