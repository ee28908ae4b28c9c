"""The merchandiser's answers on a store's week: a comment, accepted, or needs a fix.

Each answer is one work item (key with the form's one-time key, so a double post sends
once) run at once through ``build.run_items``:
- comment: ``task.commentitem.add`` on the week task, authored by the merchandiser, and
  ``im.notify.system.add`` to the manager (rest-facts §7, §8);
- accepted: ``tasks.task.complete`` (the merchandiser created the task without task
  control, so it lands in status 5), plus the comment when one was written;
- needs fix: the comment and the notification with the reason; the task stays open (it is
  renewed if it had been accepted before).
A retry after an attempt that may have reached Bitrix24 does only what is missing
(``finish_verdict``): the comment is looked up before it is posted, the status is read before
it is changed, and the notification carries the item's key as TAG, so a resend replaces it.
"""
from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from ..bitrix.commands import Command
from ..i18n import translate
from ..workqueue import Results, WorkItem, WorkKind, register_kind
from .build import Planned, RunReport, run_items
from .models import STATUS_ACCEPTED, STATUS_NEEDS_FIX, STATUS_OPEN, MerchWeekTask
from .once import (CLOSED_STATUSES, comment_command, comment_once, notify_command, notify_params,
                   task_status)

if TYPE_CHECKING:
    from ..bitrix.client import PortalClient
    from ..wiring import Services

VERDICT_KIND = "merch_photos.verdict"
COMMENT, ACCEPT, FIX = "comment", "accept", "fix"
_NONCE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def build_verdict(item: WorkItem) -> list[Command]:
    """Return the comment, notification and status change the verdict needs."""
    p = item.payload
    task_id = int(p["task_id"])
    commands: list[Command] = []
    if p["message"]:
        commands.append(comment_command("comment", task_id, p["message"], int(p["author_id"])))
    if p["action"] == ACCEPT:
        commands.append(Command("complete", "tasks.task.complete", {"taskId": task_id}))
    elif p["action"] == FIX and p.get("reopen"):
        commands.append(Command("renew", "tasks.task.renew", {"taskId": task_id}))
    if p.get("manager_id"):
        commands.append(notify_command("notify", int(p["manager_id"]), p["notice"], item.key))
    return commands


def finish_verdict(client: PortalClient, item: WorkItem) -> Results:
    """After an attempt that may have reached Bitrix24, send only what is still missing."""
    p = item.payload
    task_id = int(p["task_id"])
    results: Results = {}
    if p["message"]:
        results["comment"] = comment_once(client, task_id, p["message"], int(p["author_id"]),
                                          item.created_at)
    if p["action"] == ACCEPT or (p["action"] == FIX and p.get("reopen")):
        closed = task_status(client, task_id) in CLOSED_STATUSES
        if p["action"] == ACCEPT and not closed:
            results["complete"] = client.call("tasks.task.complete", {"taskId": task_id})
        elif p["action"] == FIX and closed:
            results["renew"] = client.call("tasks.task.renew", {"taskId": task_id})
    if p.get("manager_id"):
        # Same TAG as the first attempt: Bitrix24 replaces that notification (rest-facts §8).
        results["notify"] = client.call("im.notify.system.add", notify_params(
            int(p["manager_id"]), p["notice"], item.key))
    return results


def record_verdict(session: Session, item: WorkItem, results: Results) -> None:
    """Move the week task's status and remember who decided and why."""
    p = item.payload
    row = session.get(MerchWeekTask, int(p["row_id"]))
    if row is None:
        return
    if p["action"] == ACCEPT:
        row.status = STATUS_ACCEPTED
    elif p["action"] == FIX:
        row.status = STATUS_NEEDS_FIX
    if p["action"] != COMMENT:
        row.review_note = str(p["message"])
        row.reviewed_by = int(p["author_id"])
        row.reviewed_at = item.updated_at


register_kind(WorkKind(VERDICT_KIND, build_verdict, finish_verdict, record_verdict))


def verdict_payload(row: MerchWeekTask, action: str, message: str, author_id: int,
                    lang: str) -> dict[str, Any]:
    text = message.strip()
    notice_key = {COMMENT: "notify_comment", ACCEPT: "notify_accepted", FIX: "notify_fix"}[action]
    return {"row_id": row.id, "task_id": row.task_id, "action": action, "message": text,
            "author_id": author_id, "manager_id": row.manager_id,
            "reopen": action == FIX and row.status == STATUS_ACCEPTED,
            "notice": translate(lang, f"merch_photos.{notice_key}", week=row.iso_week,
                                task=row.task_id, text=text)}


def give_verdict(services: Services, row_id: int, action: str, message: str, author_id: int,
                 nonce: str, now: datetime, lang: str = "ru") -> RunReport:
    """Send a comment / acceptance / fix request for one week task, once per form key."""
    if action not in (COMMENT, ACCEPT, FIX):
        raise ValueError(action)
    if action in (COMMENT, FIX) and not message.strip():
        raise ValueError("message")
    if not _NONCE.match(nonce):
        raise ValueError("nonce")
    with services.session_factory.begin() as session:
        row = session.get(MerchWeekTask, row_id)
        if row is None or row.task_id is None:
            raise LookupError(row_id)
        portal_id = row.portal_id
        key = f"merch_photos:verdict:{row.store_id}:{row.iso_week}:{action}:{nonce}"
        payload = verdict_payload(row, action, message, author_id, lang)
    return run_items(services, portal_id, [Planned(VERDICT_KIND, key, payload)], now)


__all__ = ["give_verdict", "COMMENT", "ACCEPT", "FIX", "STATUS_OPEN"]
