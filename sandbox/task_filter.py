"""The ``filter`` and ``order`` of tasks.task.list (api-reference/tasks/tasks-task-list.md).

Filter keys take an optional prefix ``!``, ``<``, ``<=``, ``>``, ``>=`` (``%`` for TITLE
substring); array values mean IN (NOT IN with ``!``). STATUS is the meta-status (-1 overdue,
-2 not viewed, -3 almost overdue), REAL_STATUS the stored one. Date values are parsed the way
strtotime would; naive ones are in the portal time zone. Unknown keys are ignored, as CTasks
does.
"""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Callable

from .errors import RestError
from .state import Portal, Task
from .task_format import almost_overdue, sub_status
from .task_values import as_int, as_list, camel_to_upper, parse_datetime

_PREFIX = re.compile(r"^(!=|!%|>=|<=|!|>|<|=|%)")

INT_FIELDS: dict[str, Callable[[Task], int | None]] = {
    "ID": lambda t: t.id, "PARENT_ID": lambda t: t.parent_id or 0,
    "GROUP_ID": lambda t: t.group_id, "RESPONSIBLE_ID": lambda t: t.responsible_id,
    "CREATED_BY": lambda t: t.created_by, "REAL_STATUS": lambda t: t.status,
    "STATUS_CHANGED_BY": lambda t: t.status_changed_by, "PRIORITY": lambda t: t.priority,
    "STAGE_ID": lambda t: 0,
}
DATE_FIELDS: dict[str, Callable[[Task], datetime | None]] = {
    "DEADLINE": lambda t: t.deadline, "CREATED_DATE": lambda t: t.created_date,
    "CLOSED_DATE": lambda t: t.closed_date, "CHANGED_DATE": lambda t: t.changed_date,
    "ACTIVITY_DATE": lambda t: t.changed_date, "DATE_START": lambda t: t.date_start,
    "START_DATE_PLAN": lambda t: t.start_date_plan, "END_DATE_PLAN": lambda t: t.end_date_plan,
}
MEMBER_FIELDS: dict[str, Callable[[Task], list[int]]] = {
    "ACCOMPLICE": lambda t: t.accomplices, "AUDITOR": lambda t: t.auditors,
    "MEMBER": lambda t: sorted(t.members()),
}
ORDER_FIELDS: dict[str, Callable[[Task], Any]] = {
    "ID": lambda t: t.id, "TITLE": lambda t: t.title.lower(),
    "TIME_SPENT_IN_LOGS": lambda t: 0, "DATE_START": lambda t: t.date_start,
    "CREATED_DATE": lambda t: t.created_date, "CHANGED_DATE": lambda t: t.changed_date,
    "CLOSED_DATE": lambda t: t.closed_date, "ACTIVITY_DATE": lambda t: t.changed_date,
    "START_DATE_PLAN": lambda t: t.start_date_plan, "END_DATE_PLAN": lambda t: t.end_date_plan,
    "DEADLINE": lambda t: t.deadline, "REAL_STATUS": lambda t: t.status,
    "STATUS": lambda t: t.status, "STATUS_COMPLETE": lambda t: 2 if t.status in (4, 5) else 1,
    "PRIORITY": lambda t: t.priority, "MARK": lambda t: 0, "CREATED_BY": lambda t: t.created_by,
    "RESPONSIBLE_ID": lambda t: t.responsible_id, "GROUP_ID": lambda t: t.group_id,
    "TIME_ESTIMATE": lambda t: 0, "ALLOW_CHANGE_DEADLINE": lambda t: t.allow_change_deadline,
    "ALLOW_TIME_TRACKING": lambda t: 0, "MATCH_WORK_TIME": lambda t: 0,
    "FAVORITE": lambda t: 0, "SORTING": lambda t: 0, "IS_PINNED": lambda t: 0,
    "IS_PINNED_IN_GROUP": lambda t: 0,
}


def _compare(op: str, actual: Any, wanted: Any) -> bool:
    if op in ("", "="):
        return bool(actual == wanted)
    if op in ("!", "!="):
        return bool(actual != wanted)
    if actual is None or wanted is None:
        return False    # SQL: comparisons with NULL are never true
    return bool({"<": actual < wanted, "<=": actual <= wanted,
                 ">": actual > wanted, ">=": actual >= wanted}.get(op, False))


def _match_any(op: str, actual: Any, wanted: list[Any]) -> bool:
    if op in ("!", "!="):
        return all(_compare("!", actual, w) for w in wanted)
    return any(_compare(op, actual, w) for w in wanted)


def _like(pattern: str, text: str, substring: bool) -> bool:
    regex = "".join(".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in pattern)
    if substring:
        regex = f".*{regex}.*"
    return re.fullmatch(regex, text, re.IGNORECASE | re.DOTALL) is not None


def _date_value(value: Any) -> datetime | None:
    if value in (None, "", False):
        return None
    try:
        return parse_datetime(str(value))
    except ValueError:
        return None


def build_predicate(raw: dict[str, Any], portal: Portal, viewer: int,
                    now: datetime) -> Callable[[Task], bool]:
    """Return a predicate implementing one tasks.task.list filter."""
    checks: list[Callable[[Task], bool]] = []
    for raw_key, value in raw.items():
        if raw_key == "::SUBFILTER-PARAMS":
            if isinstance(value, dict) and str(value.get("FAVORITE", "")).upper() == "Y":
                checks.append(lambda t: False)    # the sandbox has no favourites
            continue
        match = _PREFIX.match(raw_key)
        op = match.group(1) if match else ""
        field = camel_to_upper(raw_key[len(op):])
        negate = op.startswith("!")
        values = as_list(value) if isinstance(value, (list, dict)) else [value]
        checks.append(_field_check(field, op, values, negate, portal, viewer, now))
    return lambda task: all(check(task) for check in checks)


def _field_check(field: str, op: str, values: list[Any], negate: bool, portal: Portal,
                 viewer: int, now: datetime) -> Callable[[Task], bool]:
    if field == "STATUS":
        wanted = [as_int(v) for v in values]

        def status_ok(t: Task) -> bool:
            meta = sub_status(t, now, viewer)
            hits = [(w == -3 and almost_overdue(t, now)) or _compare("=", meta, w) for w in wanted]
            if op in ("", "=", "!", "!="):
                return not any(hits) if negate else any(hits)
            return _match_any(op, meta, wanted)
        return status_ok
    if field in INT_FIELDS:
        getter = INT_FIELDS[field]
        ints = [as_int(v) if v not in (None, "", False) else 0 for v in values]
        return lambda t: _match_any(op, getter(t) or 0, ints)
    if field in DATE_FIELDS:
        date_getter = DATE_FIELDS[field]
        dates = [_date_value(v) for v in values]
        return lambda t: _match_any(op, date_getter(t), dates)
    if field in MEMBER_FIELDS:
        members = MEMBER_FIELDS[field]
        ids = {as_int(v) for v in values}
        return lambda t: bool(ids & set(members(t))) != negate
    if field == "TAG":
        tags = {str(v).lower() for v in values}
        return lambda t: bool(tags & {x.lower() for x in t.tags}) != negate
    if field == "TITLE":
        patterns = [str(v) for v in values]
        substring = op in ("%", "!%")
        return lambda t: any(_like(p, t.title, substring) for p in patterns) != negate
    if field == "XML_ID":
        ids_text = [str(v) for v in values]
        return lambda t: (t.xml_id in ids_text) != negate
    if field == "ONLY_ROOT_TASKS":
        flag = str(values[0]).upper() == "Y" if values else False
        return lambda t: (not flag) or not t.parent_id or t.parent_id not in portal.tasks
    return lambda t: True


def sort_tasks(tasks: list[Task], order: Any) -> list[Task]:
    """Sort per ``order`` (default ID DESC); unknown keys raise error 0 "Invalid sorting key"."""
    if not order:
        return sorted(tasks, key=lambda t: t.id, reverse=True)
    if not isinstance(order, dict):
        raise RestError("0", "Invalid sorting key", 400)
    keys: list[tuple[Callable[[Task], Any], bool]] = []
    for raw_key, direction in order.items():
        field = camel_to_upper(str(raw_key))
        if field not in ORDER_FIELDS:
            raise RestError("0", "Invalid sorting key", 400)
        keys.append((ORDER_FIELDS[field], str(direction).strip().upper() == "DESC"))
    result = sorted(tasks, key=lambda t: t.id)
    # Stable sorts applied from the last key to the first; NULL sorts lowest, as in MySQL.
    for getter, descending in reversed(keys):
        result.sort(key=lambda t: (getter(t) is not None, getter(t) if getter(t) is not None
                                   else 0), reverse=descending)
    return result
