"""At the deadline, stores with no photos get one reminder and are listed for the merchandiser.

One work item per store and week (``merch_photos:remind:<store>:<isoweek>``): enqueuing it
again finds the first, so a store is reminded once whatever the number of ticks. The
notification carries the item's key as TAG, so a resend after a crash replaces instead of
adding (rest-facts §8). The reminder also goes on the task as a comment, where the
merchandiser sees it; a retry looks that comment up before posting it again (``once``).
"""
from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..bitrix.commands import Command
from ..bitrix.errors import B24Error
from ..i18n import translate
from ..models import Portal
from ..workqueue import Results, WorkItem, WorkKind, register_kind
from .build import Planned, run_items
from .discovery import discover_photos
from .models import STATUS_OPEN, MerchWeekTask
from .once import comment_command, comment_once, notify_command, notify_params

if TYPE_CHECKING:
    from ..bitrix.client import PortalClient
    from ..wiring import Services

log = logging.getLogger(__name__)

REMIND_KIND = "merch_photos.remind"


def remind_key(row: MerchWeekTask) -> str:
    return f"merch_photos:remind:{row.store_id}:{row.iso_week}"


def build_remind(item: WorkItem) -> list[Command]:
    """Return the reminder's comment on the week task and its notification to the manager."""
    p = item.payload
    return [comment_command("comment", int(p["task_id"]), p["message"], None),
            notify_command("notify", int(p["manager_id"]), p["message"], item.key)]


def finish_remind(client: PortalClient, item: WorkItem) -> Results:
    """After an attempt that may have reached Bitrix24: the comment once, the notification replaced."""
    p = item.payload
    return {"comment": comment_once(client, int(p["task_id"]), p["message"], None, item.created_at),
            "notify": client.call("im.notify.system.add", notify_params(
                int(p["manager_id"]), p["message"], item.key))}


def record_remind(session: Session, item: WorkItem, results: Results) -> None:
    row = session.get(MerchWeekTask, int(item.payload["row_id"]))
    if row is not None:
        row.reminded_at = item.updated_at


register_kind(WorkKind(REMIND_KIND, build_remind, finish_remind, record_remind))


def due_without_photos(session: Session, now: datetime) -> list[MerchWeekTask]:
    """Return open week tasks past their deadline, not reminded, with no photo seen yet."""
    return list(session.scalars(select(MerchWeekTask).join(
        Portal, Portal.id == MerchWeekTask.portal_id).where(
        Portal.status == "active", MerchWeekTask.status == STATUS_OPEN,
        MerchWeekTask.task_id.is_not(None), MerchWeekTask.deadline <= now,
        MerchWeekTask.reminded_at.is_(None), MerchWeekTask.photo_count == 0)
        .order_by(MerchWeekTask.portal_id, MerchWeekTask.id)))


def reminder_tick(services: Services, now: datetime) -> int:
    """Re-read the photos of overdue empty tasks, remind those still empty; return reminders."""
    with services.session_factory() as session:
        candidates = due_without_photos(session, now)
        languages = {p.id: p.language for p in session.scalars(select(Portal))}
    by_portal: dict[int, list[MerchWeekTask]] = defaultdict(list)
    for row in candidates:
        by_portal[row.portal_id].append(row)
    sent = 0
    for portal_id, rows in by_portal.items():
        try:
            discover_photos(services, portal_id, rows, now)
        except B24Error as error:
            # Without a fresh look a store that did send photos could be reminded: wait.
            log.warning("portal %s: photo discovery failed: %s", portal_id, type(error).__name__)
            continue
        with services.session_factory() as session:
            still = [r for r in due_without_photos(session, now) if r.portal_id == portal_id]
        lang = languages.get(portal_id, "ru")
        planned = [Planned(REMIND_KIND, remind_key(r), {
            "row_id": r.id, "task_id": r.task_id, "manager_id": r.manager_id,
            "message": translate(lang, "merch_photos.reminder", week=r.iso_week)}) for r in still]
        sent += run_items(services, portal_id, planned, now).succeeded
    return sent
