"""Named parameters of the tasks.task.* controller and its numeric error codes.

The D7 tasks controller binds parameters by exact name (``taskId``, ``fields``, ``select``,
...). A missing ``taskId`` fails in the CTaskItem constructor (code 100), a non-integer one
with code 0 "wrong task id" (tasks-task-get.md, tasks-task-update.md).
"""
from __future__ import annotations

import json
from typing import Any

from .errors import RestError, missing_parameter, task_action_not_allowed
from .registry import Call
from .state import Task
from .task_access import TaskAccess
from .task_values import as_int


def task_id_param(call: Call) -> int:
    """Return the ``taskId`` parameter as an int, or raise the controller's errors."""
    if "taskId" not in call.params:
        raise RestError("100", "CTaskItem All parameters in the constructor must have real class type")
    task_id = as_int(call.params["taskId"])
    if task_id is None:
        raise RestError("0", "wrong task id")
    return task_id


def int_param(call: Call, name: str) -> int:
    """Return a required integer parameter such as ``userId`` or ``fileId``."""
    if name not in call.params or call.params[name] in (None, ""):
        raise missing_parameter(name)
    value = as_int(call.params[name])
    if value is None:
        shown = json.dumps(call.params[name], ensure_ascii=False)
        raise RestError("100", f"Invalid value {shown} to match with parameter {{{name}}}. "
                               f"Should be value of type int.")
    return value


def array_param(call: Call, name: str) -> list[Any] | None:
    """Return an optional array parameter (``select``); a non-array is error 100."""
    value = call.params.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, dict):
        value = list(value.values())
    if not isinstance(value, list):
        shown = json.dumps(value, ensure_ascii=False)
        raise RestError("100", f"Invalid value {shown} to match with parameter {{{name}}}. "
                               f"Should be value of type array.")
    return value


def object_param(call: Call, name: str) -> dict[str, Any]:
    """Return an optional object parameter (``filter``, ``order``, ``params``)."""
    value = call.params.get(name)
    if value is None or value == "" or value == []:
        return {}
    if not isinstance(value, dict):
        shown = json.dumps(value, ensure_ascii=False)
        raise RestError("100", f"Invalid value {shown} to match with parameter {{{name}}}. "
                               f"Should be value of type array.")
    return value


def readable_task(call: Call, access: TaskAccess, task_id: int) -> Task:
    """Return the task if the caller may read it, else "Action on the task is not allowed"."""
    task = call.portal.tasks.get(task_id)
    if task is None or not access.can_read(task):
        raise task_action_not_allowed()
    return task
