"""The work kind that creates one opening task with its checklist, exactly once.

A crash between the call and the record leaves a task in Bitrix24 that the database does
not know: the next attempt finds it by its TAG (``tasks.task.list`` filter TAG), adds any
checklist items that did not make it, and records it, instead of creating a second task.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import ledger
from ..bitrix.commands import Command
from ..own_writes import note_own_write
from ..workqueue import Results, WorkItem, WorkKind, register_kind
from .checklist_state import checklist_items
from .generation import KIND_CREATE
from .models import OPEN, ROUTINE, OpeningTask
from .task_plan import TASK_KEY, item_key, plan_commands, plan_from_payload

if TYPE_CHECKING:
    from ..bitrix.client import PortalClient


def build_commands(item: WorkItem) -> list[Command]:
    """Return the task and checklist commands of the item's plan."""
    return plan_commands(plan_from_payload(item.payload))


def find_existing(client: PortalClient, item: WorkItem) -> Results | None:
    """Look the task up by its TAG; complete its checklist if items are missing."""
    plan = plan_from_payload(item.payload)
    found = client.call("tasks.task.list", {"filter": {"TAG": plan.tag}, "select": ["ID"]})
    tasks = found.get("tasks", []) if isinstance(found, dict) else []
    if not tasks:
        return None
    task_id = min(int(t["id"]) for t in tasks)
    existing = {row["title"] for row in checklist_items(
        client.call("task.checklistitem.getlist", [task_id]))}
    missing = [c for c in plan_commands(plan)[1:]
               if c.params is not None and list(c.params)[1]["TITLE"] not in existing]
    if missing:
        healed = [Command(c.key, c.method, [task_id, list(c.params or [])[1]]) for c in missing]
        client.run_commands(healed)
    results: Results = {TASK_KEY: {"task": {"id": str(task_id)}}}
    results.update({item_key(i): True for i in range(len(plan.items))})
    return results


def record(session: Session, item: WorkItem, results: Results) -> None:
    """Store the new task and move its ledger slot to created."""
    plan = plan_from_payload(item.payload)
    now = item.updated_at or datetime.now(timezone.utc)
    task_id = int(_task_result(results)["id"])
    row = session.scalar(select(OpeningTask).where(OpeningTask.portal_id == item.portal_id,
                                                   OpeningTask.slot_key == plan.slot_key))
    if row is None:
        row = OpeningTask(portal_id=item.portal_id, slot_key=plan.slot_key, state=OPEN,
                          unticked=[i.title for i in plan.items])
        session.add(row)
    row.store_id = plan.store_id
    row.local_date = plan.local_date
    row.task_id = task_id
    row.responsible_id = plan.people.responsible_id
    row.vacant_manager = plan.people.vacant_manager
    row.superior_id = plan.people.superior_id
    row.due_at = plan.deadline
    row.created_at = now
    row.items = [{"title": i.title, "important": i.important, "photo": i.photo}
                 for i in plan.items]
    row.needs_photo = plan.needs_photo
    ref = ledger.SlotRef(ROUTINE, plan.slot_key, plan.store_id, plan.local_date)
    ledger.record_outcome(session, item.portal_id, ref, ledger.CREATED, now, task_id=task_id,
                          work_item_id=item.id)
    note_own_write(session, item.portal_id, "task", task_id, now)


def _task_result(results: Results) -> dict[str, Any]:
    value = results[TASK_KEY]
    task = value.get("task", value) if isinstance(value, dict) else {}
    if not isinstance(task, dict) or "id" not in task:
        raise ValueError("tasks.task.add returned no task id")
    return task


def on_failure(session: Session, item: WorkItem, error: str, parked: bool) -> None:
    """Show the failure on the ledger: retrying, or parked for an admin."""
    plan = plan_from_payload(item.payload)
    ref = ledger.SlotRef(ROUTINE, plan.slot_key, plan.store_id, plan.local_date)
    ledger.record_outcome(session, item.portal_id, ref,
                          ledger.PARKED if parked else ledger.RETRYING,
                          item.updated_at or datetime.now(timezone.utc), reason=error[:500],
                          work_item_id=item.id)


CREATE_KIND = register_kind(WorkKind(KIND_CREATE, build_commands, find_existing, record,
                                     on_failure=on_failure))
