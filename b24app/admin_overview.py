"""What the portal admin sees first: the stores the app knows, the org sync, failed writes."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import workqueue
from .org.models import OrgDepartment
from .org.queries import positions, stores, user
from .org.settings import get_org_settings
from .org.sync import request_sync


@dataclass(frozen=True)
class StoreRow:
    store_id: int
    name: str
    country: str
    region: str
    city: str
    time_zone: str
    manager_id: int | None
    manager_name: str


@dataclass(frozen=True)
class ParkedRow:
    item_id: int
    kind: str
    key: str
    attempts: int
    error: str
    updated_at: datetime | None


@dataclass(frozen=True)
class AdminOverview:
    stores: list[StoreRow]
    synced_at: datetime | None
    sync_requested: bool
    last_sync_error: str
    parked: list[ParkedRow]


def admin_overview(session: Session, portal_id: int) -> AdminOverview:
    """Collect the stores (with managers), the org sync state and the parked work items."""
    rows = []
    for store in stores(session, portal_id):
        manager = user(session, portal_id, store.head_user_id) if store.head_user_id else None
        rows.append(StoreRow(
            store_id=store.b24_id, name=store.name, country=store.country, region=store.region,
            city=store.city, time_zone=store.time_zone_override or store.time_zone,
            manager_id=store.head_user_id if manager is not None and manager.active else None,
            manager_name=f"{manager.last_name} {manager.name}".strip() if manager is not None and manager.active else ""))
    settings = get_org_settings(session, portal_id)
    parked = [ParkedRow(item.id, item.kind, item.key, item.attempts, item.last_error, item.updated_at)
              for item in workqueue.parked_items(session, portal_id)]
    return AdminOverview(rows, settings.synced_at, settings.sync_requested_at is not None,
                         settings.last_sync_error, parked)


def ask_for_org_sync(session: Session, portal_id: int, now: datetime) -> None:
    """The admin pressed "sync now": the org_sync job picks the portal up at its next run."""
    request_sync(session, portal_id, now)


def retry_parked_item(session: Session, portal_id: int, item_id: int, now: datetime) -> bool:
    """Put a parked work item back in the queue; False if it is not parked (or not ours)."""
    return workqueue.retry_parked(session, portal_id, item_id, now=now)


@dataclass(frozen=True)
class DepartmentChoice:
    department_id: int
    name: str
    depth: int


def settings_choices(session: Session, portal_id: int) -> tuple[list[DepartmentChoice], list[tuple[str, int]]]:
    """The departments that are not stores (for role and structure settings) and the
    positions present in the portal with how many people hold each."""
    rows = session.scalars(select(OrgDepartment).where(
        OrgDepartment.portal_id == portal_id, OrgDepartment.active.is_(True),
        OrgDepartment.is_store.is_(False)).order_by(OrgDepartment.path))
    departments = [DepartmentChoice(d.b24_id, d.name, d.depth) for d in rows]
    return departments, [(display, count) for display, _key, count in positions(session, portal_id)]
