"""Wire formats of checklist items: UPPER_CASE for task.checklistitem.*, camelCase in a task.

Shapes follow task-checklist-item-get-list.md (IDs as strings, a root's PARENT_ID the integer
0, TOGGLED_BY null and TOGGLED_DATE "" until toggled) and the ``checklist`` / ``checkListTree``
views of status/tasks-task-complete.md.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .clock import iso
from .state import ChecklistItem, Portal, Task

if TYPE_CHECKING:
    from .task_access import TaskAccess


def items_of(portal: Portal, task_id: int) -> list[ChecklistItem]:
    """Return a task's items in display order: by SORT_INDEX, then ID."""
    items = [i for i in portal.checklist_items.values() if i.task_id == task_id]
    return sorted(items, key=lambda i: (i.sort_index, i.id))


def _members_upper(portal: Portal, item: ChecklistItem) -> list[dict[str, Any]]:
    members = []
    for user_id, kind in item.members.items():
        user = portal.users.get(user_id)
        members.append({
            "ID": str(user_id), "TYPE": kind,
            "NAME": f"{user.name} {user.last_name}".strip() if user else "",
            "PERSONAL_PHOTO": None, "PERSONAL_GENDER": "", "IMAGE": "", "IS_COLLABER": False,
        })
    return members


def item_upper(portal: Portal, item: ChecklistItem) -> dict[str, Any]:
    """Render an item as task.checklistitem.get/getlist answer it."""
    return {
        "ID": str(item.id), "TASK_ID": str(item.task_id),
        "PARENT_ID": 0 if item.parent_id == 0 else str(item.parent_id),
        "CREATED_BY": str(item.created_by), "TITLE": item.title,
        "SORT_INDEX": str(item.sort_index),
        "IS_COMPLETE": "Y" if item.is_complete else "N",
        "IS_IMPORTANT": "Y" if item.is_important else "N",
        "TOGGLED_BY": str(item.toggled_by) if item.toggled_by else None,
        "TOGGLED_DATE": iso(item.toggled_date) or "",
        "MEMBERS": _members_upper(portal, item),
        "ATTACHMENTS": [],
    }


def _item_actions(access: "TaskAccess", task: Task, item: ChecklistItem) -> dict[str, bool]:
    modify = access.checklist_modify(task, item)
    return {"modify": modify, "remove": modify, "toggle": access.checklist_toggle(task),
            "add": access.checklist_add(task), "addAccomplice": access.can_edit(task)}


def checklist_map(portal: Portal, task: Task, access: "TaskAccess") -> Any:
    """Return the task's ``checklist`` view: items keyed by ID, or [] when there are none."""
    result: dict[str, Any] = {}
    for item in items_of(portal, task.id):
        upper = item_upper(portal, item)
        result[str(item.id)] = {
            "id": upper["ID"], "taskId": upper["TASK_ID"], "createdBy": upper["CREATED_BY"],
            "parentId": upper["PARENT_ID"], "title": item.title,
            "sortIndex": upper["SORT_INDEX"], "isComplete": upper["IS_COMPLETE"],
            "isImportant": upper["IS_IMPORTANT"], "toggledBy": upper["TOGGLED_BY"],
            "toggledDate": iso(item.toggled_date), "ufChecklistFiles": False,
            "members": [{"id": m["ID"], "type": m["TYPE"], "name": m["NAME"]}
                        for m in upper["MEMBERS"]],
            "attachments": [], "entityId": str(task.id),
            "action": _item_actions(access, task, item),
        }
    return result or []


def _node_fields(item: ChecklistItem | None, viewer: int, display: str,
                 completed: int) -> dict[str, Any]:
    return {
        "id": item.id if item else None, "copiedId": None,
        "entityId": item.task_id if item else None, "userId": viewer,
        "createdBy": item.created_by if item else None,
        "parentId": item.parent_id if item else None,
        "title": item.title if item else "", "sortIndex": item.sort_index if item else None,
        "displaySortIndex": display, "isComplete": bool(item and item.is_complete),
        "isImportant": bool(item and item.is_important), "completedCount": completed,
        "members": [], "attachments": [], "nodeId": None,
    }


def checklist_tree(portal: Portal, task: Task, access: "TaskAccess") -> dict[str, Any]:
    """Return the nested ``checkListTree`` view with a synthetic root node 0."""
    items = items_of(portal, task.id)
    children: dict[int, list[ChecklistItem]] = {}
    for item in items:
        children.setdefault(item.parent_id, []).append(item)
    counter = [0]

    def build(item: ChecklistItem, display: str) -> dict[str, Any]:
        counter[0] += 1
        node_id = counter[0]
        kids = children.get(item.id, [])
        prefix = f"{display}." if display else ""
        descendants = [build(kid, f"{prefix}{n}") for n, kid in enumerate(kids, start=1)]
        done = sum(1 for kid in kids if kid.is_complete)
        return {"nodeId": node_id, "fields": _node_fields(item, access.user.id, display, done),
                "action": _item_actions(access, task, item), "descendants": descendants}

    roots = [build(root, "") for root in children.get(0, [])]
    return {"nodeId": 0, "fields": _node_fields(None, access.user.id, "", 0),
            "action": [], "descendants": roots}
