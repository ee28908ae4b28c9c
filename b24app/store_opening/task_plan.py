"""Plan one opening task and turn plans into batch commands (pure functions).

Bitrix24 takes no inline checklist on ``tasks.task.add`` (rest-facts §5), so each plan is a
task command followed by one ``task.checklistitem.add`` per item whose first positional
argument is a ``Ref`` to the new task's id; the first item without PARENT_ID creates the root
checklist ``BX_CHECKLIST_1`` (rest-facts §6). The idempotency key is stamped as a task TAG so a
crash between the call and its record is healed by ``tasks.task.list`` filter TAG.
"""
from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from ..bitrix.commands import Command, Ref

TASK_KEY = "t"
TAG_PREFIX = "storeops_"


@dataclass(frozen=True)
class ChecklistItem:
    """One checklist line as copied from the template."""
    title: str
    important: bool = False
    photo: bool = False


@dataclass(frozen=True)
class People:
    """Who works on a store's task, resolved from the org model at creation time."""
    responsible_id: int
    accomplices: tuple[int, ...]
    auditors: tuple[int, ...]
    vacant_manager: bool
    superior_id: int | None


@dataclass(frozen=True)
class TaskPlan:
    """Everything needed to create one opening task; serialisable as a work item payload."""
    slot_key: str
    store_id: int
    local_date: date
    title: str
    description: str
    people: People
    deadline: datetime
    time_zone: str
    items: tuple[ChecklistItem, ...] = field(default_factory=tuple)

    @property
    def tag(self) -> str:
        return task_tag(self.slot_key)

    @property
    def needs_photo(self) -> bool:
        return any(item.photo for item in self.items)


def slot_key(store_id: int, local_date: date) -> str:
    """Return the idempotency key of a store's opening task on a local date."""
    return f"store_opening:{store_id}:{local_date.isoformat()}"


def task_tag(key: str) -> str:
    """Return the TAG stamped on the task: short, ASCII, one per key."""
    digest = hashlib.sha1(key.encode()).hexdigest()[:12]
    return f"{TAG_PREFIX}{digest}"


def resolve_people(manager_id: int | None, deputies: Sequence[int], accomplices: Sequence[int],
                   chain: Sequence[int]) -> People | None:
    """Pick responsible, co-executors and observers; None when nobody can be responsible.

    A vacant manager falls back to the first deputy (flagged). Observers are the heads up
    the chain, without duplicates and never the responsible or a co-executor.
    """
    vacant = manager_id is None
    responsible = manager_id if manager_id is not None else (deputies[0] if deputies else None)
    if responsible is None:
        return None
    helpers = _unique(a for a in accomplices if a != responsible)
    auditors = _unique(h for h in chain if h != responsible and h not in helpers)
    superior = next((h for h in chain if h != responsible), None)
    return People(responsible, tuple(helpers), tuple(auditors), vacant, superior)


def _unique(ids: Any) -> list[int]:
    seen: list[int] = []
    for value in ids:
        if value not in seen:
            seen.append(value)
    return seen


def task_fields(plan: TaskPlan) -> dict[str, Any]:
    """Return the UPPER_CASE fields of ``tasks.task.add``."""
    local_deadline = plan.deadline.astimezone(ZoneInfo(plan.time_zone))
    return {
        "TITLE": plan.title,
        "DESCRIPTION": plan.description,
        "RESPONSIBLE_ID": plan.people.responsible_id,
        "ACCOMPLICES": list(plan.people.accomplices),
        "AUDITORS": list(plan.people.auditors),
        "DEADLINE": local_deadline.isoformat(timespec="seconds"),
        "TAGS": [plan.tag],
        "ALLOW_CHANGE_DEADLINE": "N",
    }


def plan_commands(plan: TaskPlan) -> list[Command]:
    """Return the task command and its checklist commands; keys are local to the plan."""
    commands = [Command(TASK_KEY, "tasks.task.add", {"fields": task_fields(plan)})]
    task_id = Ref(TASK_KEY, "task", "id")
    for index, item in enumerate(plan.items):
        fields = {"TITLE": item.title, "SORT_INDEX": (index + 1) * 10,
                  "IS_IMPORTANT": "Y" if item.important else "N"}
        # Positional: [TASKID, FIELDS] in this order (rest-facts §1, §6).
        commands.append(Command(item_key(index), "task.checklistitem.add", [task_id, fields]))
    return commands


def item_key(index: int) -> str:
    return f"c{index}"


def plan_to_payload(plan: TaskPlan) -> dict[str, Any]:
    """Return the plan as JSON-safe values."""
    data = asdict(plan)
    data["local_date"] = plan.local_date.isoformat()
    data["deadline"] = plan.deadline.isoformat()
    return data


def plan_from_payload(data: dict[str, Any]) -> TaskPlan:
    """Rebuild a plan from ``plan_to_payload`` output."""
    people = data["people"]
    return TaskPlan(
        slot_key=data["slot_key"], store_id=int(data["store_id"]),
        local_date=date.fromisoformat(data["local_date"]), title=data["title"],
        description=data["description"],
        people=People(int(people["responsible_id"]), tuple(people["accomplices"]),
                      tuple(people["auditors"]), bool(people["vacant_manager"]),
                      people["superior_id"]),
        deadline=datetime.fromisoformat(data["deadline"]), time_zone=data["time_zone"],
        items=tuple(ChecklistItem(i["title"], bool(i["important"]), bool(i["photo"]))
                    for i in data["items"]))


def items_from_template(raw: Sequence[dict[str, Any]]) -> tuple[ChecklistItem, ...]:
    """Copy template items into immutable checklist items (the snapshot)."""
    return tuple(ChecklistItem(str(i.get("title", "")).strip(), bool(i.get("important")),
                               bool(i.get("photo"))) for i in raw if str(i.get("title", "")).strip())
