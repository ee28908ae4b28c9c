"""Settings and pools as the admin page edits them, and which stores a pool covers today.

Stores and managers come from the synced org model when the week's tasks are planned
(architecture principle 5), so a new manager gets the next week's task.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..org.models import OrgDepartment, OrgUser
from ..org.queries import stores
from ..org.structure import path_ids
from ..org.timezones import valid_time_zones
from .models import MODE_CITY, MODE_SELECTION, MerchPool, MerchSettings

DEFAULT_PROJECT_NAME = "Мерчендайзинг: фотоотчёты"
DEFAULT_TIME_ZONE = "Europe/Moscow"
@dataclass(frozen=True)
class PoolStore:
    """A store of a pool as the tree needs it."""
    store_id: int
    name: str
    city_id: int
    city_name: str
    manager_id: int | None


@dataclass(frozen=True)
class City:
    id: int
    name: str
    stores: int


def get_settings(session: Session, portal_id: int) -> MerchSettings:
    """Return the portal's settings row, creating it with defaults on first use."""
    row = session.get(MerchSettings, portal_id)
    if row is None:
        row = MerchSettings(portal_id=portal_id, project_name=DEFAULT_PROJECT_NAME,
                            send_weekday=0, send_time="09:00", deadline_weekday=3,
                            deadline_time="18:00")
        session.add(row)
        session.flush()
    return row


def _department_names(session: Session, portal_id: int) -> dict[int, tuple[str, bool]]:
    """Return {department ID: (name, active)} of the portal, in one query."""
    return {b24_id: (name, bool(active)) for b24_id, name, active in session.execute(
        select(OrgDepartment.b24_id, OrgDepartment.name, OrgDepartment.active).where(
            OrgDepartment.portal_id == portal_id))}


def _city(store: OrgDepartment, names: dict[int, tuple[str, bool]]) -> tuple[int, str]:
    ancestors = path_ids(store.path)[:-1]
    if store.city:
        for ancestor in reversed(ancestors):
            if names.get(ancestor, ("", False))[0] == store.city:
                return ancestor, store.city
    parent = store.parent_b24_id or store.b24_id
    name, active = names.get(parent, (store.city, False))
    return parent, (name if active else store.city)


def city_of(session: Session, portal_id: int, store: OrgDepartment) -> tuple[int, str]:
    """Return (city department ID, name): the nearest ancestor named as the store's city."""
    return _city(store, _department_names(session, portal_id))


def cities(session: Session, portal_id: int) -> list[City]:
    """Return every city that has stores, with its store count, by name."""
    names = _department_names(session, portal_id)
    counts: dict[tuple[int, str], int] = {}
    for store in stores(session, portal_id):
        key = _city(store, names)
        counts[key] = counts.get(key, 0) + 1
    return sorted((City(cid, name, n) for (cid, name), n in counts.items()),
                  key=lambda c: (c.name, c.id))


def pool_stores(session: Session, pool: MerchPool) -> list[PoolStore]:
    """Return the pool's current stores with their city and manager (None when vacant).

    The org model is read in three queries whatever the pool's size (the board renders it).
    """
    chosen = set(pool.city_ids if pool.mode == MODE_CITY else pool.store_ids)
    names = _department_names(session, pool.portal_id)
    picked: list[tuple[OrgDepartment, int, str]] = []
    for store in stores(session, pool.portal_id):
        city_id, city_name = _city(store, names)
        if (city_id if pool.mode == MODE_CITY else store.b24_id) in chosen:
            picked.append((store, city_id, city_name))
    heads = {s.head_user_id for s, _, _ in picked if s.head_user_id is not None}
    active = set(session.scalars(select(OrgUser.b24_id).where(
        OrgUser.portal_id == pool.portal_id, OrgUser.active.is_(True),
        OrgUser.b24_id.in_(sorted(heads))))) if heads else set()
    # Vacant, or the head was dismissed: no manager (as org.queries.store_manager says).
    return [PoolStore(s.b24_id, s.name, city_id, city_name,
                      s.head_user_id if s.head_user_id in active else None)
            for s, city_id, city_name in picked]


def pools_of(session: Session, portal_id: int, merchandiser_id: int | None = None) -> list[MerchPool]:
    """Return the active pools of a portal, or of one merchandiser, by name."""
    query = select(MerchPool).where(MerchPool.portal_id == portal_id, MerchPool.active.is_(True))
    if merchandiser_id is not None:
        query = query.where(MerchPool.merchandiser_id == merchandiser_id)
    return list(session.scalars(query.order_by(MerchPool.name, MerchPool.id)))


def save_pool(session: Session, portal_id: int, *, name: str, merchandiser_id: int, mode: str,
              ids: list[int], time_zone: str, now: datetime,
              pool_id: int | None = None) -> MerchPool:
    """Create or update a pool; raise ValueError on bad input or a store another pool covers."""
    if mode not in (MODE_CITY, MODE_SELECTION):
        raise ValueError("mode")
    if not name.strip():
        raise ValueError("name")
    if time_zone not in valid_time_zones():
        raise ValueError("time_zone")
    wanted = MerchPool(portal_id=portal_id, mode=mode,
                       city_ids=sorted(set(ids)) if mode == MODE_CITY else [],
                       store_ids=sorted(set(ids)) if mode == MODE_SELECTION else [])
    # A store has one week task a week (unique per store and week), so it can be in one pool.
    mine = {s.store_id for s in pool_stores(session, wanted)}
    for other in pools_of(session, portal_id):
        if other.id != pool_id and mine & {s.store_id for s in pool_stores(session, other)}:
            raise ValueError("overlap")
    pool = session.get(MerchPool, pool_id) if pool_id is not None else None
    if pool is None or pool.portal_id != portal_id:
        pool = MerchPool(portal_id=portal_id, created_at=now)
        session.add(pool)
    pool.name = name.strip()
    pool.merchandiser_id = merchandiser_id
    pool.mode = mode
    pool.city_ids, pool.store_ids = wanted.city_ids, wanted.store_ids
    pool.time_zone = time_zone
    pool.active = True
    session.flush()
    return pool


def parse_hhmm(text: str) -> tuple[int, int]:
    """Parse ``HH:MM``; raise ValueError otherwise."""
    hours, sep, minutes = text.strip().partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit():
        raise ValueError(text)
    h, m = int(hours), int(minutes)
    if not (0 <= h <= 23 and 0 <= m <= 59):
        raise ValueError(text)
    return h, m


def save_settings(session: Session, portal_id: int, *, project_name: str, photo_folder: str,
                  send_weekday: str, send_time: str, deadline_weekday: str, deadline_time: str,
                  now: datetime) -> list[str]:
    """Validate and store the settings form; return the names of invalid fields (none saved)."""
    errors: list[str] = []
    days: dict[str, int] = {}
    for name, raw in (("send_weekday", send_weekday), ("deadline_weekday", deadline_weekday)):
        if raw.strip().isdigit() and 0 <= int(raw) <= 6:
            days[name] = int(raw)
        else:
            errors.append(name)
    for name, raw in (("send_time", send_time), ("deadline_time", deadline_time)):
        try:
            parse_hhmm(raw)
        except ValueError:
            errors.append(name)
    folder = photo_folder.strip()
    if folder and not folder.isdigit():
        errors.append("photo_folder")
    if not project_name.strip():
        errors.append("project_name")
    if errors:
        return errors
    row = get_settings(session, portal_id)
    if row.project_name != project_name.strip():
        row.project_name, row.group_id = project_name.strip(), None
    row.photo_folder_id = int(folder) if folder else None
    row.send_weekday, row.deadline_weekday = days["send_weekday"], days["deadline_weekday"]
    row.send_time, row.deadline_time = send_time.strip(), deadline_time.strip()
    row.updated_at = now
    return []
