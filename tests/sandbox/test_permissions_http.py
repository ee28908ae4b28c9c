"""Permissions over HTTP on the seeded chain: admin-only methods, department heads' task view."""
from __future__ import annotations

from typing import Any

import pytest
import requests

from conftest import SandboxHandle, StartSandbox
from receiver import Receiver
from sandbox.methods import load_all
from sandbox.registry import METHODS
from sandbox.state import Portal

SCOPES = ["task", "user", "department", "im", "disk", "placement", "sonet_group"]


@pytest.fixture
def handle(start_sandbox: StartSandbox) -> SandboxHandle:
    return start_sandbox(stores=3)


def stores(portal: Portal) -> list[int]:
    return sorted(d.id for d in portal.departments.values() if d.name.startswith("Магазин "))


def seller_of(portal: Portal, store: int) -> int:
    head = portal.departments[store].head
    return min(u.id for u in portal.users.values() if store in u.departments and u.id != head and u.active)


def tokens_for(handle: SandboxHandle, receiver: Receiver, user_ids: list[int]) -> dict[int, str]:
    """Install an app with every scope and answer an access token per user (code exchange)."""
    app = requests.post(handle.control("apps"), json={"install_url": receiver.url + "/install",
                                                      "scopes": SCOPES}, timeout=10).json()
    requests.post(handle.control(f"apps/{app['client_id']}/install"), json={}, timeout=10)
    tokens: dict[int, str] = {}
    for user_id in user_ids:
        code = requests.post(handle.control("auth-code"), json={"client_id": app["client_id"],
                                                                "user_id": user_id}, timeout=10).json()["code"]
        answer = requests.get(handle.base_url + "/oauth/token/", params={
            "grant_type": "authorization_code", "client_id": app["client_id"],
            "client_secret": app["client_secret"], "code": code}, timeout=10).json()
        tokens[user_id] = answer["access_token"]
    return tokens


def app_call(handle: SandboxHandle, token: str, method: str, params: dict[str, Any]) -> requests.Response:
    return requests.post(handle.rest_url + method, json={"auth": token, **params}, timeout=10)


ADMIN_CALLS: dict[str, dict[str, Any]] = {
    "placement.bind": {"PLACEMENT": "LEFT_MENU", "HANDLER": "{receiver}/menu", "TITLE": "Menu"},
    "placement.unbind": {"PLACEMENT": "LEFT_MENU", "HANDLER": "{receiver}/menu"},
    "event.offline.get": {},
    "event.offline.list": {},
    "event.offline.clear": {"process_id": "p1"},
    "event.offline.error": {"process_id": "p1", "message_id": ["m1"]},
    "disk.storage.getforapp": {},
}


def test_admin_only_methods_reject_other_users_and_admit_the_admin(handle: SandboxHandle,
                                                                   receiver: Receiver) -> None:
    load_all()
    registered_admin_only = {name for name, spec in METHODS.items() if spec.admin_only}
    assert registered_admin_only == set(ADMIN_CALLS)
    seller = seller_of(handle.portal, stores(handle.portal)[0])
    tokens = tokens_for(handle, receiver, [1, seller])
    for method, template in ADMIN_CALLS.items():
        params = {k: v.replace("{receiver}", receiver.url) if isinstance(v, str) else v
                  for k, v in template.items()}
        denied = app_call(handle, tokens[seller], method, params)
        assert (denied.status_code, denied.json()["error"]) == (403, "ACCESS_DENIED"), method
        allowed = app_call(handle, tokens[1], method, params)
        assert allowed.status_code == 200 and "result" in allowed.json(), (method, allowed.text)

    # Admin checks inside methods: writes to people, departments and app settings.
    hook = handle.webhook(seller)
    own_department = handle.portal.users[seller].departments
    user_add = requests.post(hook + "user.add", json={"EMAIL": "new.person@example.test",
                                                      "UF_DEPARTMENT": own_department}, timeout=10)
    assert (user_add.status_code, user_add.json()["error_description"]) == (400, "access_denied")
    dismiss = requests.post(hook + "user.update", json={"ID": 1, "ACTIVE": "N"}, timeout=10)
    assert dismiss.json()["error"] == "ERROR_CORE" and handle.portal.users[1].active
    department = requests.post(hook + "department.add", json={"NAME": "Rogue", "PARENT": 1}, timeout=10)
    assert department.json() == {"error": "ERROR_CORE", "error_description": "Access denied"}
    option = app_call(handle, tokens[seller], "app.option.set", {"options": {"mode": "x"}})
    assert (option.status_code, option.json()["error"]) == (403, "ACCESS_DENIED")
    offline_bind = app_call(handle, tokens[seller], "event.bind", {"event": "ONTASKADD", "event_type": "offline"})
    assert offline_bind.json()["error"] == "ACCESS_DENIED"
    assert app_call(handle, tokens[seller], "user.admin", {}).json()["result"] is False
    assert app_call(handle, tokens[1], "user.admin", {}).json()["result"] is True


def visible_ids(handle: SandboxHandle, user_id: int) -> set[int]:
    answer = requests.post(handle.webhook(user_id) + "tasks.task.list", json={"select": ["ID"]}, timeout=10)
    return {int(t["id"]) for t in answer.json()["result"]["tasks"]}


def test_department_heads_see_their_subordinates_tasks(handle: SandboxHandle) -> None:
    portal = handle.portal
    first, second = stores(portal)[:2]
    seller, other_seller = seller_of(portal, first), seller_of(portal, second)
    manager, other_manager = portal.departments[first].head, portal.departments[second].head
    assert manager is not None and other_manager is not None
    city = portal.departments[first].parent
    region = portal.departments[city].parent if city is not None else None
    region_head = portal.departments[region].head if region is not None else None
    colleague = max(u.id for u in portal.users.values()
                    if first in u.departments and u.id not in (manager, seller) and u.active)
    hook = handle.admin_webhook
    task = int(requests.post(hook + "tasks.task.add", json={"fields": {
        "TITLE": "Проверить витрину", "RESPONSIBLE_ID": seller}}, timeout=10).json()["result"]["task"]["id"])

    assert task in visible_ids(handle, seller)
    assert task in visible_ids(handle, manager)             # the store's head
    assert region_head is not None and task in visible_ids(handle, region_head)   # recursive
    assert task not in visible_ids(handle, other_manager)   # another store's head
    assert task not in visible_ids(handle, colleague)       # same store, not a head
    assert task not in visible_ids(handle, other_seller)
    hidden = requests.post(handle.webhook(other_manager) + "tasks.task.get", json={"taskId": task}, timeout=10)
    assert hidden.json()["result"] == []
