"""Over HTTP: app.option.*, sonet_group.*, event.test, disk.file.get, im.notify.personal.add,
tasks.task.disapprove (the methods no other sandbox test calls)."""
from __future__ import annotations

import base64
from typing import Any

import pytest
import requests

from conftest import SandboxHandle, StartSandbox
from receiver import Receiver


@pytest.fixture
def handle(start_sandbox: StartSandbox) -> SandboxHandle:
    return start_sandbox(stores=2)


def install(handle: SandboxHandle, receiver: Receiver, scopes: list[str]) -> dict[str, Any]:
    app: dict[str, Any] = requests.post(handle.control("apps"), json={
        "install_url": receiver.url + "/install", "scopes": scopes}, timeout=10).json()
    requests.post(handle.control(f"apps/{app['client_id']}/install"), json={}, timeout=10)
    app["token"] = receiver.received[-1].get("auth[access_token]")
    return app


def rest(handle: SandboxHandle, method: str, params: dict[str, Any], token: str = "") -> dict[str, Any]:
    if token:
        answer = requests.post(handle.rest_url + method, json={"auth": token, **params}, timeout=10)
    else:
        answer = requests.post(handle.admin_webhook + method, json=params, timeout=10)
    body: dict[str, Any] = answer.json()
    body["status"] = answer.status_code
    return body


def test_app_options_are_stored_per_app_and_need_app_context(handle: SandboxHandle, receiver: Receiver) -> None:
    token = install(handle, receiver, ["task"])["token"]
    assert rest(handle, "app.option.get", {}, token)["result"] == []
    assert rest(handle, "app.option.set", {"options": {"mode": "pilot", "stores": 12}}, token)["result"] is True
    assert rest(handle, "app.option.get", {}, token)["result"] == {"mode": "pilot", "stores": 12}
    assert rest(handle, "app.option.get", {"option": "mode"}, token)["result"] == "pilot"
    empty = rest(handle, "app.option.set", {"options": {}}, token)
    assert (empty["status"], empty["error"]) == (400, "ERROR_ARGUMENT")
    other = install(handle, receiver, ["task"])["token"]
    assert rest(handle, "app.option.get", {}, other)["result"] == []
    webhook = rest(handle, "app.option.get", {})
    assert (webhook["status"], webhook["error"]) == (403, "ACCESS_DENIED")


def test_sonet_group_create_and_get(handle: SandboxHandle) -> None:
    project = rest(handle, "sonet_group.create", {"NAME": "Мерчандайзинг 2026", "PROJECT": "Y"})["result"]
    group = rest(handle, "sonet_group.create", {"NAME": "Клуб управляющих"})["result"]
    assert isinstance(project, int) and project != group
    found = rest(handle, "sonet_group.get", {"FILTER": {"ID": project}})
    assert found["total"] == 1 and found["result"][0]["PROJECT"] == "Y"
    assert found["result"][0]["NAME"] == "Мерчандайзинг 2026" and found["result"][0]["OWNER_ID"] == "1"
    names = [g["NAME"] for g in rest(handle, "sonet_group.get", {"ORDER": {"NAME": "ASC"}})["result"]]
    assert names == sorted(names)
    missing = rest(handle, "sonet_group.create", {"DESCRIPTION": "no name"})
    assert (missing["status"], missing["error_description"]) == (400, "Incorrect input data")
    task = rest(handle, "tasks.task.add", {"fields": {"TITLE": "Фото витрины", "RESPONSIBLE_ID": 1,
                                                      "GROUP_ID": project}})["result"]["task"]
    assert task["groupId"] == str(project) and task["group"]["id"] == str(project)


def test_event_test_posts_onapptest_to_the_bound_handler(handle: SandboxHandle, receiver: Receiver) -> None:
    app = install(handle, receiver, ["task"])
    bound = rest(handle, "event.bind", {"event": "ONAPPTEST", "handler": receiver.url + "/test"}, app["token"])
    assert bound["result"] is True
    assert rest(handle, "event.test", {"QUERY": "ping"}, app["token"])["result"] is True
    [delivery] = [r for r in receiver.wait_for(2) if r.path == "/test"]
    assert delivery.get("event") == "ONAPPTEST" and delivery.get("data[QUERY][QUERY]") == "ping"
    assert delivery.get("auth[application_token]") == app["application_token"]
    webhook = rest(handle, "event.test", {})
    assert (webhook["status"], webhook["error"]) == (403, "WRONG_AUTH_TYPE")


def test_disk_file_get_and_personal_notification(handle: SandboxHandle, receiver: Receiver) -> None:
    token = install(handle, receiver, ["disk"])["token"]
    root = int(rest(handle, "disk.storage.getforapp", {}, token)["result"]["ROOT_OBJECT_ID"])
    uploaded = rest(handle, "disk.folder.uploadfile", {"id": root, "data": {"NAME": "plan.txt"},
                                                       "fileContent": ["plan.txt", base64.b64encode(b"plan").decode()]})
    file = rest(handle, "disk.file.get", {"id": uploaded["result"]["ID"]})["result"]
    assert file["NAME"] == "plan.txt" and file["SIZE"] == "4" and file["FILE_ID"] != file["ID"]
    assert requests.get(file["DOWNLOAD_URL"], timeout=10).content == b"plan"
    assert rest(handle, "disk.file.get", {"id": root})["error"] == "ERROR_NOT_FOUND"   # a folder

    note = rest(handle, "im.notify.personal.add", {"USER_ID": 2, "MESSAGE": "Загляните в задачу"})["result"]
    recorded = handle.portal.notifications[note]
    assert (recorded.kind, recorded.user_id, recorded.from_user_id) == ("user", 2, 1)
    assert rest(handle, "im.notify.personal.add", {"USER_ID": 2})["error"] == "MESSAGE_EMPTY"


def test_disapprove_returns_a_task_awaiting_review_to_work(handle: SandboxHandle) -> None:
    heads = {d.head for d in handle.portal.departments.values()}
    worker = next(u.id for u in handle.portal.users.values() if not u.is_admin and u.active and u.id not in heads)
    task = rest(handle, "tasks.task.add", {"fields": {"TITLE": "Отчёт", "RESPONSIBLE_ID": worker,
                                                      "TASK_CONTROL": "Y"}})["result"]["task"]["id"]
    worker_hook = handle.webhook(worker)
    done = requests.post(worker_hook + "tasks.task.complete", json={"taskId": task}, timeout=10).json()
    assert done["result"]["task"]["status"] == "4"
    refused = requests.post(worker_hook + "tasks.task.disapprove", json={"taskId": task}, timeout=10)
    assert refused.status_code == 400 and refused.json()["error_description"] == "Action on the task is not allowed"
    assert rest(handle, "tasks.task.disapprove", {"taskId": task})["result"]["task"]["status"] == "2"
    again = rest(handle, "tasks.task.disapprove", {"taskId": task})
    assert again["status"] == 400          # only from status 4
