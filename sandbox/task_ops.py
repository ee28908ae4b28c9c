"""Shared writes of the tasks methods: history rows, task events, attachments, status changes.

Event data literals are those of ``CTaskRestService::onEventFilter`` (rest-facts §9 "Task event
data"); every task event is keyed ``task:{id}`` so that the offline queue keeps the latest change.
"""
from __future__ import annotations

from datetime import datetime

from .errors import core_error
from .registry import Call
from .state import AttachedObject, HistoryRow, Portal, Task

UNDEFINED = "undefined"


def record(portal: Portal, task_id: int, user_id: int, field: str, value_from: str | None,
           value_to: str | None, now: datetime) -> None:
    """Append one row to the task history (tasks.task.history.list)."""
    row_id = portal.new_id("history")
    portal.history[row_id] = HistoryRow(row_id, task_id, now, user_id, field, value_from, value_to)


def fire_task_add(call: Call, task_id: int) -> None:
    data = {"FIELDS_BEFORE": UNDEFINED, "FIELDS_AFTER": {"ID": task_id},
            "IS_ACCESSIBLE_BEFORE": "N", "IS_ACCESSIBLE_AFTER": UNDEFINED}
    call.events.fire("ONTASKADD", data, call.auth.user_id, object_key=f"task:{task_id}")


def fire_task_update(call: Call, task_id: int) -> None:
    data = {"FIELDS_BEFORE": {"ID": task_id}, "FIELDS_AFTER": {"ID": task_id},
            "IS_ACCESSIBLE_BEFORE": UNDEFINED, "IS_ACCESSIBLE_AFTER": UNDEFINED}
    call.events.fire("ONTASKUPDATE", data, call.auth.user_id, object_key=f"task:{task_id}")


def fire_task_delete(call: Call, task_id: int) -> None:
    data = {"FIELDS_BEFORE": {"ID": task_id}, "FIELDS_AFTER": UNDEFINED,
            "IS_ACCESSIBLE_BEFORE": UNDEFINED, "IS_ACCESSIBLE_AFTER": "N"}
    call.events.fire("ONTASKDELETE", data, call.auth.user_id, object_key=f"task:{task_id}")


def fire_comment_add(call: Call, comment_id: int, task_id: int) -> None:
    data = {"FIELDS_AFTER": {"ID": comment_id, "TASK_ID": task_id}}
    call.events.fire("ONTASKCOMMENTADD", data, call.auth.user_id, object_key=f"comment:{comment_id}")


def disk_file_id(value: object, prefixed: bool = True) -> int | None:
    """Parse ``n123`` (or 123 when ``prefixed`` is False) into a Drive object ID."""
    text = str(value).strip()
    if prefixed:
        if not (text[:1] in ("n", "N") and text[1:].isdigit()):
            return None
        return int(text[1:])
    return int(text) if text.isdigit() else None


def attach(portal: Portal, disk_object_id: int, module_id: str, entity_type: str,
           entity_id: int, user_id: int, missing_text: str = "File not found<br>") -> int:
    """Attach a Drive file to a task or comment; return the attached-object ID."""
    obj = portal.disk_objects.get(disk_object_id)
    if obj is None or obj.type != "file":
        raise core_error(missing_text)
    attached_id = portal.new_id("attached_object")
    portal.attached_objects[attached_id] = AttachedObject(
        attached_id, disk_object_id, module_id, entity_type, entity_id, user_id)
    return attached_id


def set_status(portal: Portal, task: Task, status: int, user_id: int, now: datetime) -> bool:
    """Move a task to ``status``; write nothing and return False when it is already there."""
    if task.status == status:
        return False
    record(portal, task.id, user_id, "STATUS", str(task.status), str(status), now)
    task.status = status
    task.status_changed_by = user_id
    task.status_changed_date = now
    task.changed_date = now
    if status == 3 and task.date_start is None:
        task.date_start = now
    task.closed_date = now if status == 5 else None
    return True


def complete_parents(call: Call, task: Task) -> None:
    """Complete parents that auto-complete with their subtasks (SE_PARAMETER CODE 2)."""
    portal, now = call.portal, call.now()
    parent = portal.tasks.get(task.parent_id) if task.parent_id else None
    seen: set[int] = set()
    while parent is not None and parent.id not in seen and parent.se_parameters.get(2):
        seen.add(parent.id)
        subtasks = [t for t in portal.tasks.values() if t.parent_id == parent.id]
        if not subtasks or any(t.status != 5 for t in subtasks):
            return
        if set_status(portal, parent, 5, call.auth.user_id, now):
            fire_task_update(call, parent.id)
        parent = portal.tasks.get(parent.parent_id) if parent.parent_id else None
