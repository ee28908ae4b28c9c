"""Status actions: tasks.task.start/pause/defer/complete/renew/approve/disapprove/delegate.

Transitions follow ``CTaskItem::proceedAction`` (rest-facts §5 "Exact transitions"): start 3,
pause 2, defer 6, renew and disapprove 2, approve 5, delegate 2 with a new responsible.
complete gives 5 when TASK_CONTROL is N, the caller is the creator, creator == responsible, or
an admin / the creator's head completes a task already in 4; otherwise 4 (awaiting approval).
A missing task, no access and a disallowed transition all answer "Action on the task is not
allowed". A transition that changes nothing writes nothing and fires no event.
"""
from __future__ import annotations

from typing import Any

from ..errors import core_error, task_action_not_allowed
from ..registry import Call, rest_method
from ..state import Task
from ..task_access import TaskAccess
from ..task_ops import complete_parents, fire_task_update, record, set_status
from ..task_params import int_param, task_id_param
from .tasks import render

TARGET = {"start": 3, "pause": 2, "defer": 6, "renew": 2, "approve": 5, "disapprove": 2}


def _allowed_task(call: Call, action: str) -> tuple[Task, TaskAccess]:
    task_id = task_id_param(call)
    access = TaskAccess(call.portal, call.user)
    task = call.portal.tasks.get(task_id)
    if task is None or not access.can_read(task) or not access.allows(action, task):
        raise task_action_not_allowed()
    return task, access


def _complete_target(call: Call, task: Task, access: TaskAccess) -> int:
    caller = call.user.id
    if not task.task_control or caller == task.created_by or task.created_by == task.responsible_id:
        return 5
    boss = call.user.is_admin or task.created_by in access.subordinates
    return 5 if task.status == 4 and boss else 4


def _transition(call: Call, action: str) -> dict[str, Any]:
    task, access = _allowed_task(call, action)
    target = _complete_target(call, task, access) if action == "complete" else TARGET[action]
    if set_status(call.portal, task, target, call.user.id, call.now()):
        fire_task_update(call, task.id)
        if target == 5:
            complete_parents(call, task)
    return render(call, access, task.id)


@rest_method("tasks.task.start", scope="task")
def task_start(call: Call) -> dict[str, Any]:
    return _transition(call, "start")


@rest_method("tasks.task.pause", scope="task")
def task_pause(call: Call) -> dict[str, Any]:
    return _transition(call, "pause")


@rest_method("tasks.task.defer", scope="task")
def task_defer(call: Call) -> dict[str, Any]:
    return _transition(call, "defer")


@rest_method("tasks.task.complete", scope="task")
def task_complete(call: Call) -> dict[str, Any]:
    return _transition(call, "complete")


@rest_method("tasks.task.renew", scope="task")
def task_renew(call: Call) -> dict[str, Any]:
    return _transition(call, "renew")


@rest_method("tasks.task.approve", scope="task")
def task_approve(call: Call) -> dict[str, Any]:
    return _transition(call, "approve")


@rest_method("tasks.task.disapprove", scope="task")
def task_disapprove(call: Call) -> dict[str, Any]:
    return _transition(call, "disapprove")


@rest_method("tasks.task.delegate", scope="task")
def task_delegate(call: Call) -> dict[str, Any]:
    task_id_param(call)
    user_id = int_param(call, "userId")
    task, access = _allowed_task(call, "delegate")
    if user_id not in call.portal.users:
        raise core_error('The user specified in the "Responsible" field was not found<br>')
    portal, now, caller = call.portal, call.now(), call.user.id
    changed = set_status(portal, task, 2, caller, now)
    if task.responsible_id != user_id:
        old = task.responsible_id
        record(portal, task.id, caller, "RESPONSIBLE_ID", str(old), str(user_id), now)
        task.responsible_id = user_id
        if old not in task.auditors:
            record(portal, task.id, caller, "AUDITORS", ",".join(map(str, task.auditors)),
                   ",".join(map(str, [*task.auditors, old])), now)
            task.auditors.append(old)
        task.changed_date = now
        changed = True
    if changed:
        fire_task_update(call, task.id)
    return render(call, access, task.id)
