"""/oauth/token/: code exchange, refresh rotation, documented errors; token expiry on REST."""
from __future__ import annotations

from typing import Any

import pytest
import requests

from conftest import SandboxHandle, StartSandbox, add_app, minimal_portal
from sandbox.state import App
from shapes import documented_examples, shape_mismatches


@pytest.fixture
def handle(start_sandbox: StartSandbox) -> SandboxHandle:
    return start_sandbox(minimal_portal())


@pytest.fixture
def app(handle: SandboxHandle) -> App:
    return add_app(handle.portal, ["user", "task"])


def code_for(handle: SandboxHandle, app: App, user_id: int = 1) -> str:
    answer = requests.post(handle.control("auth-code"), json={"client_id": app.client_id, "user_id": user_id},
                           timeout=10)
    assert answer.status_code == 200
    code: str = answer.json()["code"]
    return code


def token_request(handle: SandboxHandle, method: str = "GET", **params: Any) -> requests.Response:
    url = handle.base_url + "/oauth/token/"
    if method == "GET":
        return requests.get(url, params=params, timeout=10)
    return requests.post(url, data=params, timeout=10)


def first_tokens(handle: SandboxHandle, app: App) -> dict[str, Any]:
    response = token_request(handle, grant_type="authorization_code", client_id=app.client_id,
                             client_secret=app.client_secret, code=code_for(handle, app))
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def test_code_exchange_answers_the_documented_fields(handle: SandboxHandle, app: App) -> None:
    body = first_tokens(handle, app)
    example = documented_examples("GET https://oauth.bitrix.info/oauth/token/")[0]
    assert shape_mismatches(example["response"], body) == []
    assert body["expires_in"] == 3600 and body["status"] == "L" and body["user_id"] == 1
    assert body["scope"] == "user,task" and body["member_id"] == handle.portal.member_id
    assert body["client_endpoint"] == handle.rest_url


def test_access_token_works_in_query_form_and_json(handle: SandboxHandle, app: App) -> None:
    token = first_tokens(handle, app)["access_token"]
    url = handle.rest_url + "profile"
    for response in (requests.get(url, params={"auth": token}, timeout=10),
                     requests.post(url, data={"auth": token}, timeout=10),
                     requests.post(url, json={"auth": token}, timeout=10)):
        assert response.status_code == 200 and response.json()["result"]["ID"] == "1"


def test_refresh_rotates_and_a_used_refresh_token_is_dead(handle: SandboxHandle, app: App) -> None:
    first = first_tokens(handle, app)
    refreshed = token_request(handle, "POST", grant_type="refresh_token", client_id=app.client_id,
                              client_secret=app.client_secret, refresh_token=first["refresh_token"])
    assert refreshed.status_code == 200
    second = refreshed.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    again = token_request(handle, grant_type="refresh_token", client_id=app.client_id,
                          client_secret=app.client_secret, refresh_token=first["refresh_token"])
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_code_is_single_use_and_lives_thirty_seconds(handle: SandboxHandle, app: App) -> None:
    code = code_for(handle, app)
    params = dict(grant_type="authorization_code", client_id=app.client_id, client_secret=app.client_secret)
    assert token_request(handle, code=code, **params).status_code == 200
    assert token_request(handle, code=code, **params).json()["error"] == "invalid_grant"
    late = code_for(handle, app)
    requests.post(handle.control("clock"), json={"advance": 31}, timeout=10)
    assert token_request(handle, code=late, **params).json()["error"] == "invalid_grant"


@pytest.mark.parametrize("change, error", [
    ({"client_secret": "wrong"}, "invalid_client"),
    ({"client_id": "local.nobody"}, "invalid_client"),
    ({"grant_type": "password"}, "invalid_request"),
    ({"refresh_token": ""}, "invalid_request"),
    ({"refresh_token": "f" * 32}, "invalid_grant"),
])
def test_documented_oauth_errors(handle: SandboxHandle, app: App, change: dict[str, str], error: str) -> None:
    params = dict(grant_type="refresh_token", client_id=app.client_id, client_secret=app.client_secret,
                  refresh_token=first_tokens(handle, app)["refresh_token"])
    params.update(change)
    response = token_request(handle, **params)
    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json()["error"] == error


def test_token_expires_after_an_hour_on_the_sandbox_clock(handle: SandboxHandle, app: App) -> None:
    tokens = first_tokens(handle, app)
    requests.post(handle.control("clock"), json={"advance": 3601}, timeout=10)
    response = requests.post(handle.rest_url + "profile", json={"auth": tokens["access_token"]}, timeout=10)
    assert response.status_code == 401
    example = documented_examples("<any method with an expired token>")[0]
    assert response.json() == example["response"]
    refreshed = token_request(handle, grant_type="refresh_token", client_id=app.client_id,
                              client_secret=app.client_secret, refresh_token=tokens["refresh_token"]).json()
    retry = requests.post(handle.rest_url + "profile", json={"auth": refreshed["access_token"]}, timeout=10)
    assert retry.status_code == 200


def test_control_expires_tokens_on_demand(handle: SandboxHandle, app: App) -> None:
    one = first_tokens(handle, app)["access_token"]
    two = first_tokens(handle, app)["access_token"]
    assert requests.post(handle.control("tokens/expire"), json={"access_token": one}, timeout=10).json() == {"expired": 1}
    assert requests.post(handle.rest_url + "profile", json={"auth": one}, timeout=10).json()["error"] == "expired_token"
    assert requests.post(handle.rest_url + "profile", json={"auth": two}, timeout=10).status_code == 200
    requests.post(handle.control("tokens/expire"), json={}, timeout=10)
    assert requests.post(handle.rest_url + "profile", json={"auth": two}, timeout=10).status_code == 401


def test_token_scopes_limit_methods(handle: SandboxHandle) -> None:
    narrow = add_app(handle.portal, ["task"], client_id="local.narrow.1")
    token = first_tokens(handle, narrow)["access_token"]
    assert requests.post(handle.rest_url + "scope", json={"auth": token}, timeout=10).json()["result"] == ["task"]


def test_dismissed_user_cannot_refresh_or_call(handle: SandboxHandle, app: App) -> None:
    tokens = first_tokens(handle, app)
    with handle.portal.lock:
        handle.portal.users[1].active = False
    assert requests.post(handle.rest_url + "profile", json={"auth": tokens["access_token"]}, timeout=10).status_code == 401
    refreshed = token_request(handle, grant_type="refresh_token", client_id=app.client_id,
                              client_secret=app.client_secret, refresh_token=tokens["refresh_token"])
    assert refreshed.json()["error"] == "invalid_grant"
