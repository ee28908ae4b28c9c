"""The ``fields`` of tasks.task.add/update: validation, Bitrix24 error texts, applying changes.

Error texts are those of tasks-task-add.md / tasks-task-update.md (legacy messages end in
``<br>``). Inline CHECKLIST / SE_CHECKLIST are ignored on purpose: the REST add path never
creates checklist items (rest-facts §5).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from .clock import iso
from .errors import core_error
from .registry import Call
from .state import Task
from .task_ops import attach, disk_file_id, record, set_status
from .task_values import as_int, as_list, hashtags, id_list, merge_tags, parse_datetime, parse_yn

NO_TITLE = "Task title is not specified<br>"
NO_RESPONSIBLE = "Responsible person is not specified<br>"
RESPONSIBLE_NOT_FOUND = 'The user specified in the "Responsible" field was not found<br>'
CREATOR_NOT_FOUND = 'The user specified in the "Creator" field was not found<br>'
PARENT_NOT_FOUND = 'The task specified in the "Parent Task" field was not found<br>'
SELF_PARENT = "Cannot bind the node to itself<br>"
CYCLIC = "Creating cyclic links in tasks is prohibited<br>"
BAD_STATUS = "Invalid status<br>"
PLAN_ORDER = "The end date specified in the scheduling is earlier than the start date<br>"
GROUP_NOT_FOUND = "Group not found or access denied.<br>"
VALID_STATUSES = (2, 3, 4, 5, 6)
DATE_FIELDS = {"DEADLINE": "deadline", "START_DATE_PLAN": "start_date_plan",
               "END_DATE_PLAN": "end_date_plan"}


def _user(call: Call, value: Any, missing: str, not_found: str) -> int:
    user_id = as_int(value)
    if user_id is None or user_id <= 0:
        raise core_error(missing)
    if user_id not in call.portal.users:
        raise core_error(not_found)
    return user_id


def _date(name: str, value: Any) -> datetime | None:
    try:
        return parse_datetime(value)
    except ValueError:
        raise core_error(f'Invalid date format in the field "{name}"<br>') from None


def _parent(call: Call, value: Any, task_id: int | None) -> int | None:
    parent_id = as_int(value)
    if parent_id is None or parent_id <= 0:
        if value in (None, "", 0, "0", False):
            return None
        raise core_error(PARENT_NOT_FOUND)
    if task_id is not None and parent_id == task_id:
        raise core_error(SELF_PARENT)
    if parent_id not in call.portal.tasks:
        raise core_error(PARENT_NOT_FOUND)
    seen: set[int] = set()
    cursor: int | None = parent_id
    while cursor is not None and cursor not in seen:
        if task_id is not None and cursor == task_id:
            raise core_error(CYCLIC)
        seen.add(cursor)
        parent = call.portal.tasks.get(cursor)
        cursor = parent.parent_id if parent else None
    return parent_id


def _se_parameters(value: Any) -> dict[int, bool]:
    params: dict[int, bool] = {}
    for entry in as_list(value):
        if isinstance(entry, dict):
            code = as_int(entry.get("CODE"))
            flag = parse_yn(entry.get("VALUE"))
            if code in (1, 2, 3) and flag is not None:
                params[code] = flag
    return params


def _webdav(call: Call, value: Any, task: Task | None) -> tuple[list[int], list[int]]:
    """Split UF_TASK_WEBDAV_FILES into attachments to keep and Drive files to attach."""
    keep: list[int] = []
    new: list[int] = []
    for entry in as_list(value):
        disk_id = disk_file_id(entry)
        if disk_id is not None:
            obj = call.portal.disk_objects.get(disk_id)
            if obj is None or obj.type != "file":
                raise core_error("File not found<br>")
            new.append(disk_id)
            continue
        attached = as_int(entry)
        if task is not None and attached in task.attachments and attached not in keep:
            keep.append(attached)
    return keep, new


def parse_fields(call: Call, fields: dict[str, Any], task: Task | None) -> dict[str, Any]:
    """Validate ``fields`` and return the normalized values of the keys present."""
    out: dict[str, Any] = {}
    adding = task is None
    if "TITLE" in fields or adding:
        title = fields.get("TITLE")
        title = "" if title is None or isinstance(title, (dict, list)) else str(title).strip()
        if not title:
            raise core_error(NO_TITLE)
        out["title"] = title
    if "RESPONSIBLE_ID" in fields or adding:
        out["responsible_id"] = _user(call, fields.get("RESPONSIBLE_ID"), NO_RESPONSIBLE,
                                      RESPONSIBLE_NOT_FOUND)
    if "CREATED_BY" in fields:
        out["created_by"] = _user(call, fields["CREATED_BY"], CREATOR_NOT_FOUND, CREATOR_NOT_FOUND)
    if "DESCRIPTION" in fields:
        out["description"] = "" if fields["DESCRIPTION"] is None else str(fields["DESCRIPTION"])
    for key in ("ACCOMPLICES", "AUDITORS"):
        if key in fields:
            out[key.lower()] = [u for u in id_list(fields[key]) if u in call.portal.users]
    for key, attr in DATE_FIELDS.items():
        if key in fields:
            out[attr] = _date(key, fields[key])
    start = out.get("start_date_plan", task.start_date_plan if task else None)
    end = out.get("end_date_plan", task.end_date_plan if task else None)
    if start and end and end < start:
        raise core_error(PLAN_ORDER)
    if "PARENT_ID" in fields:
        out["parent_id"] = _parent(call, fields["PARENT_ID"], task.id if task else None)
    if "GROUP_ID" in fields:
        group_id = as_int(fields["GROUP_ID"]) or 0
        if group_id and group_id not in call.portal.groups:
            raise core_error(GROUP_NOT_FOUND)
        out["group_id"] = group_id
    if "PRIORITY" in fields and as_int(fields["PRIORITY"]) in (0, 1, 2):
        out["priority"] = as_int(fields["PRIORITY"])
    if "STATUS" in fields:
        status = as_int(fields["STATUS"])
        status = 2 if status == 1 else status
        if status not in VALID_STATUSES:
            raise core_error(BAD_STATUS)
        out["status"] = status
    for key in ("TASK_CONTROL", "ALLOW_CHANGE_DEADLINE"):
        if key in fields and parse_yn(fields[key]) is not None:
            out[key.lower()] = parse_yn(fields[key])
    if "TAGS" in fields:
        raw = fields["TAGS"]
        out["tags"] = raw.split(",") if isinstance(raw, str) else [str(t) for t in as_list(raw)]
    if "XML_ID" in fields:
        out["xml_id"] = "" if fields["XML_ID"] is None else str(fields["XML_ID"])
    if "SE_PARAMETER" in fields:
        out["se_parameters"] = _se_parameters(fields["SE_PARAMETER"])
    if "UF_TASK_WEBDAV_FILES" in fields:
        out["webdav"] = _webdav(call, fields["UF_TASK_WEBDAV_FILES"], task)
    uf = {k: v for k, v in fields.items()
          if k.startswith("UF_") and k != "UF_TASK_WEBDAV_FILES"}
    if uf:
        out["uf"] = uf
    return out


def create_task(call: Call, values: dict[str, Any]) -> Task:
    """Create a task from parsed values; attachments and tags included."""
    portal, now, caller = call.portal, call.now(), call.auth.user_id
    task = Task(id=portal.new_id("task"), title=values["title"],
                description=values.get("description", ""),
                created_by=values.get("created_by", caller),
                responsible_id=values["responsible_id"], created_date=now, changed_date=now)
    task.allow_change_deadline = values.get("allow_change_deadline", False)
    task.task_control = values.get("task_control", False)
    for attr in ("accomplices", "auditors", "deadline", "start_date_plan", "end_date_plan",
                 "parent_id", "group_id", "priority", "xml_id", "se_parameters"):
        if attr in values:
            setattr(task, attr, values[attr])
    task.uf.update(values.get("uf", {}))
    task.tags = merge_tags(values.get("tags", []), hashtags(task.title, task.description))
    status = values.get("status", 2)
    task.status = status
    if status != 2:
        task.status_changed_by, task.status_changed_date = caller, now
    if status == 5:
        task.closed_date = now
    if status == 3:
        task.date_start = now
    portal.tasks[task.id] = task
    for disk_id in values.get("webdav", ([], []))[1]:
        task.attachments.append(attach(portal, disk_id, "tasks", "task", task.id, caller))
    record(portal, task.id, caller, "NEW", None, None, now)
    return task


def _text(value: Any) -> str | None:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)


def update_task(call: Call, task: Task, values: dict[str, Any]) -> bool:
    """Apply parsed values to ``task``, writing history; return whether anything changed."""
    portal, now, caller = call.portal, call.now(), call.auth.user_id
    changed = False
    if "title" in values or "description" in values or "tags" in values:
        base = values.get("tags", task.tags)
        values["tags"] = merge_tags(base, hashtags(values.get("title", task.title),
                                                   values.get("description", task.description)))
    simple = ("title", "description", "responsible_id", "created_by", "accomplices", "auditors",
              "deadline", "start_date_plan", "end_date_plan", "parent_id", "group_id",
              "priority", "task_control", "allow_change_deadline", "tags", "xml_id")
    for attr in simple:
        if attr in values and getattr(task, attr) != values[attr]:
            record(portal, task.id, caller, attr.upper(), _text(getattr(task, attr)),
                   _text(values[attr]), now)
            setattr(task, attr, values[attr])
            changed = True
    if "se_parameters" in values and values["se_parameters"]:
        task.se_parameters.update(values["se_parameters"])
        changed = True
    for key, value in values.get("uf", {}).items():
        if task.uf.get(key) != value:
            task.uf[key] = value
            changed = True
    if "webdav" in values:
        keep, new = values["webdav"]
        before = list(task.attachments)
        for attached_id in before:
            if attached_id not in keep:
                portal.attached_objects.pop(attached_id, None)
        task.attachments = keep + [attach(portal, d, "tasks", "task", task.id, caller) for d in new]
        if task.attachments != before:
            record(portal, task.id, caller, "UF_TASK_WEBDAV_FILES", _text(before),
                   _text(task.attachments), now)
            changed = True
    if "status" in values and set_status(portal, task, values["status"], caller, now):
        changed = True
    if changed:
        task.changed_date = now
    return changed
