"""Junk never gets a 500: every registered method answers malformed input Bitrix-style.

A sweep calls each REST method over HTTP in an installed app with every scope (and a few
sets as an admin webhook), with missing parameters, wrong JSON types at the top level and inside the
field maps, positional junk, and a malformed JSON body. Every answer must be a JSON envelope
(``result`` or ``error`` + ``error_description``) with a status other than 500.
"""
from __future__ import annotations

from typing import Any

import pytest
import requests

from conftest import SandboxHandle, StartSandbox
from receiver import Receiver
from sandbox.methods import load_all
from sandbox.registry import METHODS

ALL_SCOPES = ["task", "user", "user_basic", "user_brief", "department", "im", "disk", "placement",
              "sonet_group"]
# Top-level parameter names the methods read (named and positional).
TOP_KEYS = ["ID", "id", "taskId", "TASKID", "ITEMID", "AFTERITEMID", "fields", "FIELDS", "filter",
            "FILTER", "order", "ORDER", "select", "start", "params", "data", "fileContent", "fileId",
            "generateUniqueName", "cmd", "halt", "event", "handler", "auth_type", "event_type",
            "PLACEMENT", "HANDLER", "OPTIONS", "LANG_ALL", "USER_ID", "MESSAGE", "TAG", "TYPE",
            "ATTACH", "NAME", "PARENT", "SORT", "UF_HEAD", "EMAIL", "UF_DEPARTMENT", "ACTIVE",
            "ADMIN_MODE", "options", "option", "limit", "clear", "process_id", "message_id",
            "error", "SCOPE", "FULL", "PROJECT", "OWNER_ID", "sort", "FIND"]
# Field names inside fields/FIELDS/filter/data maps.
FIELD_KEYS = ["TITLE", "RESPONSIBLE_ID", "CREATED_BY", "DEADLINE", "PARENT_ID", "GROUP_ID",
              "ACCOMPLICES", "AUDITORS", "TAGS", "UF_TASK_WEBDAV_FILES", "UF_CRM_TASK", "SE_PARAMETER",
              "STATUS", "!STATUS", ">=DEADLINE", "<CREATED_DATE", "PRIORITY", "TASK_CONTROL",
              "START_DATE_PLAN", "END_DATE_PLAN", "IS_COMPLETE", "IS_IMPORTANT", "SORT_INDEX",
              "MEMBERS", "POST_MESSAGE", "AUTHOR_ID", "POST_DATE", "UF_FORUM_MESSAGE_DOC", "NAME",
              "FIELD", "ID", "ACTIVE", "UF_DEPARTMENT", "%TITLE", "@ID", "WORK_POSITION"]
JUNK_VALUES: list[Any] = ["abc", -5, 10 ** 30, True, None, [[1, [2]], {"a": "b"}],
                          {"a": {"b": "c"}}, {"0": "x", "1": {"y": None}}]


def junk_param_sets(real_task: int, real_item: int) -> list[Any]:
    """Missing everything, one junk type everywhere, junk inside field maps, positional junk."""
    sets: list[Any] = [{}]
    for junk in JUNK_VALUES:
        sets.append({key: junk for key in TOP_KEYS})
        inner = {field: junk for field in FIELD_KEYS}
        sets.append({"taskId": real_task, "TASKID": real_task, "ITEMID": real_item, "ID": real_task,
                     "id": real_task, "fields": inner, "FIELDS": inner, "filter": inner,
                     "FILTER": inner, "data": inner, "order": inner, "select": list(inner)})
    # Positional task.* methods: a real task, then junk of every kind in order.
    sets.append([real_task, real_item, {"a": [1]}, "junk", None])
    sets.append([real_task, {field: {"x": [None]} for field in FIELD_KEYS}])
    sets.append(["junk", [], {}])
    return sets


def app_token(handle: SandboxHandle, receiver: Receiver) -> str:
    app = requests.post(handle.control("apps"), json={"install_url": receiver.url + "/install",
                                                      "scopes": ALL_SCOPES}, timeout=10).json()
    requests.post(handle.control(f"apps/{app['client_id']}/install"), json={}, timeout=10)
    return str(receiver.received[-1].get("auth[access_token]"))


def sweepable_methods() -> list[str]:
    load_all()
    return sorted(name for name in METHODS if "sandboxtest" not in name)


def assert_bitrix_answer(response: requests.Response, what: str) -> None:
    assert response.status_code != 500, f"{what}: 500 {response.text[:300]}"
    assert response.headers["Content-Type"].startswith("application/json"), what
    body = response.json()
    assert "result" in body or {"error", "error_description"} <= set(body), f"{what}: {body}"


def test_every_method_answers_junk_params_without_a_500(start_sandbox: StartSandbox,
                                                         receiver: Receiver) -> None:
    handle = start_sandbox(stores=1)
    hook = handle.admin_webhook
    token = app_token(handle, receiver)
    session = requests.Session()
    calls = 0
    for method in sweepable_methods():
        # A fresh task and item per method, so junk reaches past the "not found" checks.
        task = session.post(hook + "tasks.task.add", json={"fields": {"TITLE": "Sweep", "RESPONSIBLE_ID": 2}},
                            timeout=10).json()["result"]["task"]["id"]
        item = session.post(hook + "task.checklistitem.add", json={"TASKID": task, "FIELDS": {"TITLE": "Item"}},
                            timeout=10).json()["result"]
        for number, params in enumerate(junk_param_sets(int(task), int(item))):
            body: Any
            if isinstance(params, list):
                url, body = handle.rest_url + method + f"?auth={token}", params
            else:
                url, body = handle.rest_url + method, {"auth": token, **params}
            assert_bitrix_answer(session.post(url, json=body, timeout=10), f"{method} {params!r:.200}")
            calls += 1
            if number < 3 or isinstance(params, list):
                # Webhooks take other branches (no app context): a few sets are enough.
                response = session.post(hook + method, json=params, timeout=10)
                assert_bitrix_answer(response, f"webhook {method} {params!r:.200}")
                calls += 1
    stats = handle.stats()
    assert stats["rejections"].get("INTERNAL_SERVER_ERROR", 0) == 0
    assert calls >= len(sweepable_methods()) * 25


@pytest.mark.parametrize("body, content_type", [
    (b'{"fields": {"TITLE": "x"', "application/json"),
    (b"\xff\xfe not utf-8", "application/json"),
    (b'"just a string"', "application/json"),
    (b"fields[TITLE]=x&fields[TITLE][]=y&a[b]]=1&[]=2&%zz=1", "application/x-www-form-urlencoded"),
    (b"--broken\r\nContent-Disposition: form-data\r\n\r\nx", "multipart/form-data; boundary=broken"),
])
def test_malformed_bodies_get_bitrix_errors_on_every_method(start_sandbox: StartSandbox, body: bytes,
                                                            content_type: str) -> None:
    handle = start_sandbox(stores=1)
    session = requests.Session()
    for method in sweepable_methods():
        response = session.post(handle.admin_webhook + method, data=body,
                                headers={"Content-Type": content_type}, timeout=10)
        assert_bitrix_answer(response, f"{method} {body!r}")
