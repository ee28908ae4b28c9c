"""The fan-out's work kinds: send a copy, remind, move a deadline, recall a copy.

Each item carries everything its commands need in its payload (the queue builds commands
without a database). Only the copy creates something, so only the copy needs a real
lookup on retry: by the item key stamped as the task's TAG (rest-facts §5 TAGS, list
filter TAG). Reminders reuse a notification TAG, so a resend replaces instead of adding
(rest-facts §8 im.notify.system.add: "the same TAG replaces earlier notifications").
"""
from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from ..bitrix.commands import Command, Ref
from ..ledger import CREATED, PARKED, RETRYING, SlotRef, record_outcome
from ..workqueue import Results, WorkItem, WorkKind, register_kind
from .files import register_upload_kind
from .models import COPY_CREATED, COPY_FAILED, STATE_CLOSED, STATE_GONE, STATE_OPEN, FanoutCopy

if TYPE_CHECKING:
    from ..bitrix.client import PortalClient

ROUTINE = "position_fanout"
COPY_KIND = "position_fanout.copy"
REMIND_KIND = "position_fanout.remind"
EXTEND_KIND = "position_fanout.extend"
RECALL_KIND = "position_fanout.recall"
NOTIFY_CLIENT_ID = "storeops"
DONE_STATUSES = (4, 5)     # 4 = awaiting the creator's approval, 5 = completed (rest-facts §5)


def _now(item: WorkItem) -> datetime:
    # The queue stamps updated_at with the run's ``now`` when it claims the item.
    return item.updated_at


def _copy(session: Session, item: WorkItem) -> FanoutCopy | None:
    return session.get(FanoutCopy, int(item.payload["copy_id"]))


def _slot(item: WorkItem, copy: FanoutCopy) -> SlotRef:
    return SlotRef(ROUTINE, item.key, store_id=copy.store_id, subject_user_id=copy.user_id)


# -- one copy: the task and its checklist in one command stream ------------------------------

def build_copy(item: WorkItem) -> list[Command]:
    """Return tasks.task.add and one task.checklistitem.add per item (positional params)."""
    commands = [Command("task", "tasks.task.add", {"fields": item.payload["fields"]})]
    for index, title in enumerate(item.payload.get("checklist", [])):
        # No inline checklist on tasks.task.add (rest-facts §5); items reference the new task.
        commands.append(Command(f"item{index}", "task.checklistitem.add",
                                [Ref("task", "task", "id"),
                                 {"TITLE": title, "SORT_INDEX": (index + 1) * 10}]))
    return commands


def find_copy(client: PortalClient, item: WorkItem) -> Results | None:
    """Find the task stamped with the item key; add any checklist items a crash left out."""
    page = client.call_page("tasks.task.list", {
        "filter": {"TAG": item.payload["tag"]}, "select": ["ID"], "start": -1},
        key_path=["tasks"])
    if not page.items:
        return None
    task_id = int(min(int(row["id"]) for row in page.items))
    results: Results = {"task": {"task": {"id": str(task_id)}}}
    wanted = list(item.payload.get("checklist", []))
    if not wanted:
        return results
    present = Counter(str(row.get("TITLE", "")) for row in
                      client.call("task.checklistitem.getlist", [task_id]) or [])
    missing: list[Command] = []
    for index, title in enumerate(wanted):
        if present[title] > 0:
            present[title] -= 1
            results[f"item{index}"] = None
        else:
            missing.append(Command(f"item{index}", "task.checklistitem.add",
                                   [task_id, {"TITLE": title, "SORT_INDEX": (index + 1) * 10}]))
    for key, outcome in client.run_commands(missing).items():
        if outcome.error is not None:
            raise outcome.error
        results[key] = outcome.result
    return results


def record_copy(session: Session, item: WorkItem, results: Results) -> None:
    """Store the task ID on the copy and move its ledger slot to created."""
    copy = _copy(session, item)
    if copy is None:
        return
    task_id = int(results["task"]["task"]["id"])
    now = _now(item)
    copy.status = COPY_CREATED
    copy.task_id = task_id
    copy.state = STATE_OPEN
    copy.sent_at = now
    record_outcome(session, copy.portal_id, _slot(item, copy), CREATED, now, task_id=task_id,
                   work_item_id=item.id)


def copy_failed(session: Session, item: WorkItem, error: str, parked: bool) -> None:
    """Mark the copy failed once its item is parked; the ledger shows retries too."""
    copy = _copy(session, item)
    if copy is None:
        return
    if parked:
        copy.status = COPY_FAILED
        copy.reason = error[:500]
    record_outcome(session, copy.portal_id, _slot(item, copy), PARKED if parked else RETRYING,
                   _now(item), reason=error[:500], work_item_id=item.id)


# -- reminders, deadline moves, recalls -----------------------------------------------------

def build_remind(item: WorkItem) -> list[Command]:
    """Return one im.notify.system.add for the recipient, tagged per campaign round."""
    payload = item.payload
    # A webhook must name a CLIENT_ID when it sends a TAG (rest-facts §8); an app's OAuth call
    # is scoped by its own client, so the extra field does no harm there.
    return [Command("notify", "im.notify.system.add", {
        "USER_ID": payload["user_id"], "MESSAGE": payload["message"], "TAG": payload["tag"],
        "CLIENT_ID": NOTIFY_CLIENT_ID})]


def record_remind(session: Session, item: WorkItem, results: Results) -> None:
    """Remember which reminder round reached the copy's recipient."""
    copy = _copy(session, item)
    if copy is not None:
        copy.reminded_round = max(copy.reminded_round, int(item.payload["round"]))


def build_extend(item: WorkItem) -> list[Command]:
    """Return tasks.task.update with the new DEADLINE."""
    return [Command("update", "tasks.task.update", {
        "taskId": item.payload["task_id"], "fields": {"DEADLINE": item.payload["deadline"]}})]


def build_recall(item: WorkItem) -> list[Command]:
    """Return tasks.task.complete or tasks.task.delete for the copy."""
    method = "tasks.task.delete" if item.payload["mode"] == "delete" else "tasks.task.complete"
    return [Command("recall", method, {"taskId": item.payload["task_id"]})]


def find_recalled(client: PortalClient, item: WorkItem) -> Results | None:
    """Treat a task already gone (delete) or already closed (complete) as recalled."""
    page = client.call_page("tasks.task.list", {
        "filter": {"ID": item.payload["task_id"]}, "select": ["ID", "STATUS"], "start": -1},
        key_path=["tasks"])
    if not page.items:
        return {"recall": "gone"}
    if item.payload["mode"] != "delete" and int(page.items[0].get("status", 0)) in DONE_STATUSES:
        return {"recall": "closed"}
    return None


def record_recall(session: Session, item: WorkItem, results: Results) -> None:
    """Mark the copy closed or gone."""
    copy = _copy(session, item)
    if copy is not None:
        copy.state = STATE_GONE if item.payload["mode"] == "delete" else STATE_CLOSED
        copy.closed_at = _now(item)


def _nothing_to_find(client: PortalClient, item: WorkItem) -> Results | None:
    # Updates and tagged notifications are safe to repeat: a retry sends them again.
    return None


def _record_nothing(session: Session, item: WorkItem, results: Results) -> None:
    return None


def register_kinds() -> None:
    """Register the fan-out's work kinds with the queue (idempotent)."""
    register_kind(WorkKind(COPY_KIND, build_copy, find_copy, record_copy, on_failure=copy_failed))
    register_kind(WorkKind(REMIND_KIND, build_remind, _nothing_to_find, record_remind))
    register_kind(WorkKind(EXTEND_KIND, build_extend, _nothing_to_find, _record_nothing))
    register_kind(WorkKind(RECALL_KIND, build_recall, find_recalled, record_recall))
    register_upload_kind()


register_kinds()
