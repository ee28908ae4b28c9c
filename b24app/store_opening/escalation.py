"""Red and escalation: at the deadline comment on the task and notify the direct superior.

One escalation per store per day: it is a work item keyed
``store_opening_escalation:<store>:<date>`` and the notification carries a TAG, which makes
Bitrix24 replace rather than repeat it. When a task's local day is over it is "missed" on
the ledger; the portal's policy either leaves it open (Bitrix24 keeps showing it overdue,
red) or closes it with a comment (work item ``store_opening_close:<store>:<date>``).
"""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import ledger
from ..bitrix.commands import Command
from ..i18n import translate
from ..org import queries as org
from ..own_writes import note_own_write
from ..workqueue import Results, WorkItem, WorkKind, enqueue, register_kind
from .generation import store_zone
from .models import (CLOSE_MISSED, CLOSED_MISSED, OPEN, ROUTINE, STAY_OPEN, OpeningSettings,
                     OpeningTask)
from .schedules import local_date_of

if TYPE_CHECKING:
    from ..bitrix.client import PortalClient

KIND_ESCALATE = "store_opening.escalate"
KIND_CLOSE = "store_opening.close_missed"


def get_settings(session: Session, portal_id: int) -> OpeningSettings:
    """Return the routine's settings, adding the defaults on first use."""
    found = session.get(OpeningSettings, portal_id)
    if found is None:
        found = OpeningSettings(portal_id=portal_id, overdue_policy=STAY_OPEN,
                                default_task_title="")
        session.add(found)
        session.flush()
    return found


def notify_tag(key: str) -> str:
    return "storeops_" + hashlib.sha1(key.encode()).hexdigest()[:12]


def escalate_overdue(session: Session, portal_id: int, now: datetime, *, lang: str = "ru",
                     task_url: str = "", webhook_client_id: str = "") -> int:
    """Enqueue one escalation for every open task past its deadline; return how many."""
    rows = session.scalars(select(OpeningTask).where(
        OpeningTask.portal_id == portal_id, OpeningTask.state == OPEN,
        OpeningTask.due_at <= now, OpeningTask.escalated_at.is_(None)))
    count = 0
    for row in rows:
        store = org.department(session, portal_id, row.store_id)
        name = store.name if store is not None else str(row.store_id)
        unticked = row.unticked or [i["title"] for i in row.items]
        items = "\n".join(f"• {title}" for title in unticked)
        key = f"store_opening_escalation:{row.store_id}:{row.local_date.isoformat()}"
        link = task_url.format(task_id=row.task_id, user_id=row.responsible_id)
        # Two items, so a failed notification is retried without repeating the comment.
        enqueue(session, portal_id, KIND_ESCALATE, key + ":comment", {
            "task_id": row.task_id, "slot_key": row.slot_key,
            "comment": translate(lang, "store_opening.escalation_comment", items=items)}, now=now)
        if row.superior_id:
            enqueue(session, portal_id, KIND_ESCALATE, key + ":notify", {
                "superior_id": row.superior_id, "slot_key": row.slot_key,
                "notify": translate(lang, "store_opening.escalation_notify", store=name,
                                    date=row.local_date.strftime("%d.%m.%Y"),
                                    count=len(unticked), url=link),
                "tag": notify_tag(key), "client_id": webhook_client_id}, now=now)
        row.escalated_at = now
        count += 1
    return count


def close_finished_days(session: Session, portal_id: int, now: datetime, *,
                        lang: str = "ru") -> int:
    """Mark open tasks of past local days missed; close them when the policy says so."""
    policy = get_settings(session, portal_id).overdue_policy
    rows = session.scalars(select(OpeningTask).where(
        OpeningTask.portal_id == portal_id, OpeningTask.state == OPEN,
        OpeningTask.missed_at.is_(None),
        OpeningTask.local_date < (now + timedelta(days=1)).date()))
    count = 0
    for row in rows:
        store = org.department(session, portal_id, row.store_id)
        zone = store_zone(store) if store is not None else timezone.utc
        if row.local_date >= local_date_of(now, zone):   # type: ignore[arg-type]
            continue
        row.missed_at = now
        ref = ledger.SlotRef(ROUTINE, row.slot_key, row.store_id, row.local_date)
        ledger.record_outcome(session, portal_id, ref, ledger.MISSED, now, task_id=row.task_id,
                              reason=policy)
        if policy == CLOSE_MISSED:
            # Leave the open set now, so the reconcile loop never books our own close as "done".
            row.state = CLOSED_MISSED
            row.completed_at = now
            enqueue(session, portal_id, KIND_CLOSE,
                    f"store_opening_close:{row.store_id}:{row.local_date.isoformat()}",
                    {"task_id": row.task_id, "slot_key": row.slot_key,
                     "comment": translate(lang, "store_opening.closed_missed_comment")}, now=now)
        count += 1
    return count


def _escalate_commands(item: WorkItem) -> list[Command]:
    payload = item.payload
    if "comment" in payload:
        # Positional: [TASKID, FIELDS] (rest-facts §7).
        return [Command("c", "task.commentitem.add",
                        [payload["task_id"], {"POST_MESSAGE": payload["comment"]}])]
    params = {"USER_ID": payload["superior_id"], "MESSAGE": payload["notify"],
              "TAG": payload["tag"]}
    if payload.get("client_id"):
        # A webhook has no application, so a TAG needs a CLIENT_ID to scope it
        # (api-reference/chats/notifications/im-notify-system-add.md).
        params["CLIENT_ID"] = payload["client_id"]
    return [Command("n", "im.notify.system.add", params)]


def _no_lookup(client: PortalClient, item: WorkItem) -> Results | None:
    # Comments cannot be searched in the new task card (rest-facts §5 "New task card"); the
    # notification's TAG makes a repeat replace the first one, so a resend is harmless.
    return None


def _record_escalation(session: Session, item: WorkItem, results: Results) -> None:
    comment_id = results.get("c")
    if isinstance(comment_id, (int, str)) and str(comment_id).isdigit():
        note_own_write(session, item.portal_id, "task_comment", int(comment_id),
                       item.updated_at or datetime.now(timezone.utc))


def _close_commands(item: WorkItem) -> list[Command]:
    task_id = item.payload["task_id"]
    return [Command("c", "task.commentitem.add", [task_id, {"POST_MESSAGE": item.payload["comment"]}]),
            Command("x", "tasks.task.complete", {"taskId": task_id})]


def _find_closed(client: PortalClient, item: WorkItem) -> Results | None:
    found = client.call("tasks.task.get", {"taskId": item.payload["task_id"],
                                           "select": ["ID", "STATUS"]})
    task: Any = found.get("task") if isinstance(found, dict) else None
    if isinstance(task, dict) and str(task.get("status")) in ("4", "5"):
        return {"c": None, "x": found}
    return None


def _record_close(session: Session, item: WorkItem, results: Results) -> None:
    row = session.scalar(select(OpeningTask).where(
        OpeningTask.portal_id == item.portal_id, OpeningTask.slot_key == item.payload["slot_key"]))
    if row is not None:
        note_own_write(session, item.portal_id, "task", row.task_id,
                       item.updated_at or datetime.now(timezone.utc))


ESCALATE_KIND = register_kind(WorkKind(KIND_ESCALATE, _escalate_commands, _no_lookup,
                                       _record_escalation))
CLOSE_KIND = register_kind(WorkKind(KIND_CLOSE, _close_commands, _find_closed, _record_close))
