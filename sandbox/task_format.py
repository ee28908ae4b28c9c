"""Wire format of tasks: lowerCamel keys with string scalars, as tasks.task.get/list answer.

Field names and shapes follow api-reference/tasks/fields.md and the examples in
tasks-task-get.md / tasks-task-list.md / status/tasks-task-complete.md. The checklist views
(``checklist`` and ``checkListTree``) live in task_checklist_format.py.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from .clock import iso
from .state import Portal, Task, User
from .task_access import TaskAccess
from .task_checklist_format import checklist_map, checklist_tree
from .task_values import camel_to_upper, upper_to_camel

# The trio of system user fields: naming any one in select returns all three (fields.md).
UF_TRIO = ("UF_CRM_TASK", "UF_TASK_WEBDAV_FILES", "UF_MAIL_MESSAGE")

# Stored fields returned by default (no select) and by "*"; computed views are added on top.
DEFAULT_FIELDS = (
    "ID", "PARENT_ID", "TITLE", "DESCRIPTION", "MARK", "PRIORITY", "MULTITASK", "NOT_VIEWED",
    "REPLICATE", "STAGE_ID", "CREATED_BY", "CREATED_DATE", "RESPONSIBLE_ID", "CHANGED_BY",
    "CHANGED_DATE", "STATUS_CHANGED_BY", "STATUS_CHANGED_DATE", "CLOSED_BY", "CLOSED_DATE",
    "ACTIVITY_DATE", "DATE_START", "DEADLINE", "START_DATE_PLAN", "END_DATE_PLAN", "GUID",
    "XML_ID", "COMMENTS_COUNT", "SERVICE_COMMENTS_COUNT", "NEW_COMMENTS_COUNT",
    "ALLOW_CHANGE_DEADLINE", "ALLOW_TIME_TRACKING", "TASK_CONTROL", "ADD_IN_REPORT",
    "FORKED_BY_TEMPLATE_ID", "TIME_ESTIMATE", "TIME_SPENT_IN_LOGS", "MATCH_WORK_TIME",
    "FORUM_TOPIC_ID", "FORUM_ID", "SITE_ID", "SUBORDINATE", "FAVORITE", "EXCHANGE_MODIFIED",
    "EXCHANGE_ID", "OUTLOOK_VERSION", "VIEWED_DATE", "SORTING", "DURATION_PLAN",
    "DURATION_FACT", "DURATION_TYPE", "IS_MUTED", "IS_PINNED", "IS_PINNED_IN_GROUP", "FLOW_ID",
    "DESCRIPTION_IN_BBCODE", "STATUS", "GROUP_ID", "AUDITORS", "ACCOMPLICES", "TAGS", "CHAT_ID",
)

# The sandbox has no task chats; chatId is a stable fake so that the field is present.
CHAT_ID_BASE = 100000


def yn(flag: bool) -> str:
    return "Y" if flag else "N"


def sub_status(task: Task, now: datetime, viewer_id: int) -> int:
    """Return the meta-status (filter STATUS / output subStatus): -1 overdue, -2 not viewed."""
    if task.deadline is not None and task.deadline < now and task.status not in (4, 5):
        return -1
    if viewer_id not in task.viewed_by and task.created_by != viewer_id and task.status in (1, 2):
        return -2
    return task.status


def almost_overdue(task: Task, now: datetime) -> bool:
    """Deadline within the next 24 hours (the counters' "expired candidates" window)."""
    return (task.deadline is not None and task.status not in (4, 5)
            and now <= task.deadline <= now + timedelta(hours=24))


def tag_id(portal: Portal, name: str) -> int:
    """Return the portal-wide ID of a tag, allocating one on first use."""
    key = f"tag-name:{name.lower()}"
    if key not in portal.next_ids:
        portal.next_ids[key] = portal.new_id("tag")
    return portal.next_ids[key]


def user_mini(portal: Portal, user_id: int) -> dict[str, str]:
    """Return the short user object of creator/responsible/accomplicesData."""
    user = portal.users.get(user_id)
    name = f"{user.name} {user.last_name}".strip() if user else ""
    return {
        "id": str(user_id), "name": name, "link": f"/company/personal/user/{user_id}/",
        "icon": "/bitrix/images/tasks/default_avatar.png",
        "workPosition": user.work_position if user else "",
    }


def _date(value: datetime | None) -> str | None:
    return iso(value)


def _scalar(portal: Portal, task: Task, field: str, now: datetime, viewer: int) -> Any:
    closed = task.status == 5
    values: dict[str, Any] = {
        "ID": str(task.id),
        "PARENT_ID": str(task.parent_id) if task.parent_id else None,
        "TITLE": task.title, "DESCRIPTION": task.description, "MARK": None,
        "PRIORITY": str(task.priority),
        "MULTITASK": "N", "REPLICATE": "N", "STAGE_ID": "0",
        "NOT_VIEWED": yn(sub_status(task, now, viewer) == -2),
        "CREATED_BY": str(task.created_by), "CREATED_DATE": _date(task.created_date),
        "RESPONSIBLE_ID": str(task.responsible_id),
        "CHANGED_BY": str(task.status_changed_by or task.created_by),
        "CHANGED_DATE": _date(task.changed_date),
        "STATUS_CHANGED_BY": str(task.status_changed_by or task.created_by),
        "STATUS_CHANGED_DATE": _date(task.status_changed_date or task.created_date),
        "CLOSED_BY": str(task.status_changed_by or 0) if closed else "0",
        "CLOSED_DATE": _date(task.closed_date),
        "ACTIVITY_DATE": _date(task.changed_date),
        "DATE_START": _date(task.date_start), "DEADLINE": _date(task.deadline),
        "START_DATE_PLAN": _date(task.start_date_plan), "END_DATE_PLAN": _date(task.end_date_plan),
        "GUID": "{%08d-0000-4000-8000-%012d}" % (task.id, task.id),
        "XML_ID": task.xml_id or None,
        "COMMENTS_COUNT": str(sum(1 for c in portal.comments.values() if c.task_id == task.id)),
        "SERVICE_COMMENTS_COUNT": "0", "NEW_COMMENTS_COUNT": 0,
        "ALLOW_CHANGE_DEADLINE": yn(task.allow_change_deadline), "ALLOW_TIME_TRACKING": "N",
        "TASK_CONTROL": yn(task.task_control), "ADD_IN_REPORT": "N",
        "FORKED_BY_TEMPLATE_ID": None, "TIME_ESTIMATE": "0", "TIME_SPENT_IN_LOGS": "0",
        "MATCH_WORK_TIME": "N", "FORUM_TOPIC_ID": "0", "FORUM_ID": "0", "SITE_ID": "s1",
        "SUBORDINATE": "N", "FAVORITE": "N", "EXCHANGE_MODIFIED": None, "EXCHANGE_ID": None,
        "OUTLOOK_VERSION": "1", "VIEWED_DATE": None, "SORTING": None, "DURATION_PLAN": "0",
        "DURATION_FACT": None, "DURATION_TYPE": "days", "IS_MUTED": "N", "IS_PINNED": "N",
        "IS_PINNED_IN_GROUP": "N", "FLOW_ID": None, "DESCRIPTION_IN_BBCODE": "Y",
        "STATUS": str(task.status), "GROUP_ID": str(task.group_id),
        "AUDITORS": [str(u) for u in task.auditors],
        "ACCOMPLICES": [str(u) for u in task.accomplices],
        "CHAT_ID": CHAT_ID_BASE + task.id,
    }
    return values.get(field)


def _uf_value(portal: Portal, task: Task, field: str) -> Any:
    if field == "UF_TASK_WEBDAV_FILES":
        # An empty multiple user field comes back as false, not [] (Bitrix UF convention).
        return list(task.attachments) if task.attachments else False
    value = task.uf.get(field)
    if field == "UF_CRM_TASK":
        return list(value) if value else False
    return value


def _group(portal: Portal, task: Task) -> Any:
    group = portal.groups.get(task.group_id) if task.group_id else None
    if group is None:
        return []
    return {"id": str(group.id), "name": group.name, "opened": False,
            "membersCount": len(group.members),
            "image": "/bitrix/images/socialnetwork/workgroup/bag.png", "additionalData": []}


def normalize_select(select: list[str] | None) -> tuple[list[str], bool]:
    """Return the UPPER_CASE fields to render and whether the default set was used."""
    if not select:
        return list(DEFAULT_FIELDS), True
    fields: list[str] = []
    for raw in select:
        name = str(raw).strip()
        upper = name if name.upper() == name else _camel_select(name)
        if upper == "*":
            fields.extend(f for f in DEFAULT_FIELDS if f not in fields)
        elif upper in UF_TRIO:
            fields.extend(f for f in UF_TRIO if f not in fields)
        elif upper and upper not in fields:
            fields.append(upper)
    if "ID" not in fields:
        fields.insert(0, "ID")
    return fields, False


def _camel_select(name: str) -> str:
    return "STATUS" if name == "subStatus" else camel_to_upper(name)


def format_task(portal: Portal, task: Task, access: TaskAccess, now: datetime,
                select: list[str] | None = None, full: bool = True) -> dict[str, Any]:
    """Render one task; ``full`` adds the get-only views (action, checklist, checkListTree)."""
    fields, default = normalize_select(select)
    viewer = access.user.id
    out: dict[str, Any] = {}
    for field in fields:
        if field in UF_TRIO or field.startswith("UF_"):
            out[upper_to_camel(field)] = _uf_value(portal, task, field)
        elif field == "TAGS":
            out["tags"] = {str(tag_id(portal, t)): {"id": tag_id(portal, t), "title": t}
                           for t in task.tags} or []
        elif field in DEFAULT_FIELDS or field in ("CHAT_ID",):
            out[upper_to_camel(field)] = _scalar(portal, task, field, now, viewer)
    if "STATUS" in fields:
        out["subStatus"] = str(sub_status(task, now, viewer))
    out["group"] = _group(portal, task)
    if "CREATED_BY" in fields:
        out["creator"] = user_mini(portal, task.created_by)
    if "RESPONSIBLE_ID" in fields:
        out["responsible"] = user_mini(portal, task.responsible_id)
    if "ACCOMPLICES" in fields:
        out["accomplicesData"] = {str(u): user_mini(portal, u) for u in task.accomplices} or []
    if "AUDITORS" in fields:
        out["auditorsData"] = {str(u): user_mini(portal, u) for u in task.auditors} or []
    if full:
        out["favorite"] = "N"
        out["action"] = access.action_map(task)
        if default or "CHECKLIST" in fields or "*" in (select or []):
            out["checklist"] = checklist_map(portal, task, access)
            out["checkListTree"] = checklist_tree(portal, task, access)
            out["checkListCanAdd"] = access.checklist_add(task)
    return out


def history_user(user: User | None, user_id: int) -> dict[str, Any]:
    """Return the user object of tasks.task.history.list rows."""
    return {"id": user_id, "name": user.name if user else "",
            "lastName": user.last_name if user else "",
            "secondName": user.second_name if user else "",
            "login": user.email if user else ""}
