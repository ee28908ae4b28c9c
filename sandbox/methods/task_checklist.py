"""task.checklistitem.*: positional legacy methods on a task's checklist tree.

Semantics (rest-facts §6): without PARENT_ID an item joins the first top-level checklist,
created as ``BX_CHECKLIST_1`` when missing; PARENT_ID 0 or an unknown parent starts a new
checklist; SORT_INDEX defaults to max+1 among siblings. complete/renew are idempotent, answer
false for an unknown item and do not check the item against TASKID. Checklist changes fire no
event, except OnTaskUpdate when MEMBERS add accomplices/auditors to the task.
"""
from __future__ import annotations

from typing import Any, Callable

from ..errors import core_error
from ..registry import Call, rest_method
from ..state import ChecklistItem, Task
from ..task_access import TaskAccess
from ..task_checklist_format import item_upper, items_of
from ..task_legacy import ACTION_FAILED, ASSERT_FAILED, ITEM_NOT_FOUND, NOT_ALLOWED, LegacyArgs, action_failed
from ..task_ops import fire_task_update, record
from ..task_values import as_int, parse_yn

CLS = "ctaskchecklistitem"
WRITABLE = {"PARENT_ID", "TITLE", "SORT_INDEX", "IS_COMPLETE", "IS_IMPORTANT", "MEMBERS"}
SORTABLE = {"ID", "PARENT_ID", "CREATED_BY", "TITLE", "SORT_INDEX", "IS_COMPLETE",
            "IS_IMPORTANT", "TOGGLED_BY", "TOGGLED_DATE"}
TASK_ITEM = [("taskId", "integer"), ("itemId", "integer")]
FIRST_LIST_TITLE = "BX_CHECKLIST_1"


def _next_sort(call: Call, task_id: int, parent_id: int) -> int:
    siblings = [i.sort_index for i in call.portal.checklist_items.values()
                if i.task_id == task_id and i.parent_id == parent_id]
    return max(siblings) + 1 if siblings else 0


def _new_item(call: Call, task_id: int, parent_id: int, title: str, sort: int | None) -> ChecklistItem:
    item = ChecklistItem(id=call.portal.new_id("checklist_item"), task_id=task_id,
                         parent_id=parent_id, created_by=call.user.id, title=title,
                         sort_index=sort if sort is not None else _next_sort(call, task_id, parent_id))
    call.portal.checklist_items[item.id] = item
    return item


def _set_complete(call: Call, item: ChecklistItem, done: bool) -> None:
    if item.is_complete == done:
        return
    item.is_complete, item.toggled_by, item.toggled_date = done, call.user.id, call.now()
    field = "CHECKLIST_ITEM_CHECK" if done else "CHECKLIST_ITEM_UNCHECK"
    record(call.portal, item.task_id, call.user.id, field, item.title, item.title, call.now())


def _members(call: Call, raw: Any) -> dict[int, str]:
    if isinstance(raw, dict):
        entries: Any = raw.items()
    elif isinstance(raw, list):
        entries = enumerate(raw)
    else:
        return {}
    members: dict[int, str] = {}
    for key, spec in entries:
        spec = spec if isinstance(spec, dict) else {}
        user_id = as_int(spec.get("ID", key))
        kind = str(spec.get("TYPE", "A")).upper()
        if user_id in call.portal.users and kind in ("A", "U"):
            members[user_id] = kind
    return members


def _add_members_to_task(call: Call, task: Task, members: dict[int, str]) -> None:
    """Make item members accomplices (A) or auditors (U) of the task: the one evented path."""
    changed = False
    for user_id, kind in members.items():
        if user_id in task.members():
            continue
        target, field = (task.accomplices, "ACCOMPLICES") if kind == "A" else (task.auditors, "AUDITORS")
        record(call.portal, task.id, call.user.id, field, ",".join(map(str, target)),
               ",".join(map(str, [*target, user_id])), call.now())
        target.append(user_id)
        changed = True
    if changed:
        task.changed_date = call.now()
        fire_task_update(call, task.id)


def _task(call: Call, access: TaskAccess, task_id: int) -> Task | None:
    task = call.portal.tasks.get(task_id)
    return task if task is not None and access.can_read(task) else None


def _item_of_task(call: Call, access: TaskAccess, task_id: int, item_id: int) -> tuple[Task, ChecklistItem]:
    task = _task(call, access, task_id)
    item = call.portal.checklist_items.get(item_id)
    if task is None or item is None or item.task_id != task_id:
        raise core_error(ITEM_NOT_FOUND)
    return task, item


def _descendants(call: Call, item: ChecklistItem) -> list[ChecklistItem]:
    found, stack = [], [item.id]
    while stack:
        parent = stack.pop()
        for child in call.portal.checklist_items.values():
            if child.parent_id == parent and child.task_id == item.task_id:
                found.append(child)
                stack.append(child.id)
    return found


@rest_method("task.checklistitem.add", scope="task")
def checklist_add(call: Call) -> int:
    args = LegacyArgs(call, CLS, "add", [*TASK_ITEM[:1], ("arFields", "array")], 2)
    args.check_keys(1, WRITABLE)
    task_id, fields = args.get(0), args.get(1)
    access = TaskAccess(call.portal, call.user)
    task = _task(call, access, task_id)
    if task is None or not access.checklist_add(task):
        raise action_failed("Adding item: action not allowed")
    title = str(fields.get("TITLE") or "").strip()
    if not title:
        raise action_failed("Item name not specified")
    sort = as_int(fields.get("SORT_INDEX")) if "SORT_INDEX" in fields else None
    if "PARENT_ID" in fields:
        parent = call.portal.checklist_items.get(as_int(fields["PARENT_ID"]) or 0)
        parent_id = parent.id if parent is not None and parent.task_id == task.id else 0
    else:
        roots = [i for i in items_of(call.portal, task.id) if i.parent_id == 0]
        parent_id = roots[0].id if roots else _new_item(call, task.id, 0, FIRST_LIST_TITLE, None).id
    item = _new_item(call, task.id, parent_id, title, sort)
    item.is_important = bool(parse_yn(fields.get("IS_IMPORTANT")))
    record(call.portal, task.id, call.user.id, "CHECKLIST_ITEM_CREATE", "", title, call.now())
    if parse_yn(fields.get("IS_COMPLETE")):
        _set_complete(call, item, True)
    item.members = _members(call, fields.get("MEMBERS"))
    _add_members_to_task(call, task, item.members)
    return item.id


@rest_method("task.checklistitem.update", scope="task")
def checklist_update(call: Call) -> None:
    args = LegacyArgs(call, CLS, "update", [*TASK_ITEM, ("arFields", "array")], 3)
    args.check_keys(2, WRITABLE)
    access = TaskAccess(call.portal, call.user)
    task, item = _item_of_task(call, access, args.get(0), args.get(1))
    fields = args.get(2)
    if not access.checklist_modify(task, item):
        raise core_error(NOT_ALLOWED)
    now, user = call.now(), call.user.id
    if "TITLE" in fields:
        title = str(fields.get("TITLE") or "").strip()
        if not title:
            raise action_failed("Item name not specified")
        if title != item.title:
            record(call.portal, task.id, user, "CHECKLIST_ITEM_RENAME", item.title, title, now)
            item.title = title
    if "PARENT_ID" in fields:
        _reparent(call, item, as_int(fields["PARENT_ID"]) or 0)
    if "SORT_INDEX" in fields and as_int(fields["SORT_INDEX"]) is not None:
        item.sort_index = as_int(fields["SORT_INDEX"]) or 0
    if "IS_IMPORTANT" in fields and parse_yn(fields["IS_IMPORTANT"]) is not None:
        important = bool(parse_yn(fields["IS_IMPORTANT"]))
        if important != item.is_important:
            field = "CHECKLIST_ITEM_MAKE_IMPORTANT" if important else "CHECKLIST_ITEM_MAKE_UNIMPORTANT"
            record(call.portal, task.id, user, field, item.title, item.title, now)
            item.is_important = important
    if "IS_COMPLETE" in fields and parse_yn(fields["IS_COMPLETE"]) is not None:
        _set_complete(call, item, bool(parse_yn(fields["IS_COMPLETE"])))
    if "MEMBERS" in fields:
        item.members = _members(call, fields["MEMBERS"])    # replaced completely
        _add_members_to_task(call, task, item.members)
    return None


def _reparent(call: Call, item: ChecklistItem, parent_id: int) -> None:
    parent = call.portal.checklist_items.get(parent_id)
    if parent is None or parent.task_id != item.task_id:
        parent_id = 0
    elif parent_id == item.id or parent in _descendants(call, item):
        raise action_failed("Moving item: action not allowed")
    if parent_id != item.parent_id:
        item.parent_id = parent_id
        item.sort_index = _next_sort(call, item.task_id, parent_id)


@rest_method("task.checklistitem.delete", scope="task")
def checklist_delete(call: Call) -> bool:
    args = LegacyArgs(call, CLS, "delete", TASK_ITEM, 2)
    access = TaskAccess(call.portal, call.user)
    task, item = _item_of_task(call, access, args.get(0), args.get(1))
    if not access.checklist_modify(task, item):
        raise action_failed("Deleting item: action not allowed")
    for doomed in [item, *_descendants(call, item)]:
        record(call.portal, task.id, call.user.id, "CHECKLIST_ITEM_REMOVE", doomed.title, "",
               call.now())
        del call.portal.checklist_items[doomed.id]
    return True


@rest_method("task.checklistitem.get", scope="task")
def checklist_get(call: Call) -> dict[str, Any]:
    args = LegacyArgs(call, CLS, "get", TASK_ITEM, 2)
    access = TaskAccess(call.portal, call.user)
    _, item = _item_of_task(call, access, args.get(0), args.get(1))
    return item_upper(call.portal, item)


@rest_method("task.checklistitem.getlist", scope="task")
def checklist_getlist(call: Call) -> list[dict[str, Any]]:
    args = LegacyArgs(call, CLS, "getlist", [TASK_ITEM[0], ("arOrder", "array")], 1)
    args.check_keys(1, SORTABLE)
    access = TaskAccess(call.portal, call.user)
    task = _task(call, access, args.get(0))
    if task is None:
        raise core_error(ACTION_FAILED)
    rows = [item_upper(call.portal, i) for i in sorted(items_of(call.portal, task.id),
                                                       key=lambda i: i.id)]
    order = args.get(1) or {"ID": "DESC"}
    for key, direction in reversed(list(order.items())):
        rows.sort(key=_row_key(key),
                  reverse=str(direction).strip().upper() == "DESC")
    return rows


def _row_key(key: str) -> Callable[[dict[str, Any]], tuple[int, Any]]:
    return lambda row: _sort_key(row[key])


def _sort_key(value: Any) -> tuple[int, Any]:
    number = as_int(value)
    if number is not None:
        return (0, number)
    return (1, "" if value is None else str(value).lower())


def _toggle(call: Call, method: str, done: bool) -> bool:
    args = LegacyArgs(call, CLS, method, TASK_ITEM, 2)
    if args.get(0) <= 0 or args.get(1) <= 0:
        raise core_error(ASSERT_FAILED)
    # ITEMID is looked up on its own: the item's task is not compared with TASKID (rest-facts §6).
    item = call.portal.checklist_items.get(args.get(1))
    if item is None:
        return False
    access = TaskAccess(call.portal, call.user)
    task = _task(call, access, item.task_id)
    if task is None or not access.checklist_toggle(task):
        return False
    _set_complete(call, item, done)
    return True


@rest_method("task.checklistitem.complete", scope="task")
def checklist_complete(call: Call) -> bool:
    return _toggle(call, "complete", True)


@rest_method("task.checklistitem.renew", scope="task")
def checklist_renew(call: Call) -> bool:
    return _toggle(call, "renew", False)


@rest_method("task.checklistitem.moveafteritem", scope="task")
def checklist_move_after(call: Call) -> None:
    args = LegacyArgs(call, CLS, "moveafteritem", [*TASK_ITEM, ("afterItemId", "integer")], 3)
    access = TaskAccess(call.portal, call.user)
    task, item = _item_of_task(call, access, args.get(0), args.get(1))
    _, after = _item_of_task(call, access, args.get(0), args.get(2))
    if not access.checklist_modify(task, item) or after.id == item.id or after in _descendants(call, item):
        raise action_failed("Moving item: action not allowed")
    item.parent_id = after.parent_id
    for sibling in call.portal.checklist_items.values():
        if (sibling.task_id == task.id and sibling.parent_id == after.parent_id
                and sibling.id != item.id and sibling.sort_index > after.sort_index):
            sibling.sort_index += 1
    item.sort_index = after.sort_index + 1
    return None


@rest_method("task.checklistitem.isactionallowed", scope="task")
def checklist_is_action_allowed(call: Call) -> bool:
    args = LegacyArgs(call, CLS, "isactionallowed", [*TASK_ITEM, ("actionId", "integer")], 3)
    access = TaskAccess(call.portal, call.user)
    task = _task(call, access, args.get(0))
    item = call.portal.checklist_items.get(args.get(1))
    if task is None or item is None or item.task_id != task.id:
        return False
    action = args.get(2)
    if action == 1:
        return access.checklist_add(task)
    if action == 4:
        return access.checklist_toggle(task)
    if action in (2, 3, 5):
        return access.checklist_modify(task, item)
    return False
