"""disk.* over HTTP: base64 uploads, distinct FILE_ID, working download URLs, errors."""
from __future__ import annotations

import base64

import requests

from sandbox.tokens import issue_tokens
from tests.sandbox.conftest import add_app

PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")


def rest(handle, method, params, token=None, hook=None):  # type: ignore[no-untyped-def]
    if token:
        return requests.post(f"{handle.rest_url}{method}", json={**params, "auth": token}, timeout=10)
    return requests.post((hook or handle.admin_webhook) + method, json=params, timeout=10)


def test_app_storage_upload_download_and_attachment(sandbox_server) -> None:  # type: ignore[no-untyped-def]
    app = add_app(sandbox_server.portal, ["disk", "task"])
    access, _ = issue_tokens(sandbox_server.portal, app.client_id, 1, sandbox_server.sandbox.clock.timestamp())
    storage = rest(sandbox_server, "disk.storage.getforapp", {}, access.access_token).json()["result"]
    assert storage["ENTITY_TYPE"] == "restapp" and storage["MODULE_ID"] == "disk"
    again = rest(sandbox_server, "disk.storage.getforapp", {}, access.access_token).json()["result"]
    assert again["ID"] == storage["ID"]
    folder = rest(sandbox_server, "disk.folder.addsubfolder", {"id": storage["ROOT_OBJECT_ID"],
                                                               "data": {"NAME": "Москва"}}, access.access_token).json()["result"]
    upload = {"id": folder["ID"], "data": {"NAME": "витрина.png"},
              "fileContent": ["витрина.png", base64.b64encode(PNG).decode()]}
    stored = rest(sandbox_server, "disk.folder.uploadfile", upload, access.access_token).json()["result"]
    assert stored["ID"] != stored["FILE_ID"] and stored["SIZE"] == str(len(PNG)) and stored["PARENT_ID"] == str(folder["ID"])
    download = requests.get(stored["DOWNLOAD_URL"], timeout=10)
    assert download.content == PNG and download.headers["Content-Type"] == "image/png"
    clash = rest(sandbox_server, "disk.folder.uploadfile", upload, access.access_token).json()
    assert clash["error"] == "DISK_OBJ_22000"
    renamed = rest(sandbox_server, "disk.folder.uploadfile", {**upload, "generateUniqueName": True},
                   access.access_token).json()["result"]
    assert renamed["NAME"] == "витрина (1).png"
    children = rest(sandbox_server, "disk.folder.getchildren", {"id": folder["ID"]}, access.access_token).json()
    assert children["total"] == 2
    task = rest(sandbox_server, "tasks.task.add", {"fields": {"TITLE": "Фото", "RESPONSIBLE_ID": 1}}).json()
    attached = rest(sandbox_server, "tasks.task.files.attach",
                    {"taskId": task["result"]["task"]["id"], "fileId": stored["ID"]}).json()["result"]
    info = rest(sandbox_server, "disk.attachedObject.get", {"id": attached["attachmentId"]}).json()["result"]
    assert info["OBJECT_ID"] == str(stored["ID"]) and info["ENTITY_TYPE"] == "tasks_task"
    assert requests.get(info["DOWNLOAD_URL"], timeout=10).content == PNG


def test_errors_and_two_step_upload(sandbox_server) -> None:  # type: ignore[no-untyped-def]
    portal = sandbox_server.portal
    common = next(s for s in portal.storages.values() if s.entity_type == "common")
    webhook_app = rest(sandbox_server, "disk.storage.getforapp", {}).json()
    assert webhook_app["error"] == "WRONG_AUTH_TYPE"
    missing = rest(sandbox_server, "disk.folder.uploadfile", {"id": 987654, "data": {"NAME": "a.txt"},
                                                              "fileContent": ["a.txt", "YQ=="]})
    assert missing.status_code == 400 and missing.json()["error"] == "ERROR_NOT_FOUND"
    no_name = rest(sandbox_server, "disk.storage.uploadfile", {"id": common.id, "fileContent": ["a.txt", "YQ=="]})
    assert no_name.json()["error"] == "DISK_BASE_SERVICE_22001"
    bad_b64 = rest(sandbox_server, "disk.storage.uploadfile", {"id": common.id, "data": {"NAME": "b.txt"},
                                                               "fileContent": ["b.txt", "***"]})
    assert bad_b64.json()["error"] == "ERROR_COULD_NOT_SAVE_FILE"
    # PHP's non-strict base64_decode skips the documented example's trailing "...".
    trimmed = rest(sandbox_server, "disk.storage.uploadfile", {"id": common.id, "data": {"NAME": "t.png"},
                                                               "fileContent": ["t.png", "iVBORw0KGgo..."]})
    assert requests.get(trimmed.json()["result"]["DOWNLOAD_URL"], timeout=10).content == b"\x89PNG\r\n\x1a\n"
    assert rest(sandbox_server, "disk.attachedObject.get", {"id": 424242}).json()["error"] == "ERROR_NOT_FOUND"
    step = rest(sandbox_server, "disk.storage.uploadfile", {"id": common.id}).json()["result"]
    assert step["field"] == "file"
    done = requests.post(step["uploadUrl"], files={"file": ("plan.txt", b"hello")}, timeout=10).json()["result"]
    assert requests.get(done["DOWNLOAD_URL"], timeout=10).content == b"hello"
