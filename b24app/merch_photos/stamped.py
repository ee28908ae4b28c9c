"""Tasks stamped with their work-item key as a TAG: created once, found again after a crash.

A tree node or a week task is created by a work item whose payload holds the task fields
without PARENT_ID and the key of the parent's item. ``build`` fills PARENT_ID (a literal or
a batch reference to the parent's command). When an earlier attempt may have reached
Bitrix24, ``heal_or_finish`` looks the task up by its TAG (rest-facts §5: TAGS on add, list
filter TAG); if it is missing, it finds the parent the same way and creates the task then,
so a child whose parent was created by a crashed run still ends up under it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from ..bitrix.commands import Command, Ref
from ..bitrix.errors import B24TransportError
from ..workqueue import Results, WorkItem

if TYPE_CHECKING:
    from ..bitrix.client import PortalClient


class TaskCaller(Protocol):
    """Anything that calls one REST method: a PortalClient, or a user's webhook in tests."""

    def call(self, method: str, params: Any = None) -> Any: ...

TASK_COMMAND = "task"


class ParentNotReady(B24TransportError):
    """The parent's task does not exist yet; retry later (transient)."""


def tag_of(item: WorkItem) -> str:
    return str(item.payload["tag"])


def task_fields(item: WorkItem, parent: int | Ref | None) -> dict[str, Any]:
    """Return the item's task fields with PARENT_ID set (when it has a parent)."""
    fields = dict(item.payload["fields"])
    if parent is not None:
        fields["PARENT_ID"] = parent
    return fields


def add_command(item: WorkItem, key: str, parent: int | Ref | None) -> Command:
    return Command(key, "tasks.task.add", {"fields": task_fields(item, parent)})


def find_by_tag(client: TaskCaller, tag: str) -> int | None:
    """Return the lowest ID of a task stamped with ``tag``, or None."""
    answer = client.call("tasks.task.list", {
        "filter": {"TAG": tag}, "select": ["ID"], "order": {"ID": "asc"}, "start": -1})
    rows = answer.get("tasks", []) if isinstance(answer, dict) else []
    ids = [int(row["id"]) for row in rows]
    return min(ids) if ids else None


def heal_or_finish(client: PortalClient, item: WorkItem) -> Results:
    """Return the stamped task if it exists, else create it under its (looked-up) parent."""
    existing = find_by_tag(client, tag_of(item))
    if existing is not None:
        return {TASK_COMMAND: {"task": {"id": str(existing)}}}
    parent_key = item.payload.get("parent_tag")
    parent: int | None = item.payload.get("parent_task_id")
    if parent is None and parent_key:
        parent = find_by_tag(client, str(parent_key))
        if parent is None:
            raise ParentNotReady(f"parent {parent_key} not created yet")
    created = client.call("tasks.task.add", {"fields": task_fields(item, parent)})
    return {TASK_COMMAND: created}


def task_id_of(results: Results) -> int:
    """Return the created task's ID from ``{"task": {"task": {"id": "17"}}}``."""
    return int(results[TASK_COMMAND]["task"]["id"])
