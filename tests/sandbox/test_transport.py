"""Request parsing: PHP bracket keys, order, JSON/form/multipart bodies, malformed input."""
from __future__ import annotations

import base64
from typing import Any

import pytest
import requests

import sandbox_probes  # noqa: F401  (registers the sandboxtest.* methods)
from conftest import SandboxHandle, StartSandbox, minimal_portal
from sandbox.transport import listify, parse_query, split_key


def echo(handle: SandboxHandle, method: str = "sandboxtest.echo", **kwargs: Any) -> requests.Response:
    return requests.post(handle.admin_webhook + method, timeout=10, **kwargs)


@pytest.fixture
def handle(start_sandbox: StartSandbox) -> SandboxHandle:
    return start_sandbox(minimal_portal())


def test_split_key_follows_php_bracket_syntax() -> None:
    assert split_key("fields[TITLE]") == ["fields", "TITLE"]
    assert split_key("a[b][0]") == ["a", "b", "0"]
    assert split_key("a[]") == ["a", ""]
    assert split_key("plain") == ["plain"]
    assert split_key("broken[key") == ["broken[key"]


def test_parse_query_nests_appends_and_keeps_order() -> None:
    params = parse_query("z=1&fields[TITLE]=x&fields[PHONE][0][VALUE]=112233&select[]=ID&select[]=NAME&a=2")
    assert list(params) == ["z", "fields", "select", "a"]
    assert params["fields"] == {"TITLE": "x", "PHONE": [{"VALUE": "112233"}]}
    assert params["select"] == ["ID", "NAME"]


def test_only_maps_keyed_exactly_zero_to_n_become_lists() -> None:
    assert listify({"0": "a", "1": "b"}) == ["a", "b"]
    assert listify({"1": "a", "2": "b"}) == {"1": "a", "2": "b"}
    assert listify({"1": "a", "0": "b"}) == {"1": "a", "0": "b"}
    assert parse_query("ids[5]=x&ids[]=y") == {"ids": {"5": "x", "6": "y"}}


def test_query_string_and_form_body_are_merged_in_order(handle: SandboxHandle) -> None:
    response = echo(handle, params={"q": "1"}, data={"fields[TITLE]": "Открыть смену", "select[]": ["ID", "TITLE"]})
    assert response.status_code == 200
    assert response.json()["result"]["params"] == {
        "q": "1", "fields": {"TITLE": "Открыть смену"}, "select": ["ID", "TITLE"]}


def test_get_with_brackets(handle: SandboxHandle) -> None:
    response = requests.get(handle.admin_webhook + "sandboxtest.echo.json?filter[>ID]=5&order[ID]=ASC", timeout=10)
    assert response.json()["result"]["params"] == {"filter": {">ID": "5"}, "order": {"ID": "ASC"}}


def test_multipart_fields_and_files(handle: SandboxHandle) -> None:
    response = echo(handle, data={"id": "7", "data[NAME]": "a.png"},
                    files={"fileContent": ("a.png", b"\x89PNG-bytes")})
    params = response.json()["result"]["params"]
    assert params["id"] == "7" and params["data"] == {"NAME": "a.png"}
    assert params["fileContent"] == ["a.png", base64.b64encode(b"\x89PNG-bytes").decode()]


def test_json_body_keeps_insertion_order_for_positional_methods(handle: SandboxHandle) -> None:
    response = echo(handle, "task.sandboxtest.echo", json={"TASKID": 13, "FIELDS": {"TITLE": "x"}})
    assert response.json()["result"]["positional"] == [13, {"TITLE": "x"}]


def test_json_top_level_list_is_positional(handle: SandboxHandle) -> None:
    response = echo(handle, "task.sandboxtest.echo", json=[13, {"TITLE": "x"}])
    assert response.json()["result"]["positional"] == [13, {"TITLE": "x"}]


def test_order_parameter_stays_first_for_positional_methods_like_a_real_portal(handle: SandboxHandle) -> None:
    response = echo(handle, "task.sandboxtest.echo", data={"__order": "order0000000000", "TASKID": "13"})
    assert response.json()["result"]["positional"] == ["order0000000000", "13"]


def test_order_parameter_is_ignored_by_named_methods(handle: SandboxHandle) -> None:
    response = echo(handle, data={"__order": "order0000000000", "ID": "13"})
    assert response.json()["result"]["params"] == {"ID": "13"}


@pytest.mark.parametrize("body", [b"{bad json", b'{"a": 1,}', b"\xff\xfe", b'"just a string"', b"42"])
def test_malformed_json_is_a_bitrix_style_400(handle: SandboxHandle, body: bytes) -> None:
    response = echo(handle, data=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json() == {"error": "INVALID_JSON", "error_description": "Request body is not valid JSON"}


def test_body_without_content_type_is_sniffed(handle: SandboxHandle) -> None:
    response = echo(handle, data=b'{"ID": 5}', headers={"Content-Type": ""})
    assert response.json()["result"]["params"] == {"ID": 5}


def test_auth_parameter_is_consumed_not_passed_to_methods(handle: SandboxHandle) -> None:
    response = echo(handle, json={"auth": "whatever", "ID": 1})
    assert response.json()["result"]["params"] == {"ID": 1}
