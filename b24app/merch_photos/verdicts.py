"""The merchandiser's answers on a store's week: a comment, accepted, or needs a fix.

Each answer is one work item (key with the form's one-time key, so a double post sends
once) run at once through ``build.run_items``:
- comment: ``task.commentitem.add`` on the week task, authored by the merchandiser, and
  ``im.notify.system.add`` to the manager (rest-facts §7, §8);
- accepted: ``tasks.task.complete`` (the merchandiser created the task without task
  control, so it lands in status 5), plus the comment when one was written;
- needs fix: the comment and the notification with the reason; the task stays open (it is
  renewed if it had been accepted before).
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

if TYPE_CHECKING:
    from ..bitrix.client import PortalClient
    from ..wiring import Services

VERDICT_KIND = "merch_photos.verdict"
COMMENT, ACCEPT, FIX = "comment", "accept", "fix"
NOTIFY_CLIENT_ID = "storeops"
_NONCE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def build_verdict(item: WorkItem) -> list[Command]:
    """Return the comment, notification and status change the verdict needs."""
    p = item.payload
    commands: list[Command] = []
    if p["message"]:
        commands.append(Command("comment", "task.commentitem.add", [
            p["task_id"], {"POST_MESSAGE": p["message"], "AUTHOR_ID": p["author_id"]}]))
    if p["action"] == ACCEPT:
        commands.append(Command("complete", "tasks.task.complete", {"taskId": p["task_id"]}))
    elif p["action"] == FIX and p.get("reopen"):
        commands.append(Command("renew", "tasks.task.renew", {"taskId": p["task_id"]}))
    if p.get("manager_id"):
        # A webhook must send CLIENT_ID together with TAG (rest-facts §8).
        commands.append(Command("notify", "im.notify.system.add", {
            "USER_ID": p["manager_id"], "MESSAGE": p["notice"], "CLIENT_ID": NOTIFY_CLIENT_ID,
            "TAG": f"merch_photos:review:{p['task_id']}"}))
    return commands


def _nothing_found(client: PortalClient, item: WorkItem) -> Results | None:
    # A comment cannot be looked up in the new task card (rest-facts §5): resend on retry.
    return None


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


register_kind(WorkKind(VERDICT_KIND, build_verdict, _nothing_found, record_verdict))


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
