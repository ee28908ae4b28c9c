"""Who may see and act on a task: the tasks module's access rules, reduced to this sandbox.

The rules follow the tasks module's access classes (``modules/tasks/lib/access/rule/*.php`` in
the bitrix24-core-corp mirror): admins may do everything; members (creator = "director",
responsible, accomplices, auditors) read; a department head reads the tasks of all their
subordinates (users of the departments they head and every sub-department, any role), and may
run status actions on tasks where a subordinate is creator, responsible or accomplice
(``SubordinateTrait::isSubordinateTask``). Editing belongs to admins, the creator (while the task
is not completed) and the creator's head. Project (GROUP_ID) permissions are not modelled.
"""
from __future__ import annotations

from .state import ChecklistItem, Portal, Task, User

PENDING, IN_PROGRESS, SUPPOSEDLY_COMPLETED, COMPLETED, DEFERRED = 2, 3, 4, 5, 6
NEW = 1


def subordinates_of(portal: Portal, user_id: int) -> set[int]:
    """Return every user below ``user_id``: members of headed departments and their sub-departments."""
    headed = [d.id for d in portal.departments.values() if d.head == user_id]
    if not headed:
        return set()
    children: dict[int, list[int]] = {}
    for dep in portal.departments.values():
        if dep.parent is not None:
            children.setdefault(dep.parent, []).append(dep.id)
    below: set[int] = set()
    stack = list(headed)
    while stack:
        dep_id = stack.pop()
        if dep_id in below:
            continue
        below.add(dep_id)
        stack.extend(children.get(dep_id, []))
    found = {u.id for u in portal.users.values() if below.intersection(u.departments)}
    found.discard(user_id)
    return found


class TaskAccess:
    """The access rules for one user, with their subordinates computed once."""

    def __init__(self, portal: Portal, user: User) -> None:
        self.portal = portal
        self.user = user
        self._subordinates: set[int] | None = None

    @property
    def subordinates(self) -> set[int]:
        if self._subordinates is None:
            self._subordinates = subordinates_of(self.portal, self.user.id)
        return self._subordinates

    def _is_director(self, task: Task) -> bool:
        return task.created_by == self.user.id

    def _is_worker(self, task: Task) -> bool:
        """Responsible or accomplice: the people doing the work."""
        return task.responsible_id == self.user.id or self.user.id in task.accomplices

    def _subordinate_task(self, task: Task, active_only: bool = True) -> bool:
        members = {task.created_by, task.responsible_id, *task.accomplices}
        if not active_only:
            members.update(task.auditors)
        return bool(members & self.subordinates)

    def _boss_of_director(self, task: Task) -> bool:
        return task.created_by in self.subordinates

    def can_read(self, task: Task) -> bool:
        if self.user.is_admin or self.user.id in task.members():
            return True
        return self._subordinate_task(task, active_only=False)

    def can_edit(self, task: Task) -> bool:
        if self.user.is_admin or self._boss_of_director(task):
            return True
        return self._is_director(task) and task.status != COMPLETED

    def can_remove(self, task: Task) -> bool:
        return self.user.is_admin or self._is_director(task) or self._boss_of_director(task)

    def allows(self, action: str, task: Task) -> bool:
        """Tell whether a status action (start, pause, complete, ...) is allowed now."""
        status = task.status
        admin = self.user.is_admin
        director, worker = self._is_director(task), self._is_worker(task)
        if action in ("start", "defer", "pause"):
            wanted = (IN_PROGRESS,) if action == "pause" else (NEW, PENDING)
            if status not in wanted:
                return False
            if admin or director or worker:
                return True
            return self.can_edit(task) if action == "defer" else self._subordinate_task(task)
        if action == "complete":
            if status == COMPLETED:
                return False
            if admin:
                return True
            if status == SUPPOSEDLY_COMPLETED:
                return director or self._subordinate_task(task)
            return director or worker or self._subordinate_task(task)
        if action == "renew":
            if status == SUPPOSEDLY_COMPLETED and not director and worker:
                return True
            if status not in (COMPLETED, DEFERRED):
                return False
            return admin or director or worker or self.can_edit(task)
        if action in ("approve", "disapprove"):
            if status != SUPPOSEDLY_COMPLETED:
                return False
            return admin or director or self._boss_of_director(task)
        if action == "delegate":
            if status in (SUPPOSEDLY_COMPLETED, COMPLETED):
                return False
            return (admin or director or task.responsible_id == self.user.id
                    or self._boss_of_director(task) or task.responsible_id in self.subordinates)
        if action == "edit":
            return self.can_edit(task)
        if action == "remove":
            return self.can_remove(task)
        return False

    def action_map(self, task: Task) -> dict[str, bool]:
        """Return the ``action`` object of tasks.task.get for this user."""
        edit = self.can_edit(task)
        read = self.can_read(task)
        return {
            "accept": False, "decline": False,
            "complete": self.allows("complete", task),
            "approve": self.allows("approve", task),
            "disapprove": self.allows("disapprove", task),
            "start": self.allows("start", task),
            "pause": self.allows("pause", task),
            "delegate": self.allows("delegate", task),
            "remove": self.can_remove(task),
            "edit": edit,
            "defer": self.allows("defer", task),
            "renew": self.allows("renew", task),
            "create": True,
            "changeDeadline": edit or (task.allow_change_deadline and task.responsible_id == self.user.id),
            "checklistAddItems": read,
            "addFavorite": read, "deleteFavorite": False,
            "rate": edit, "take": False, "edit.originator": edit,
            "checklist.reorder": edit, "elapsedtime.add": read,
            "dayplan.timer.toggle": self._is_worker(task),
            "edit.plan": edit, "checklist.add": read,
            "favorite.add": read, "favorite.delete": False,
        }

    # Checklist rights (TaskCheckListFacade::fillItemAccessActions): an editor does everything;
    # otherwise toggling needs task access, and modify/remove need access plus authorship.
    def checklist_add(self, task: Task) -> bool:
        return self.can_read(task)

    def checklist_toggle(self, task: Task) -> bool:
        return self.can_read(task)

    def checklist_modify(self, task: Task, item: ChecklistItem) -> bool:
        if self.can_edit(task):
            return True
        return self.can_read(task) and item.created_by == self.user.id
