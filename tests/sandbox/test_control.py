"""/_sandbox/ control endpoints, faults, and ``python -m sandbox serve`` with --state."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

import sandbox_probes  # noqa: F401  (registers the sandboxtest.* methods)
from conftest import PROJECT_ROOT, SandboxHandle, StartSandbox, minimal_portal
from receiver import Receiver
from sandbox.persistence import load_portal


@pytest.fixture
def handle(start_sandbox: StartSandbox) -> SandboxHandle:
    return start_sandbox(minimal_portal())


def test_info_names_the_portal_and_its_urls(handle: SandboxHandle) -> None:
    info = requests.get(handle.control("info"), timeout=10).json()
    assert info["member_id"] == handle.portal.member_id
    assert info["rest_url"] == handle.rest_url
    assert info["admin_webhook_url"] == handle.admin_webhook
    assert requests.get(info["admin_webhook_url"] + "profile", timeout=10).json()["result"]["ADMIN"] is True


def test_webhook_endpoint_mints_a_webhook_acting_as_the_user(handle: SandboxHandle) -> None:
    answer = requests.get(handle.control("webhook"), params={"user_id": 2, "scopes": "user,task"}, timeout=10).json()
    assert answer["scopes"] == ["user", "task"]
    assert requests.get(answer["url"] + "profile", timeout=10).json()["result"]["ID"] == "2"
    assert requests.get(handle.control("webhook"), params={"user_id": 99}, timeout=10).status_code == 404
    assert requests.get(handle.control("webhook"), params={"user_id": "x"}, timeout=10).status_code == 400


def test_stats_count_and_reset(handle: SandboxHandle) -> None:
    requests.post(handle.control("stats/reset"), timeout=10)
    requests.post(handle.admin_webhook + "profile", timeout=10)
    requests.post(handle.admin_webhook + "nope", timeout=10)
    stats = handle.stats()
    assert stats["http_requests"] == 2
    assert stats["http_by_method"] == {"profile": 1, "nope": 1}
    assert stats["rejections"] == {"ERROR_METHOD_NOT_FOUND": 1}
    requests.post(handle.control("stats/reset"), timeout=10)
    assert handle.stats()["http_requests"] == 0


def test_clock_set_advance_reset(handle: SandboxHandle) -> None:
    answer = requests.post(handle.control("clock"), json={"now": "2030-01-15T09:00:00+03:00"}, timeout=10).json()
    assert answer["now"].startswith("2030-01-15T09:00")
    date = requests.post(handle.admin_webhook + "profile", timeout=10).json()["time"]["date_start"]
    assert date.startswith("2030-01-15")
    advanced = requests.post(handle.control("clock"), json={"advance": 86400}, timeout=10).json()
    assert advanced["now"].startswith("2030-01-16")
    reset = requests.post(handle.control("clock"), json={"reset": True}, timeout=10).json()
    assert reset["offset_seconds"] == 0
    assert requests.post(handle.control("clock"), json={"now": "yesterday"}, timeout=10).status_code == 400
    assert requests.post(handle.control("clock"), json={}, timeout=10).status_code == 400


def statuses_under_faults(handle: SandboxHandle, seed: int) -> list[int]:
    requests.post(handle.control("faults"), json={"rate": 0.5, "kinds": ["500", "503"], "seed": seed}, timeout=10)
    return [requests.post(handle.admin_webhook + "profile", timeout=10).status_code for _ in range(30)]


def test_faults_are_deterministic_under_a_seed(handle: SandboxHandle) -> None:
    first = statuses_under_faults(handle, 3)
    assert first == statuses_under_faults(handle, 3)
    assert {200, 500, 503} <= set(first)
    failed = requests.post(handle.admin_webhook + "profile", timeout=10)
    while failed.status_code == 200:
        failed = requests.post(handle.admin_webhook + "profile", timeout=10)
    assert failed.headers["Content-Type"].startswith("application/json")
    assert failed.json()["error"] in ("INTERNAL_SERVER_ERROR", "QUERY_LIMIT_EXCEEDED")
    requests.delete(handle.control("faults"), timeout=10)
    assert all(requests.post(handle.admin_webhook + "profile", timeout=10).status_code == 200 for _ in range(10))


def test_faults_can_target_methods_and_time_out(handle: SandboxHandle) -> None:
    requests.post(handle.control("faults"), json={"rate": 1, "kinds": ["timeout"], "methods": ["scope"],
                                                  "timeout_seconds": 0.3}, timeout=10)
    assert requests.post(handle.admin_webhook + "profile", timeout=10).status_code == 200
    with pytest.raises(requests.Timeout):
        requests.post(handle.admin_webhook + "scope", timeout=0.1)
    assert requests.post(handle.control("faults"), json={"rate": 2}, timeout=10).status_code == 400
    assert requests.post(handle.control("faults"), json={"rate": 0.1, "kinds": ["418"]}, timeout=10).status_code == 400


def test_events_log_lists_each_delivery(handle: SandboxHandle) -> None:
    assert requests.get(handle.control("events"), timeout=10).json() == {"events": []}
    receiver = Receiver().start()
    try:
        app = requests.post(handle.control("apps"), json={"install_url": receiver.url + "/install",
                                                          "scopes": ["task"]}, timeout=10).json()
        requests.post(handle.control(f"apps/{app['client_id']}/install"), json={}, timeout=10)
        token = receiver.received[-1].get("auth[access_token]")
        requests.post(handle.rest_url + "event.bind", json={"auth": token, "event": "ONTASKADD",
                                                            "handler": receiver.url + "/events"}, timeout=10)
        requests.post(handle.admin_webhook + "tasks.task.add", json={"fields": {"TITLE": "x", "RESPONSIBLE_ID": 2}},
                      timeout=10)
        assert handle.sandbox.events.wait_idle(10)
        install, entry = requests.get(handle.control("events"), timeout=10).json()["events"]
    finally:
        receiver.stop()
    assert (install["event"], install["handler"]) == ("ONAPPINSTALL", receiver.url + "/install")
    assert (entry["event"], entry["handler"], entry["status"]) == ("ONTASKADD", receiver.url + "/events", 200)
    assert entry["client_id"] == app["client_id"] and entry["error"] is None


def test_unknown_control_path_is_json_404(handle: SandboxHandle) -> None:
    answer = requests.get(handle.control("nothing-here"), timeout=10)
    assert answer.status_code == 404 and answer.headers["Content-Type"].startswith("application/json")


@pytest.mark.slow
def test_serve_prints_urls_and_keeps_state_across_restarts(tmp_path: Path) -> None:
    state = tmp_path / "portal.pickle"
    command = [sys.executable, "-m", "sandbox", "serve", "--port", "0", "--stores", "1",
               "--limits", "off", "--state", str(state)]
    env = {**os.environ, "PYTHONPATH": PROJECT_ROOT}
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(6)]
        output = "".join(lines)
        for label in ("REST base:", "admin webhook:", "portal UI:", "control:"):
            assert label in output
        hook = re.search(r"admin webhook:\s+(\S+)", output)
        assert hook is not None
        created = requests.get(re.sub(r"/rest/.*", "/_sandbox/webhook", hook.group(1)),
                               params={"user_id": 1}, timeout=10).json()["url"]
        task = requests.post(created + "tasks.task.add", json={"fields": {
            "TITLE": "Пережить перезапуск", "RESPONSIBLE_ID": 1}}, timeout=10).json()["result"]["task"]["id"]
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
    saved = load_portal(state)
    assert saved is not None
    code = created.rstrip("/").rsplit("/", 1)[-1]
    assert code in saved.webhooks
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        output = "".join(process.stdout.readline() for _ in range(6))
        base = re.search(r"REST base:\s+(\S+)", output)
        assert base is not None
        reused = base.group(1) + f"1/{code}/profile"
        deadline = time.monotonic() + 5
        answer = requests.get(reused, timeout=10)
        while answer.status_code != 200 and time.monotonic() < deadline:
            answer = requests.get(reused, timeout=10)
        assert answer.json()["result"]["ID"] == "1"
        kept = requests.post(base.group(1) + f"1/{code}/tasks.task.get", json={"taskId": task}, timeout=10)
        assert kept.json()["result"]["task"]["title"] == "Пережить перезапуск"
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)
