"""Fixtures for the foundation's acceptance tests: the real app over HTTP beside the sandbox.

- ``sandbox``: ``python -m sandbox serve --stores 3 --limits off`` (one per module); faults are
  cleared after every test.
- ``make_live(configure=None, **settings_changes)``: the real app (app.create_app) on a free
  port, registered on the sandbox; its Bitrix24 hub retries fast (tests wait milliseconds,
  not seconds, between retries). ``installed``: one already installed and settled.
- ``stamped_tasks``: registers the work kind ``foundation.task`` that creates a real sandbox
  task tagged with the item's key, finds it by that tag, and records the task id (with an
  optional crash in ``record`` for chosen keys). ``tasks_tagged(sandbox, tag)`` counts copies.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import pytest
import requests
from flask import Flask

from b24app import workqueue
from b24app.bitrix.commands import Command
from b24app.bitrix.hub import BitrixHub
from b24app.bitrix.limiter import RetryPolicy
from b24app.own_writes import note_own_write
from b24app.workqueue import WorkItem, WorkKind
from tests.support.live import LiveApp, SandboxProcess, start_live_app

FAST_RETRIES = RetryPolicy(max_attempts=6, base_delay=0.01, max_delay=0.05, operating_wait_cap=0.1)
TASK_KIND = "foundation.task"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxProcess]:
    handle = SandboxProcess.start(stores=3)
    yield handle
    handle.stop()


@pytest.fixture
def make_live(sandbox: SandboxProcess, make_services: Callable[..., Any]) -> Iterator[Callable[..., LiveApp]]:
    started: list[LiveApp] = []
    hubs: list[BitrixHub] = []

    def fast_services(**changes: Any) -> Any:
        services = make_services(**changes)
        services.bitrix.close()
        services.bitrix = BitrixHub(services.settings, services.session_factory, services.clock,
                                    retry_policy=FAST_RETRIES)
        hubs.append(services.bitrix)
        return services

    def make(configure: Callable[[Flask], None] | None = None, **changes: Any) -> LiveApp:
        live = start_live_app(sandbox, fast_services, configure, **changes)
        started.append(live)
        return live

    yield make
    requests.delete(sandbox.control("faults"), timeout=5)
    for live in started:
        live.stop()
    for hub in hubs:
        hub.close()


@pytest.fixture
def installed(make_live: Callable[..., LiveApp]) -> LiveApp:
    live = make_live()
    live.install()
    live.settle()
    return live


@dataclass
class StampedTasks:
    """The test work kind's switches and what it saw."""
    tag_prefix: str = field(default_factory=lambda: f"wq{uuid.uuid4().hex[:10]}")
    crash_in_record: set[str] = field(default_factory=set)
    lookups: list[str] = field(default_factory=list)

    def key(self, n: int) -> str:
        return f"{self.tag_prefix}-{n}"


def tasks_tagged(sandbox: SandboxProcess, tag: str) -> list[str]:
    """Return the IDs of the sandbox tasks carrying ``tag`` (as the admin sees them)."""
    answer = sandbox.rest("tasks.task.list", {"filter": {"TAG": tag}, "select": ["ID"]})
    return [str(task["id"]) for task in answer["result"]["tasks"]]


@pytest.fixture
def stamped_tasks() -> StampedTasks:
    control = StampedTasks()

    def build(item: WorkItem) -> list[Command]:
        return [Command("add", "tasks.task.add", {"fields": {
            "TITLE": f"Work item {item.key}", "RESPONSIBLE_ID": 1, "TAGS": [item.key]}})]

    def find(client: Any, item: WorkItem) -> dict[str, Any] | None:
        control.lookups.append(item.key)
        found = client.call("tasks.task.list", {"filter": {"TAG": item.key}, "select": ["ID"]})
        tasks = found.get("tasks", []) if isinstance(found, dict) else []
        return {"add": {"task": tasks[0]}} if tasks else None

    def record(session: Any, item: WorkItem, results: dict[str, Any]) -> None:
        if item.key in control.crash_in_record:
            control.crash_in_record.discard(item.key)
            raise RuntimeError("the worker died after the Bitrix24 call, before the record")
        note_own_write(session, item.portal_id, "task", results["add"]["task"]["id"], item.updated_at)

    workqueue.register_kind(WorkKind(TASK_KIND, build, find, record))
    return control
