"""batch: commands, references, halt, result_* maps, limits of length and nesting."""
from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
import requests

import sandbox_probes  # noqa: F401  (registers the sandboxtest.* methods)
from conftest import SandboxHandle, StartSandbox, minimal_portal
from sandbox.registry import METHODS
from shapes import documented_examples, shape_mismatches

BATCH_KEYS = {"result", "result_error", "result_total", "result_next", "result_time"}
COMMAND_TIME_KEYS = {"start", "finish", "duration", "processing", "date_start", "date_finish"}


@pytest.fixture
def handle(start_sandbox: StartSandbox) -> SandboxHandle:
    return start_sandbox(minimal_portal())


def batch(url: str, **kwargs: Any) -> requests.Response:
    return requests.post(url + "batch", timeout=10, **kwargs)


def test_documented_success_example_replays_with_the_same_shape(handle: SandboxHandle) -> None:
    if not {"user.current", "department.get"} <= set(METHODS):
        pytest.skip("user.current/department.get are not registered yet (S3's methods)")
    example = documented_examples("batch")[0]
    response = batch(handle.admin_webhook, json=example["params"])
    assert response.status_code == example["http_status"]
    body = response.json()
    assert shape_mismatches(example["response"], body) == []
    assert body["result"]["result_error"] == [] and body["result"]["result_next"] == []
    assert body["result"]["result"]["get_department"][0]["ID"] == "1"


def test_documented_halt_example_stops_at_first_error(handle: SandboxHandle) -> None:
    example = documented_examples("batch")[1]
    hook = handle.webhook(1, ["department"])          # no `user` scope: user.current fails
    if "user.current" not in METHODS:
        pytest.skip("user.current is not registered yet (S3's method)")
    body = batch(hook, json=example["params"]).json()
    assert body["result"]["result"] == [] and body["result"]["result_time"] == []
    assert list(body["result"]["result_error"]) == ["get_user"]
    assert body["result"]["result_error"]["get_user"]["error"] == "insufficient_scope"
    assert shape_mismatches(example["response"], body) == []


def test_result_maps_and_references(handle: SandboxHandle) -> None:
    cmd = {
        "me": "profile",
        "page": "sandboxtest.numbers?start=50",
        "echo": "sandboxtest.echo?who=$result[me][ID]&first=$result[page][0][ID]&name=$result[me][NAME]%20X",
        "bad": "sandboxtest.fail",
        "after": "sandboxtest.echo?missing=$result[nothing][0]",
    }
    response = batch(handle.admin_webhook, json={"halt": 0, "cmd": cmd})
    assert response.status_code == 200
    result = response.json()["result"]
    assert set(result) == BATCH_KEYS
    assert list(result["result"]) == ["me", "page", "echo", "after"]
    assert result["result"]["echo"]["params"] == {"who": "1", "first": "51", "name": "John X"}
    assert result["result"]["after"]["params"] == {"missing": ""}
    assert result["result_error"] == {"bad": {"error": "ERROR_CORE", "error_description": "Probe failure<br>"}}
    assert result["result_total"] == {"page": 120} and result["result_next"] == {"page": 100}
    assert set(result["result_time"]) == {"me", "page", "echo", "after"}
    assert set(result["result_time"]["me"]) == COMMAND_TIME_KEYS


def test_whole_array_reference_passes_the_array(handle: SandboxHandle) -> None:
    cmd = {"page": "sandboxtest.numbers", "echo": "sandboxtest.echo?rows=$result[page]"}
    result = batch(handle.admin_webhook, json={"cmd": cmd}).json()["result"]["result"]
    assert result["echo"]["params"]["rows"][:2] == [{"ID": "1"}, {"ID": "2"}]


def test_halt_true_stops_and_halt_false_continues(handle: SandboxHandle) -> None:
    cmd = {"a": "sandboxtest.fail", "b": "profile"}
    halted = batch(handle.admin_webhook, json={"halt": 1, "cmd": cmd}).json()["result"]
    assert halted["result"] == [] and list(halted["result_error"]) == ["a"]
    kept = batch(handle.admin_webhook, json={"halt": "False", "cmd": cmd}).json()["result"]
    assert list(kept["result"]) == ["b"]


def test_cmd_as_list_gives_php_lists(handle: SandboxHandle) -> None:
    result = batch(handle.admin_webhook, json={"cmd": ["profile", "sandboxtest.numbers"]}).json()["result"]
    assert isinstance(result["result"], list) and result["result"][0]["ID"] == "1"
    assert result["result_total"] == {"1": 120}       # PHP: keyed 1 only, so an object


def test_form_mode_commands_are_doubly_encoded(handle: SandboxHandle) -> None:
    inner = "sandboxtest.echo?fields[TITLE]=" + quote("A&B=C") + "&who=$result[me][ID]"
    body = "halt=0&cmd[me]=profile&cmd[e]=" + quote(inner, safe="")
    response = requests.post(handle.admin_webhook + "batch", data=body, timeout=10,
                             headers={"Content-Type": "application/x-www-form-urlencoded"})
    echo = response.json()["result"]["result"]["e"]["params"]
    assert echo == {"fields": {"TITLE": "A&B=C"}, "who": "1"}


def test_get_mode_as_in_the_docs(handle: SandboxHandle) -> None:
    url = (handle.admin_webhook + "batch?halt=0&cmd[get_user]=profile%3F"
           "&cmd[e]=sandboxtest.echo%3FID%3D%2524result%255Bget_user%255D%255BID%255D")
    result = requests.get(url, timeout=10).json()["result"]["result"]
    assert result["e"]["params"] == {"ID": "1"}


def test_fast_bitrix24_artefacts_are_tolerated(handle: SandboxHandle) -> None:
    cmd = {"order0000000000": "sandboxtest.echo?__order=order0000000000&ACTIVE=True&ID=5"}
    result = batch(handle.admin_webhook, json={"halt": 0, "cmd": cmd}).json()["result"]["result"]
    assert result["order0000000000"]["params"] == {"ACTIVE": "True", "ID": "5"}


def test_more_than_fifty_commands_is_a_whole_call_400(handle: SandboxHandle) -> None:
    cmd = {f"c{i}": "profile" for i in range(51)}
    response = batch(handle.admin_webhook, json={"cmd": cmd})
    assert response.status_code == 400
    assert response.json() == {"error": "ERROR_BATCH_LENGTH_EXCEEDED", "error_description": "Max batch length exceeded"}


def test_fifty_commands_are_fine(handle: SandboxHandle) -> None:
    cmd = {f"c{i}": "profile" for i in range(50)}
    result = batch(handle.admin_webhook, json={"cmd": cmd}).json()["result"]
    assert len(result["result"]) == 50 and result["result_error"] == []


def test_nested_batch_is_a_whole_call_405_and_runs_nothing(handle: SandboxHandle) -> None:
    before = handle.stats()["calls_by_method"].get("profile", 0)
    response = batch(handle.admin_webhook, json={"cmd": {"a": "profile", "b": "batch?cmd[x]=profile"}})
    assert response.status_code == 405
    assert response.json()["error"] == "ERROR_BATCH_METHOD_NOT_ALLOWED"
    assert handle.stats()["calls_by_method"].get("profile", 0) == before


def test_unknown_inner_method_and_scope_errors_are_per_command(handle: SandboxHandle) -> None:
    hook = handle.webhook(1, ["task"])
    result = batch(hook, json={"cmd": {"a": "nope.nope", "b": "sandboxtest.userscoped", "c": "profile"}}).json()
    errors = result["result"]["result_error"]
    assert errors["a"]["error"] == "ERROR_METHOD_NOT_FOUND"
    assert errors["b"]["error"] == "insufficient_scope"
    assert result["result"]["result"]["c"]["ID"] == "1"


def test_batch_counts_one_http_request_and_each_command(handle: SandboxHandle) -> None:
    requests.post(handle.control("stats/reset"), timeout=10)
    batch(handle.admin_webhook, json={"cmd": {f"c{i}": "profile" for i in range(7)}})
    stats = handle.stats()
    assert stats["http_requests"] == 1 and stats["http_by_method"] == {"batch": 1}
    assert stats["batch_commands"] == 7 and stats["calls_by_method"]["profile"] == 7


@pytest.mark.parametrize("cmd", [5, "profile", True])
def test_wrong_cmd_types_are_bitrix_errors_not_500(handle: SandboxHandle, cmd: object) -> None:
    response = batch(handle.admin_webhook, json={"cmd": cmd})
    assert response.status_code == 400
    assert response.json()["error"] == "ERROR_CORE"


def test_non_string_commands_and_empty_batch(handle: SandboxHandle) -> None:
    odd = batch(handle.admin_webhook, json={"cmd": {"a": 123, "b": None}}).json()["result"]
    assert odd["result_error"]["a"]["error"] == "ERROR_METHOD_NOT_FOUND"
    empty = batch(handle.admin_webhook, json={}).json()["result"]
    assert empty == {"result": [], "result_error": [], "result_total": [], "result_next": [], "result_time": []}
