"""The leaky bucket (503) and the operating-time budget (429), on the sandbox clock."""
from __future__ import annotations

import pytest
import requests

import sandbox_probes  # noqa: F401  (registers the sandboxtest.* methods)
from conftest import FrozenClock, SandboxHandle, StartSandbox, minimal_portal
from sandbox.limits import PLANS, LeakyBucket, OperatingBudget


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_bucket_admits_burst_then_drains_at_rate() -> None:
    clock = FakeClock()
    plan = PLANS["standard"]
    assert plan is not None
    bucket = LeakyBucket(plan, clock)
    assert all(bucket.admit() for _ in range(50))
    assert not bucket.admit()
    clock.now += 0.5                      # drains 1 request at 2/s
    assert bucket.admit() and not bucket.admit()
    clock.now -= 100                      # the clock moved backwards: no refill, no crash
    assert not bucket.admit()


def test_enterprise_plan_is_250_and_5_per_second() -> None:
    clock = FakeClock()
    plan = PLANS["enterprise"]
    assert plan is not None
    bucket = LeakyBucket(plan, clock)
    assert sum(bucket.admit() for _ in range(300)) == 250
    clock.now += 1
    assert sum(bucket.admit() for _ in range(10)) == 5


def test_budget_blocks_the_call_after_the_one_that_crossed_the_limit() -> None:
    clock = FakeClock()
    budget = OperatingBudget(clock, limit=10)
    budget.check("app:a", "tasks.task.list")
    state = budget.charge("app:a", "tasks.task.list", 11)
    assert state.operating == 11 and state.reset_at == 1600
    with pytest.raises(Exception) as blocked:
        budget.check("app:a", "tasks.task.list")
    assert getattr(blocked.value, "status") == 429
    budget.check("app:a", "user.get")             # other methods are unaffected
    budget.check("app:b", "tasks.task.list")      # and other apps
    clock.now += 600                              # the basket drops out after 10 minutes
    budget.check("app:a", "tasks.task.list")


def test_baskets_are_one_minute_wide() -> None:
    clock = FakeClock()
    budget = OperatingBudget(clock, limit=100)
    budget.charge("w", "m", 1)
    clock.now += 30
    budget.charge("w", "m", 1)
    clock.now += 40
    state = budget.charge("w", "m", 1)
    assert state.operating == 3 and state.reset_at == 1600
    clock.now += 560                              # the first basket is gone, the second stays
    assert budget.state("w", "m").operating == 1


@pytest.fixture
def standard(start_sandbox: StartSandbox) -> SandboxHandle:
    # A frozen clock: the bucket drains only when the test advances it.
    return start_sandbox(minimal_portal(), limits="standard", clock=FrozenClock())


def test_http_requests_beyond_the_burst_get_503(standard: SandboxHandle) -> None:
    answers = [requests.post(standard.admin_webhook + "profile", timeout=10) for _ in range(55)]
    statuses = [a.status_code for a in answers]
    assert statuses == [200] * 50 + [503] * 5
    rejected = next(a for a in answers if a.status_code == 503)
    assert rejected.json() == {"error": "QUERY_LIMIT_EXCEEDED", "error_description": "Too many requests"}
    assert standard.stats()["rejections"]["QUERY_LIMIT_EXCEEDED"] >= 1


def test_bucket_drains_on_the_sandbox_clock(standard: SandboxHandle) -> None:
    for _ in range(50):
        requests.post(standard.admin_webhook + "profile", timeout=10)
    assert requests.post(standard.admin_webhook + "profile", timeout=10).status_code == 503
    requests.post(standard.control("clock"), json={"advance": 1}, timeout=10)      # drains 2
    statuses = [requests.post(standard.admin_webhook + "profile", timeout=10).status_code for _ in range(3)]
    assert statuses == [200, 200, 503]


def test_a_batch_is_one_request_for_the_bucket(standard: SandboxHandle) -> None:
    cmd = {f"c{i}": "profile" for i in range(50)}
    for _ in range(50):
        assert requests.post(standard.admin_webhook + "batch", json={"cmd": cmd}, timeout=10).status_code == 200
    assert requests.post(standard.admin_webhook + "profile", timeout=10).status_code == 503


def test_limits_off_never_rejects(start_sandbox: StartSandbox) -> None:
    handle = start_sandbox(minimal_portal(), limits="off")
    assert all(requests.post(handle.admin_webhook + "profile", timeout=10).status_code == 200 for _ in range(80))


def test_operating_budget_answers_429_after_the_crossing_call(standard: SandboxHandle) -> None:
    requests.post(standard.control("limits"), json={"operating_limit": 0.01}, timeout=10)
    slow = standard.admin_webhook + "sandboxtest.slow"
    first = requests.post(slow, json={"seconds": 0.02}, timeout=10)
    assert first.status_code == 200 and first.json()["time"]["operating"] >= 0.02
    blocked = requests.post(slow, json={"seconds": 0.02}, timeout=10)
    assert blocked.status_code == 429
    assert blocked.json()["error"] == "OPERATION_TIME_LIMIT"
    assert requests.post(standard.admin_webhook + "profile", timeout=10).status_code == 200
    requests.post(standard.control("clock"), json={"advance": 601}, timeout=10)
    assert requests.post(slow, json={"seconds": 0}, timeout=10).status_code == 200


def test_batch_commands_draw_on_the_budget_and_fail_per_command(standard: SandboxHandle) -> None:
    requests.post(standard.control("limits"), json={"operating_limit": 0.01}, timeout=10)
    cmd = {"a": "sandboxtest.slow?seconds=0.02", "b": "sandboxtest.slow?seconds=0"}
    response = requests.post(standard.admin_webhook + "batch", json={"cmd": cmd}, timeout=10)
    assert response.status_code == 200
    result = response.json()["result"]
    assert list(result["result"]) == ["a"]
    assert result["result_error"]["b"]["error"] == "OPERATION_TIME_LIMIT"


def test_limits_mode_switches_at_run_time(standard: SandboxHandle) -> None:
    answer = requests.post(standard.control("limits"), json={"mode": "off"}, timeout=10).json()
    assert answer["mode"] == "off"
    assert all(requests.post(standard.admin_webhook + "profile", timeout=10).status_code == 200 for _ in range(60))
    bad = requests.post(standard.control("limits"), json={"mode": "turbo"}, timeout=10)
    assert bad.status_code == 400
