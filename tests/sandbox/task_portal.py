"""A small retail portal and an in-process caller for the tasks method tests."""
from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Any

PROJECT_ROOT = str(Path(__file__).resolve().parents[2])
if PROJECT_ROOT not in sys.path:
    sys.path.insert(0, PROJECT_ROOT)

from sandbox.clock import PORTAL_TZ, SandboxClock  # noqa: E402
from sandbox.errors import RestError  # noqa: E402
from sandbox.methods import load_all  # noqa: E402
from sandbox.registry import Auth, Page  # noqa: E402
from sandbox.runtime import RecordingSink, Sandbox  # noqa: E402
from sandbox.state import Department, DiskObject, Portal, Storage, User  # noqa: E402

load_all()

ADMIN, REGION_HEAD, MANAGER, SELLER, OUTSIDER, SELLER2 = 1, 3, 4, 5, 6, 7
FILE_A, FILE_B, FOLDER = 901, 902, 900
NOW = datetime(2025, 11, 6, 12, 0, tzinfo=PORTAL_TZ)


def build_portal() -> Portal:
    """Company → region → store, plus HQ; one admin, heads, two sellers and an outsider."""
    portal = Portal(member_id="f" * 32, domain="tasks.bitrix24.test")
    deps = [(1, "Company", None, ADMIN), (2, "Region", 1, REGION_HEAD),
            (3, "Store 1", 2, MANAGER), (4, "HQ", 1, None)]
    for dep_id, name, parent, head in deps:
        portal.departments[dep_id] = Department(dep_id, name, parent, head=head)
    people = [(ADMIN, "Admin", [1], True), (REGION_HEAD, "Region", [2], False),
              (MANAGER, "Manager", [3], False), (SELLER, "Seller", [3], False),
              (OUTSIDER, "Outsider", [4], False), (SELLER2, "Second", [3], False)]
    for user_id, name, departments, admin in people:
        portal.users[user_id] = User(id=user_id, email=f"u{user_id}@example.com", name=name,
                                     last_name="Test", departments=departments,
                                     is_admin=admin, work_position="Продавец-консультант")
    portal.next_ids.update({"user": 7, "department": 4, "disk_object": 902})
    portal.storages[1] = Storage(1, "Common", "common", "shared", FOLDER)
    portal.disk_objects[FOLDER] = DiskObject(FOLDER, 1, None, "root", "folder", ADMIN, NOW)
    for file_id, name in ((FILE_A, "photo1.png"), (FILE_B, "photo2.png")):
        portal.disk_objects[file_id] = DiskObject(file_id, 1, FOLDER, name, "file", ADMIN, NOW,
                                                  file_id=file_id + 5000, content=b"PNGDATA")
    return portal


class Portal24:
    """Call REST methods in-process as a user and see fired events."""

    def __init__(self) -> None:
        self.portal = build_portal()
        self.clock = SandboxClock()
        self.clock.set(NOW)
        self.sink = RecordingSink()
        self.sandbox = Sandbox(self.portal, self.clock, self.sink, base_url="http://sb.test")

    def call(self, method: str, params: dict[str, Any] | None = None, user: int = ADMIN) -> Any:
        result = self.sandbox.invoke(method, dict(params or {}), Auth("webhook", user))
        return result

    def error(self, method: str, params: dict[str, Any] | None = None,
              user: int = ADMIN) -> RestError:
        try:
            self.call(method, params, user)
        except RestError as exc:
            return exc
        raise AssertionError(f"{method} did not fail")

    def add_task(self, user: int = ADMIN, **fields: Any) -> int:
        fields.setdefault("TITLE", "Open the store")
        fields.setdefault("RESPONSIBLE_ID", SELLER)
        return int(self.call("tasks.task.add", {"fields": fields}, user)["task"]["id"])

    def events(self, name: str | None = None) -> list[Any]:
        return [e for e in self.sink.fired if name is None or e.event == name]

    def page(self, method: str, params: dict[str, Any], user: int = ADMIN) -> Page:
        result = self.call(method, params, user)
        assert isinstance(result, Page)
        return result
