"""The review board: every store of a pool's week with the photos of its week task.

``board`` reads the database only: the photos ``discovery`` recorded, with the thumbnails the
thumbnails job cached. A photo without a thumbnail yet is shown as a placeholder and counted
in ``thumbnail_progress``, which the page polls; no page request downloads a photo, except
the full-size view of one photo the merchandiser opens.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from ..org.models import OrgUser
from .calendar import IsoWeek
from .models import STATUS_ACCEPTED, MerchPhoto, MerchPool, MerchWeekTask
from .pools import pool_stores
from .thumbnails import download

if TYPE_CHECKING:
    from ..wiring import Services


@dataclass(frozen=True)
class PhotoView:
    attachment_id: int
    name: str
    has_thumbnail: bool
    late: bool
    unavailable: bool = False

    @property
    def pending(self) -> bool:
        """True while the thumbnails job has not made this photo's thumbnail yet."""
        return not self.has_thumbnail and not self.unavailable


@dataclass
class StoreRow:
    store_id: int
    store_name: str
    city_name: str
    manager_name: str
    task: MerchWeekTask | None
    photos: list[PhotoView] = field(default_factory=list)
    red: bool = False

    @property
    def status(self) -> str:
        return self.task.status if self.task is not None else "no_task"


@dataclass
class Board:
    pool: MerchPool
    week: IsoWeek
    rows: list[StoreRow]
    deadline: datetime | None
    past_deadline: bool

    @property
    def local_deadline(self) -> datetime | None:
        """Return the deadline on the pool's local clock."""
        return self.deadline.astimezone(ZoneInfo(self.pool.time_zone)) if self.deadline else None

    @property
    def red_rows(self) -> list[StoreRow]:
        return [row for row in self.rows if row.red]

    @property
    def reminded_rows(self) -> list[StoreRow]:
        return [row for row in self.rows if row.task is not None and row.task.reminded_at]

    @property
    def pending_photos(self) -> int:
        return sum(1 for row in self.rows for photo in row.photos if photo.pending)

    @property
    def photo_total(self) -> int:
        return sum(len(row.photos) for row in self.rows)


def week_tasks(session: Session, portal_id: int, pool_id: int, iso_week: str) -> list[MerchWeekTask]:
    return list(session.scalars(select(MerchWeekTask).where(
        MerchWeekTask.portal_id == portal_id, MerchWeekTask.pool_id == pool_id,
        MerchWeekTask.iso_week == iso_week, MerchWeekTask.task_id.is_not(None))))


def board(session: Session, pool: MerchPool, week: IsoWeek, now: datetime) -> Board:
    """Return the board of a pool's week from the database (after ``discover_photos``)."""
    tasks = {t.store_id: t for t in week_tasks(session, pool.portal_id, pool.id, week.key)}
    photos: dict[int, list[PhotoView]] = {}
    task_ids = [int(t.task_id or 0) for t in tasks.values()]
    deadlines = {int(t.task_id or 0): t.deadline for t in tasks.values()}
    # Named columns only: the thumbnails themselves stay in the database until /thumb asks.
    for attachment_id, week_task_id, name, uploaded_at, has_thumb, error in session.execute(
            select(MerchPhoto.attachment_id, MerchPhoto.week_task_id, MerchPhoto.name,
                   MerchPhoto.uploaded_at, MerchPhoto.thumbnail.is_not(None),
                   MerchPhoto.thumb_error)
            .where(MerchPhoto.portal_id == pool.portal_id, MerchPhoto.week_task_id.in_(task_ids))
            .order_by(MerchPhoto.attachment_id)):
        due = deadlines.get(week_task_id)
        photos.setdefault(week_task_id, []).append(PhotoView(
            attachment_id, name, bool(has_thumb), bool(due and uploaded_at and uploaded_at > due),
            unavailable=bool(error) and not has_thumb))
    deadline = next((t.deadline for t in tasks.values() if t.deadline), None)
    past = deadline is not None and now >= deadline
    rows: list[StoreRow] = []
    manager_ids = sorted({t.manager_id for t in tasks.values() if t.manager_id})
    managers = {u.b24_id: u.full_name for u in session.scalars(select(OrgUser).where(
        OrgUser.portal_id == pool.portal_id, OrgUser.b24_id.in_(manager_ids)))}
    for store in pool_stores(session, pool):
        task = tasks.get(store.store_id)
        row = StoreRow(store.store_id, store.name, store.city_name,
                       managers.get(task.manager_id or 0, "") if task else "", task)
        if task is not None:
            due = task.deadline
            row.photos = photos.get(int(task.task_id or 0), [])
            on_time = [p for p in row.photos if not p.late]
            row.red = (task.status != STATUS_ACCEPTED and due is not None and now >= due
                       and not on_time)
        rows.append(row)
    rows.sort(key=lambda r: (not r.red, r.city_name, r.store_name))
    return Board(pool, week, rows, deadline, past)


def thumbnail_progress(session: Session, portal_id: int, week_task_ids: Sequence[int]) -> tuple[int, int]:
    """Return (photos with a thumbnail or a final error, all photos) of these week tasks."""
    waiting_row = case((and_(MerchPhoto.thumbnail.is_(None), MerchPhoto.thumb_error == ""), 1),
                       else_=0)
    total, waiting = session.execute(select(func.count(MerchPhoto.id),
                                            func.coalesce(func.sum(waiting_row), 0))
        .where(MerchPhoto.portal_id == portal_id,
               MerchPhoto.week_task_id.in_(list(week_task_ids)))).one()
    return int(total) - int(waiting), int(total)


def photo_owner(session: Session, portal_id: int, attachment_id: int) -> MerchWeekTask | None:
    """Return the week task a cached photo belongs to (for access checks)."""
    photo = session.scalar(select(MerchPhoto).where(MerchPhoto.portal_id == portal_id,
                                                    MerchPhoto.attachment_id == attachment_id))
    if photo is None:
        return None
    return session.scalar(select(MerchWeekTask).where(MerchWeekTask.portal_id == portal_id,
                                                      MerchWeekTask.task_id == photo.week_task_id))


def thumbnail_bytes(session: Session, portal_id: int, attachment_id: int) -> bytes | None:
    return session.scalar(select(MerchPhoto.thumbnail).where(
        MerchPhoto.portal_id == portal_id, MerchPhoto.attachment_id == attachment_id))


def full_photo(services: Services, portal_id: int, attachment_id: int) -> tuple[bytes, str]:
    """Download a photo at full size through the app (its URL never reaches the browser)."""
    info = services.bitrix.for_portal(portal_id).call("disk.attachedObject.get", {"id": attachment_id})
    return download(str(info["DOWNLOAD_URL"]))
