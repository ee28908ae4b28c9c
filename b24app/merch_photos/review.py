"""The review board: every store of a pool's week with the photos of its subtasks.

``refresh_photos`` reads Bitrix24 (the week tasks' subtasks with ``tasks.task.list``
filter PARENT_ID = [ids], 50 rows a page, pages batched; then only the attachments not seen
before with ``disk.attachedObject.get``, 50 per batch) and makes each missing thumbnail once.
``board`` reads the database only, so a visit after the first costs the subtask list and
nothing per photo.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..bitrix.commands import Command
from ..org.queries import user
from .calendar import IsoWeek
from .models import STATUS_ACCEPTED, MerchPhoto, MerchPool, MerchWeekTask
from .pools import pool_stores
from .thumbnails import PhotoUnavailable, download, make_thumbnail

if TYPE_CHECKING:
    from ..wiring import Services

DOWNLOAD_THREADS = 4
PARENT_CHUNK = 50


@dataclass(frozen=True)
class PhotoView:
    attachment_id: int
    name: str
    has_thumbnail: bool
    late: bool


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


def week_tasks(session: Session, portal_id: int, pool_id: int, iso_week: str) -> list[MerchWeekTask]:
    return list(session.scalars(select(MerchWeekTask).where(
        MerchWeekTask.portal_id == portal_id, MerchWeekTask.pool_id == pool_id,
        MerchWeekTask.iso_week == iso_week, MerchWeekTask.task_id.is_not(None))))


def _subtasks(client: Any, parent_ids: Sequence[int]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for start in range(0, len(parent_ids), PARENT_CHUNK):
        chunk = list(parent_ids[start:start + PARENT_CHUNK])
        rows.extend(client.list_all("tasks.task.list", {
            "filter": {"PARENT_ID": chunk},
            "select": ["ID", "PARENT_ID", "UF_TASK_WEBDAV_FILES"], "order": {"ID": "asc"}},
            key_path=["tasks"]))
    return rows


def _attachment_ids(subtask: dict[str, Any]) -> list[int]:
    raw = subtask.get("ufTaskWebdavFiles") or []
    values: Iterable[Any] = raw.values() if isinstance(raw, dict) else raw
    return [int(v) for v in values if str(v).isdigit()]


def refresh_photos(services: Services, portal_id: int, tasks: Sequence[MerchWeekTask],
                   now: datetime) -> int:
    """Bring the photo cache of these week tasks up to date; return thumbnails made."""
    by_task = {int(t.task_id or 0): t for t in tasks if t.task_id}
    if not by_task:
        return 0
    client = services.bitrix.for_portal(portal_id)
    current: dict[int, tuple[int, int]] = {}            # attachment → (week task, subtask)
    for sub in _subtasks(client, sorted(by_task)):
        for attachment in _attachment_ids(sub):
            current[attachment] = (int(sub.get("parentId") or 0), int(sub["id"]))
    with services.session_factory.begin() as session:
        known = {p.attachment_id: p for p in session.scalars(select(MerchPhoto).where(
            MerchPhoto.portal_id == portal_id, MerchPhoto.week_task_id.in_(list(by_task))))}
        gone = [a for a in known if a not in current]
        if gone:
            session.execute(delete(MerchPhoto).where(MerchPhoto.portal_id == portal_id,
                                                     MerchPhoto.attachment_id.in_(gone)))
        wanted = [a for a in current if a not in known
                  or (known[a].thumbnail is None and not known[a].thumb_error)]
        counts = {task_id: 0 for task_id in by_task}
        for week_task_id, _ in current.values():
            counts[week_task_id] = counts.get(week_task_id, 0) + 1
        for row in session.scalars(select(MerchWeekTask).where(
                MerchWeekTask.id.in_([t.id for t in tasks]))):
            row.photo_count = counts.get(int(row.task_id or 0), 0)
    if not wanted:
        return 0
    answers = client.run_commands([Command(f"a{a}", "disk.attachedObject.get", {"id": a})
                                   for a in wanted])
    meta = {a: answers[f"a{a}"].result for a in wanted if answers[f"a{a}"].ok}
    with ThreadPoolExecutor(DOWNLOAD_THREADS) as pool:
        thumbs = dict(zip(meta, pool.map(_thumbnail, [m.get("DOWNLOAD_URL", "") for m in meta.values()])))
    with services.session_factory.begin() as session:
        for attachment, info in meta.items():
            week_task_id, subtask_id = current[attachment]
            photo = session.scalar(select(MerchPhoto).where(
                MerchPhoto.portal_id == portal_id, MerchPhoto.attachment_id == attachment))
            if photo is None:
                photo = MerchPhoto(portal_id=portal_id, attachment_id=attachment)
                session.add(photo)
            photo.week_task_id, photo.subtask_id = week_task_id, subtask_id
            photo.name = str(info.get("NAME", ""))[:255]
            photo.size = int(info.get("SIZE") or 0)
            photo.uploaded_at = _parse_time(info.get("CREATE_TIME"))
            thumb, error = thumbs[attachment]
            photo.thumbnail, photo.thumb_error, photo.fetched_at = thumb, error, now
    return sum(1 for thumb, _ in thumbs.values() if thumb is not None)


def _thumbnail(url: str) -> tuple[bytes | None, str]:
    try:
        data, _ = download(url)
        return make_thumbnail(data), ""
    except PhotoUnavailable as exc:
        return None, str(exc)[:255]


def _parse_time(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def board(session: Session, pool: MerchPool, week: IsoWeek, now: datetime) -> Board:
    """Return the board of a pool's week from the database (after ``refresh_photos``)."""
    tasks = {t.store_id: t for t in week_tasks(session, pool.portal_id, pool.id, week.key)}
    photos: dict[int, list[MerchPhoto]] = {}
    task_ids = [int(t.task_id or 0) for t in tasks.values()]
    for photo in session.scalars(select(MerchPhoto).where(
            MerchPhoto.portal_id == pool.portal_id, MerchPhoto.week_task_id.in_(task_ids))
            .order_by(MerchPhoto.attachment_id)):
        photos.setdefault(photo.week_task_id, []).append(photo)
    deadline = next((t.deadline for t in tasks.values() if t.deadline), None)
    past = deadline is not None and now >= deadline
    rows: list[StoreRow] = []
    for store in pool_stores(session, pool):
        task = tasks.get(store.store_id)
        manager = user(session, pool.portal_id, task.manager_id or 0) if task else None
        row = StoreRow(store.store_id, store.name, store.city_name,
                       manager.full_name if manager is not None else "", task)
        if task is not None:
            due = task.deadline
            row.photos = [PhotoView(p.attachment_id, p.name, p.thumbnail is not None,
                                    bool(due and p.uploaded_at and p.uploaded_at > due))
                          for p in photos.get(int(task.task_id or 0), [])]
            on_time = [p for p in row.photos if not p.late]
            row.red = (task.status != STATUS_ACCEPTED and due is not None and now >= due
                       and not on_time)
        rows.append(row)
    rows.sort(key=lambda r: (not r.red, r.city_name, r.store_name))
    return Board(pool, week, rows, deadline, past)


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
