"""The thumbnails job: find new photos of open weeks, then make missing thumbnails, bounded.

Open weeks are, for every active pool, the current and the previous ISO week on the pool's
clock; week tasks already accepted are left out (the merchandiser has decided). Discovery is
batched (``discovery``). Then at most ``MAX_PER_RUN`` photos still without a thumbnail —
whatever their week, since a board visit records the photos of the week it shows — get a
fresh ``DOWNLOAD_URL`` (``disk.attachedObject.get``, 50 per batch; on a real portal the URL
carries a token, so it is used at once and never stored), are downloaded on a few threads and
shrunk. A photo that cannot be read is marked with its error and not fetched again (the
board shows a placeholder); a timeout or a 5xx leaves it for a later run.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..bitrix.commands import Command
from ..bitrix.errors import B24Error
from ..models import Portal
from .calendar import current_week
from .discovery import Discovery, discover_photos
from .models import STATUS_ACCEPTED, MerchPhoto, MerchPool, MerchWeekTask
from .pools import pools_of
from .thumbnails import PhotoUnavailable, download, make_thumbnail

if TYPE_CHECKING:
    from ..wiring import Services

log = logging.getLogger(__name__)

MAX_PER_RUN = 100
DOWNLOAD_THREADS = 4
OPEN_WEEKS = 2


def open_week_tasks(session: Session, portal_id: int, now: datetime) -> list[MerchWeekTask]:
    """Return the not yet accepted week tasks of each pool's current and previous week."""
    rows: list[MerchWeekTask] = []
    for pool in pools_of(session, portal_id):
        this_week = current_week(now, pool.time_zone)
        weeks = [this_week.shifted(-back).key for back in range(OPEN_WEEKS)]
        rows.extend(session.scalars(select(MerchWeekTask).where(
            MerchWeekTask.portal_id == portal_id, MerchWeekTask.pool_id == pool.id,
            MerchWeekTask.iso_week.in_(weeks), MerchWeekTask.task_id.is_not(None),
            MerchWeekTask.status != STATUS_ACCEPTED).order_by(MerchWeekTask.id)))
    return rows


def pending_photos(session: Session, portal_id: int, limit: int) -> list[int]:
    """Return up to ``limit`` attachments still waiting for a thumbnail, never tried first."""
    return list(session.scalars(select(MerchPhoto.attachment_id).where(
        MerchPhoto.portal_id == portal_id, MerchPhoto.thumbnail.is_(None),
        MerchPhoto.thumb_error == "")
        .order_by(MerchPhoto.fetched_at.is_not(None), MerchPhoto.fetched_at, MerchPhoto.id)
        .limit(limit)))


def make_thumbnails(services: Services, portal_id: int, attachment_ids: Sequence[int],
                    now: datetime, urls: Mapping[int, str] | None = None) -> int:
    """Download and shrink these photos; return how many thumbnails were stored."""
    if not attachment_ids:
        return 0
    fresh = {a: u for a, u in (urls or {}).items() if u and a in set(attachment_ids)}
    errors: dict[int, str] = {}
    unresolved = [a for a in attachment_ids if a not in fresh]
    if unresolved:
        answers = services.bitrix.for_portal(portal_id).run_commands(
            [Command(f"a{a}", "disk.attachedObject.get", {"id": a}) for a in unresolved])
        for attachment in unresolved:
            answer = answers[f"a{attachment}"]
            if answer.ok and isinstance(answer.result, dict) and answer.result.get("DOWNLOAD_URL"):
                fresh[attachment] = str(answer.result["DOWNLOAD_URL"])
            elif answer.error is not None and answer.error.permanent:
                errors[attachment] = f"attachment unavailable ({type(answer.error).__name__})"
    with ThreadPoolExecutor(DOWNLOAD_THREADS) as threads:
        made = dict(zip(fresh, threads.map(_thumbnail, fresh.values())))
    stored = 0
    with services.session_factory.begin() as session:
        for photo in session.scalars(select(MerchPhoto).where(
                MerchPhoto.portal_id == portal_id,
                MerchPhoto.attachment_id.in_(list(attachment_ids)))):
            photo.fetched_at = now
            thumb, error, transient = made.get(photo.attachment_id, (None, "", True))
            if thumb is not None:
                photo.thumbnail, photo.thumb_error = thumb, ""
                stored += 1
            elif photo.attachment_id in errors:
                photo.thumb_error = errors[photo.attachment_id][:255]
            elif not transient:
                photo.thumb_error = error[:255]
    return stored


def _thumbnail(url: str) -> tuple[bytes | None, str, bool]:
    try:
        data, _ = download(url)
        return make_thumbnail(data), "", False
    except PhotoUnavailable as exc:
        return None, str(exc), exc.transient


def _portals_with_pools(session: Session) -> list[int]:
    return list(session.scalars(select(MerchPool.portal_id).join(
        Portal, Portal.id == MerchPool.portal_id).where(
        MerchPool.active.is_(True), Portal.status == "active")
        .distinct().order_by(MerchPool.portal_id)))


def thumbnails_tick(services: Services, now: datetime) -> int:
    """Discover new photos of open weeks and make at most MAX_PER_RUN thumbnails; return work done."""
    with services.session_factory() as session:
        portal_ids = _portals_with_pools(session)
    done, budget = 0, MAX_PER_RUN
    for portal_id in portal_ids:
        with services.session_factory() as session:
            tasks = open_week_tasks(session, portal_id, now)
        try:
            found = discover_photos(services, portal_id, tasks, now)
        except B24Error as error:
            log.warning("portal %s: photo discovery failed: %s", portal_id, type(error).__name__)
            found = Discovery()
        if budget <= 0:
            done += found.new
            continue
        with services.session_factory() as session:
            pending = pending_photos(session, portal_id, budget)
        budget -= len(pending)
        try:
            done += found.new + make_thumbnails(services, portal_id, pending, now,
                                                found.download_urls)
        except B24Error as error:
            log.warning("portal %s: thumbnails failed: %s", portal_id, type(error).__name__)
    return done
