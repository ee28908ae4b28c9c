"""tasks.task.add/update/get/list/delete/getFields, history.list and files.attach.

Input is UPPER_CASE under ``fields``; output is lowerCamel with string scalars under
``result.task`` / ``result.tasks`` (rest-facts §5). Status actions live in task_actions.py.
"""
from __future__ import annotations

from typing import Any

from ..clock import iso
from ..errors import RestError, missing_parameter, task_action_not_allowed
from ..registry import Call, Page, page_of, rest_method
from ..task_access import TaskAccess
from ..task_filter import build_predicate, sort_tasks
from ..task_format import format_task, history_user
from ..task_input import create_task, parse_fields, update_task
from ..task_ops import attach, fire_task_add, fire_task_delete, fire_task_update
from ..task_params import array_param, int_param, object_param, task_id_param


def _fields(call: Call) -> dict[str, Any]:
    fields = call.params.get("fields")
    if not isinstance(fields, dict) or not fields:
        raise missing_parameter("fields")
    return fields


def render(call: Call, access: TaskAccess, task_id: int,
           select: list[Any] | None = None) -> dict[str, Any]:
    """Return ``{"task": {...}}`` as the add/update/status methods answer."""
    task = call.portal.tasks[task_id]
    return {"task": format_task(call.portal, task, access, call.now(), select)}


@rest_method("tasks.task.add", scope="task")
def task_add(call: Call) -> dict[str, Any]:
    values = parse_fields(call, _fields(call), None)
    task = create_task(call, values)
    fire_task_add(call, task.id)
    return render(call, TaskAccess(call.portal, call.user), task.id)


@rest_method("tasks.task.update", scope="task")
def task_update(call: Call) -> dict[str, Any]:
    task_id = task_id_param(call)
    access = TaskAccess(call.portal, call.user)
    task = call.portal.tasks.get(task_id)
    if task is None or not access.can_edit(task):
        raise task_action_not_allowed()
    values = parse_fields(call, _fields(call), task)
    if update_task(call, task, values):
        fire_task_update(call, task.id)
    return render(call, access, task.id)


@rest_method("tasks.task.get", scope="task")
def task_get(call: Call) -> Any:
    task_id = task_id_param(call)
    select = array_param(call, "select")
    access = TaskAccess(call.portal, call.user)
    task = call.portal.tasks.get(task_id)
    if task is None or not access.can_read(task):
        # The controller catches the access exception and answers an empty array.
        return []
    return {"task": format_task(call.portal, task, access, call.now(), select)}


@rest_method("tasks.task.list", scope="task")
def task_list(call: Call) -> Page:
    access = TaskAccess(call.portal, call.user)
    now = call.now()
    select = array_param(call, "select")
    predicate = build_predicate(object_param(call, "filter"), call.portal, call.user.id, now)
    visible = [t for t in call.portal.tasks.values() if access.can_read(t) and predicate(t)]
    ordered = sort_tasks(visible, object_param(call, "order"))
    page = page_of(ordered, call.params.get("start"))
    page.items = {"tasks": [format_task(call.portal, t, access, now, select, full=False)
                            for t in page.items]}
    return page


@rest_method("tasks.task.delete", scope="task")
def task_delete(call: Call) -> dict[str, bool]:
    task_id = task_id_param(call)
    access = TaskAccess(call.portal, call.user)
    portal = call.portal
    task = portal.tasks.get(task_id)
    if task is None or not access.can_remove(task):
        raise RestError("1048582", "No access to delete the task", 400)
    for child in portal.tasks.values():
        if child.parent_id == task_id:
            child.parent_id = task.parent_id    # subtasks move up to the deleted task's parent
    for item_id in [i.id for i in portal.checklist_items.values() if i.task_id == task_id]:
        del portal.checklist_items[item_id]
    for comment_id in [c.id for c in portal.comments.values() if c.task_id == task_id]:
        del portal.comments[comment_id]
    for attached_id in task.attachments:
        portal.attached_objects.pop(attached_id, None)
    del portal.tasks[task_id]
    fire_task_delete(call, task_id)
    return {"task": True}


@rest_method("tasks.task.files.attach", scope="task")
def task_files_attach(call: Call) -> dict[str, int]:
    task_id = task_id_param(call)
    file_id = int_param(call, "fileId")
    access = TaskAccess(call.portal, call.user)
    task = call.portal.tasks.get(task_id)
    if task is None or not access.can_edit(task):
        raise RestError("0", "Access denied", 400)
    attached_id = attach(call.portal, file_id, "tasks", "task", task.id, call.user.id,
                         missing_text="Insufficient permissions.<br>")
    task.attachments.append(attached_id)
    task.changed_date = call.now()
    fire_task_update(call, task.id)
    return {"attachmentId": attached_id}


@rest_method("tasks.task.history.list", scope="task")
def task_history_list(call: Call) -> dict[str, Any]:
    task_id = task_id_param(call)
    access = TaskAccess(call.portal, call.user)
    task = call.portal.tasks.get(task_id)
    if task is None:
        return {"list": []}
    if not access.can_read(task):
        raise RestError("0", "Access denied.", 400)
    wanted = object_param(call, "filter").get("FIELD")
    fields = {str(f) for f in wanted} if isinstance(wanted, list) else (
        {str(wanted)} if wanted else None)
    rows = [r for r in call.portal.history.values()
            if r.task_id == task_id and (fields is None or r.field in fields)]
    order = object_param(call, "order")
    descending = True
    for key, direction in order.items():
        if str(key).lower() in ("createddate", "created_date", "id"):
            descending = str(direction).strip().upper() == "DESC"
            break
    rows.sort(key=lambda r: (r.created_date, r.id), reverse=descending)
    return {"list": [{
        "id": r.id, "createdDate": iso(r.created_date), "field": r.field,
        "value": {"from": r.value_from, "to": r.value_to},
        "user": history_user(call.portal.users.get(r.user_id), r.user_id),
    } for r in rows]}


_FIELD_TYPES = {
    "ID": ("ID", "integer"), "PARENT_ID": ("Parent task ID", "integer"),
    "TITLE": ("Name", "string"), "DESCRIPTION": ("Description", "string"),
    "MARK": ("Rating", "enum"), "PRIORITY": ("Priority", "enum"),
    "STATUS": ("Status", "enum"), "MULTITASK": ("Multiple assignees task", "enum"),
    "NOT_VIEWED": ("Not viewed", "enum"), "REPLICATE": ("Repeating task", "enum"),
    "GROUP_ID": ("Project", "integer"), "STAGE_ID": ("Stage", "integer"),
    "CREATED_BY": ("Created by", "integer"), "CREATED_DATE": ("Created on", "datetime"),
    "RESPONSIBLE_ID": ("Assignee", "integer"), "ACCOMPLICES": ("Participants", "array"),
    "AUDITORS": ("Observers", "array"), "CHANGED_BY": ("Modified by", "integer"),
    "CHANGED_DATE": ("Modified on", "datetime"), "STATUS_CHANGED_BY": ("Status changed by", "integer"),
    "STATUS_CHANGED_DATE": ("Status changed on", "datetime"), "CLOSED_BY": ("Completed by", "integer"),
    "CLOSED_DATE": ("Completed on", "datetime"), "ACTIVITY_DATE": ("Activity date", "datetime"),
    "DATE_START": ("Started on", "datetime"), "DEADLINE": ("Deadline", "datetime"),
    "START_DATE_PLAN": ("Planned start date", "datetime"),
    "END_DATE_PLAN": ("Planned end date", "datetime"), "GUID": ("GUID", "string"),
    "XML_ID": ("External ID", "string"), "COMMENTS_COUNT": ("Comments count", "integer"),
    "NEW_COMMENTS_COUNT": ("New comments", "integer"),
    "ALLOW_CHANGE_DEADLINE": ("Assignee can change deadline", "enum"),
    "TASK_CONTROL": ("Approve task when completed", "enum"),
    "ADD_IN_REPORT": ("Add task to report", "enum"), "TIME_ESTIMATE": ("Estimated time", "integer"),
    "ALLOW_TIME_TRACKING": ("Track time spent", "enum"), "MATCH_WORK_TIME": ("Skip weekends", "enum"),
    "SUBORDINATE": ("Subordinate task", "enum"), "FAVORITE": ("Favorite", "enum"),
    "DURATION_PLAN": ("Planned duration", "integer"), "DURATION_TYPE": ("Duration units", "enum"),
    "CHECKLIST": ("Checklist", "array"), "TAGS": ("Tags", "array"),
    "SE_PARAMETER": ("Parameters", "array"), "CHAT_ID": ("Chat ID", "integer"),
}
_ENUMS = {
    "PRIORITY": {"2": "High", "1": "Medium", "0": "Low"},
    "STATUS": {"2": "Pending", "3": "In progress", "4": "Supposedly completed",
               "5": "Completed", "6": "Deferred"},
    "MARK": {"N": "Negative", "P": "Positive"},
}


@rest_method("tasks.task.getfields", scope="task")
def task_get_fields(call: Call) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for name, (title, kind) in _FIELD_TYPES.items():
        entry: dict[str, Any] = {"title": title, "type": kind}
        if name == "ID":
            entry["primary"] = True
        if name in ("TITLE", "RESPONSIBLE_ID"):
            entry["required"] = True
        if name in _ENUMS:
            entry["values"] = _ENUMS[name]
        elif kind == "enum":
            entry["values"] = {"Y": "Yes", "N": "No"}
        if name == "STATUS":
            entry["default"] = 2
        fields[name] = entry
    fields["UF_TASK_WEBDAV_FILES"] = {"title": "Files", "type": "disk_file", "isMultiple": True}
    fields["UF_CRM_TASK"] = {"title": "CRM items", "type": "crm", "isMultiple": True}
    return {"fields": fields}
