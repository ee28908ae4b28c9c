"""The envelope (result, time, total/next) and the error statuses of rest-facts §2."""
from __future__ import annotations

import pytest
import requests

import sandbox_probes  # noqa: F401  (registers the sandboxtest.* methods)
from conftest import SandboxHandle, StartSandbox, minimal_portal

TIME_KEYS = {"start", "finish", "duration", "processing", "date_start", "date_finish",
             "operating", "operating_reset_at"}


@pytest.fixture
def handle(start_sandbox: StartSandbox) -> SandboxHandle:
    return start_sandbox(minimal_portal(), limits="standard")


def test_success_envelope_has_result_and_full_time_block(handle: SandboxHandle) -> None:
    response = requests.post(handle.admin_webhook + "profile", json={}, timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"result", "time"}
    assert body["result"] == {"ID": "1", "ADMIN": True, "NAME": "John", "LAST_NAME": "Doe",
                              "PERSONAL_GENDER": "", "TIME_ZONE": "Europe/Moscow"}
    time_block = body["time"]
    assert set(time_block) == TIME_KEYS
    assert time_block["finish"] >= time_block["start"]
    assert time_block["operating"] < 1
    assert isinstance(time_block["operating_reset_at"], int)
    assert time_block["date_start"].endswith("+03:00")


def test_list_pages_carry_total_and_next(handle: SandboxHandle) -> None:
    first = requests.post(handle.admin_webhook + "sandboxtest.numbers", json={}, timeout=10).json()
    assert len(first["result"]) == 50 and first["total"] == 120 and first["next"] == 50
    last = requests.post(handle.admin_webhook + "sandboxtest.numbers", json={"start": 100}, timeout=10).json()
    assert len(last["result"]) == 20 and last["total"] == 120 and "next" not in last


def test_fast_mode_answers_total_zero_and_no_next(handle: SandboxHandle) -> None:
    body = requests.post(handle.admin_webhook + "sandboxtest.numbers", json={"start": -1}, timeout=10).json()
    assert len(body["result"]) == 50 and body["total"] == 0 and "next" not in body


def test_methods_are_matched_case_insensitively_with_optional_json_suffix(handle: SandboxHandle) -> None:
    for name in ("PROFILE", "Profile.json", "profile.JSON"):
        assert requests.get(handle.admin_webhook + name, timeout=10).json()["result"]["ID"] == "1"


def test_xml_format_is_refused_in_json(handle: SandboxHandle) -> None:
    response = requests.get(handle.admin_webhook + "profile.xml", timeout=10)
    assert response.status_code == 400 and response.json()["error"] == "INVALID_REQUEST"


def test_unknown_method_is_404(handle: SandboxHandle) -> None:
    response = requests.post(handle.admin_webhook + "crm.lead.list", timeout=10)
    assert response.status_code == 404
    assert response.json() == {"error": "ERROR_METHOD_NOT_FOUND", "error_description": "Method not found!"}


@pytest.mark.parametrize("path", ["/rest/1/not-a-code/profile", "/rest/2/adminhooktest0001/profile"])
def test_unknown_webhook_code_or_wrong_user_is_401(handle: SandboxHandle, path: str) -> None:
    response = requests.post(handle.base_url + path, timeout=10)
    assert response.status_code == 401
    assert response.json() == {"error": "NO_AUTH_FOUND", "error_description": "Wrong authorization data"}


def test_dismissed_users_webhook_fails(handle: SandboxHandle) -> None:
    url = handle.webhook(2)
    assert requests.post(url + "profile", timeout=10).status_code == 200
    with handle.portal.lock:
        handle.portal.users[2].active = False
    response = requests.post(url + "profile", timeout=10)
    assert response.status_code == 401 and response.json()["error"] == "NO_AUTH_FOUND"


def test_missing_or_unknown_oauth_token_is_401(handle: SandboxHandle) -> None:
    for kwargs in ({}, {"json": {"auth": "0" * 32}}, {"params": {"auth": "nope"}}):
        response = requests.post(handle.rest_url + "profile", timeout=10, **kwargs)
        assert response.status_code == 401 and response.json()["error"] == "NO_AUTH_FOUND"


def test_webhook_scopes_limit_methods(handle: SandboxHandle) -> None:
    url = handle.webhook(1, ["task"])
    response = requests.post(url + "sandboxtest.userscoped", timeout=10)
    assert response.status_code == 403 and response.json()["error"] == "insufficient_scope"
    assert requests.post(url + "profile", timeout=10).status_code == 200      # basic: always
    assert requests.post(url + "scope", timeout=10).json()["result"] == ["task"]


def test_method_errors_use_bitrix_envelope(handle: SandboxHandle) -> None:
    response = requests.post(handle.admin_webhook + "sandboxtest.fail", timeout=10)
    assert response.status_code == 400
    assert response.json() == {"error": "ERROR_CORE", "error_description": "Probe failure<br>"}


def test_unexpected_exception_is_500_envelope_without_traceback(handle: SandboxHandle) -> None:
    response = requests.post(handle.admin_webhook + "sandboxtest.crash", timeout=10)
    assert response.status_code == 500
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json() == {"error": "INTERNAL_SERVER_ERROR", "error_description": "Internal server error"}
    assert "Traceback" not in response.text and "secret" not in response.text


def test_unknown_rest_path_still_answers_json(handle: SandboxHandle) -> None:
    response = requests.get(handle.base_url + "/rest/a/b/c/d", timeout=10)
    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("application/json")


def test_wrong_http_verb_answers_json(handle: SandboxHandle) -> None:
    response = requests.delete(handle.admin_webhook + "profile", timeout=10)
    assert response.status_code == 405
    assert response.headers["Content-Type"].startswith("application/json")


def test_scope_and_methods_follow_the_docs(handle: SandboxHandle) -> None:
    hook = handle.webhook(1, ["user"])
    assert requests.post(hook + "scope", timeout=10).json()["result"] == ["user"]
    full = requests.post(hook + "scope", data={"full": "false"}, timeout=10).json()["result"]
    assert "user" in full and "basic" not in full        # form "false" is truthy in PHP
    basic = requests.post(hook + "methods", json={"scope": ""}, timeout=10).json()["result"]
    assert {"batch", "scope", "methods", "profile"} <= set(basic)
    assert requests.post(hook + "methods", json={"scope": "nonexistent"}, timeout=10).json()["result"] == []
    mine = requests.post(hook + "methods", timeout=10).json()["result"]
    assert "sandboxtest.userscoped" in mine and "task.sandboxtest.echo" not in mine
