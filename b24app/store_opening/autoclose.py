"""Auto-close: complete an opening task once every checklist item is ticked.

Bitrix24 fires no event for checklist ticks (rest-facts §6 "Events"), so a reconcile pass
polls the open tasks: per 50 tasks one ``tasks.task.list`` (status and attached files) plus
one ``task.checklistitem.getlist`` per task, all in full 50-command batches, i.e. at most
21 requests per 1,000 open tasks. Task events trigger the same check for one task at once.
A task that left the open state is never polled again, so unticking after closing does not
reopen it. ``tasks.task.complete`` may land in status 4 under task control (rest-facts §5).
"""
from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import ledger
from ..bitrix.commands import Command, CommandResult
from ..own_writes import note_own_write
from .checklist_state import Verdict, evaluate
from .models import AWAITING_APPROVAL, DONE, GONE, OPEN, ROUTINE, OpeningTask

if TYPE_CHECKING:
    from ..wiring import Services

log = logging.getLogger(__name__)

LIST_CHUNK = 50
POLL_DAYS = 30          # open tasks older than this are no longer polled
MAX_TASKS_PER_PASS = 1000   # 21 requests; the least recently checked go first
STATUS_AWAITING = "4"
STATUS_COMPLETED = "5"


@dataclass(frozen=True)
class OpenTask:
    row_id: int
    task_id: int
    needs_photo: bool
    due_at: datetime


def open_tasks(session: Session, portal_id: int, now: datetime,
               task_ids: Collection[int] | None = None) -> list[OpenTask]:
    """Return the open opening tasks to check (only the given ones when ``task_ids``)."""
    query = select(OpeningTask).where(
        OpeningTask.portal_id == portal_id, OpeningTask.state == OPEN,
        OpeningTask.local_date >= (now - timedelta(days=POLL_DAYS)).date())
    if task_ids is not None:
        query = query.where(OpeningTask.task_id.in_(list(task_ids)))
    query = query.order_by(OpeningTask.last_checked_at.is_not(None),
                           OpeningTask.last_checked_at, OpeningTask.id).limit(MAX_TASKS_PER_PASS)
    return [OpenTask(r.id, r.task_id, r.needs_photo, r.due_at) for r in session.scalars(query)]


def poll_commands(tasks: Sequence[OpenTask]) -> list[Command]:
    """Return the read commands of one pass: a task list per 50 tasks, a getlist per task."""
    commands: list[Command] = []
    for start in range(0, len(tasks), LIST_CHUNK):
        chunk = [t.task_id for t in tasks[start:start + LIST_CHUNK]]
        commands.append(Command(f"l{start // LIST_CHUNK}", "tasks.task.list", {
            "filter": {"ID": chunk},
            "select": ["ID", "STATUS", "CLOSED_DATE", "UF_TASK_WEBDAV_FILES"],
            "start": -1}))
    # Positional: [TASKID] (rest-facts §6 "getlist").
    commands.extend(Command(f"g{t.task_id}", "task.checklistitem.getlist", [t.task_id])
                    for t in tasks)
    return commands


def task_rows(results: dict[str, CommandResult]) -> dict[int, dict[str, Any]]:
    """Return the tasks seen by the list commands, keyed by ID."""
    seen: dict[int, dict[str, Any]] = {}
    for key, result in results.items():
        if key.startswith("l") and result.ok and isinstance(result.result, dict):
            for task in result.result.get("tasks", []):
                seen[int(task["id"])] = task
    return seen


@dataclass(frozen=True)
class Decision:
    task: OpenTask
    verdict: Verdict | None
    bitrix_status: str | None      # None: the task is gone


def decide(tasks: Sequence[OpenTask], results: dict[str, CommandResult]) -> list[Decision]:
    """Pair each task with what Bitrix24 says about it; skip tasks whose reads failed."""
    listed = task_rows(results)
    lists_ok = all(r.ok for k, r in results.items() if k.startswith("l"))
    decisions: list[Decision] = []
    for task in tasks:
        row = listed.get(task.task_id)
        if row is None:
            if lists_ok:
                decisions.append(Decision(task, None, None))
            continue
        items = results.get(f"g{task.task_id}")
        if items is None or not items.ok:
            continue
        verdict = evaluate(items.result, row.get("ufTaskWebdavFiles"))
        decisions.append(Decision(task, verdict, str(row.get("status", ""))))
    return decisions


def reconcile(services: Services, portal_id: int, now: datetime,
              task_ids: Collection[int] | None = None) -> int:
    """Poll open tasks, complete the finished ones, record outcomes; return tasks closed."""
    with services.session_factory.begin() as session:
        tasks = open_tasks(session, portal_id, now, task_ids)
    if not tasks:
        return 0
    client = services.bitrix.for_portal(portal_id)
    decisions = decide(tasks, client.run_commands(poll_commands(tasks)))
    to_complete = [d for d in decisions if d.verdict is not None
                   and d.bitrix_status not in (STATUS_AWAITING, STATUS_COMPLETED)
                   and d.verdict.may_complete(d.task.needs_photo)]
    completed = client.run_commands([Command(f"x{d.task.task_id}", "tasks.task.complete",
                                             {"taskId": d.task.task_id}) for d in to_complete])
    closed = 0
    with services.session_factory.begin() as session:
        for decision in decisions:
            status = decision.bitrix_status
            result = completed.get(f"x{decision.task.task_id}")
            if result is not None:
                if not result.ok:
                    log.warning("completing task %s failed: %s", decision.task.task_id,
                                result.error)
                    continue
                status = _status_of(result.result) or STATUS_COMPLETED
            closed += record_check(session, portal_id, decision, status, now)
    return closed


def _status_of(result: Any) -> str | None:
    task = result.get("task") if isinstance(result, dict) else None
    return str(task.get("status")) if isinstance(task, dict) and task.get("status") else None


def record_check(session: Session, portal_id: int, decision: Decision, status: str | None,
                 now: datetime) -> int:
    """Write what one check found; return 1 when the task left the open state."""
    row = session.get(OpeningTask, decision.task.row_id)
    if row is None or row.state != OPEN:
        return 0
    row.last_checked_at = now
    if decision.verdict is not None:
        row.unticked = list(decision.verdict.unticked)
    if status is None:
        row.state = GONE
        ref = ledger.SlotRef(ROUTINE, row.slot_key, row.store_id, row.local_date)
        ledger.record_outcome(session, portal_id, ref, ledger.CREATED, now, reason="task_deleted")
        return 1
    if status not in (STATUS_AWAITING, STATUS_COMPLETED):
        return 0
    done_at = (decision.verdict.last_tick_at if decision.verdict is not None
               and decision.verdict.all_ticked and decision.verdict.last_tick_at else now)
    row.state = AWAITING_APPROVAL if status == STATUS_AWAITING else DONE
    row.completed_at = done_at
    outcome = ledger.DONE_ON_TIME if done_at <= row.due_at else ledger.DONE_LATE
    ref = ledger.SlotRef(ROUTINE, row.slot_key, row.store_id, row.local_date)
    ledger.record_outcome(session, portal_id, ref, outcome, now, done_at=done_at,
                          task_id=row.task_id, reason="awaiting_approval"
                          if status == STATUS_AWAITING else "")
    note_own_write(session, portal_id, "task", row.task_id, now)
    return 1
