"""fast-bitrix24 1.8.14 as a real client against the sandbox (fast-bitrix24.md "Emulator contract")."""
from __future__ import annotations

import warnings

import pytest
from fast_bitrix24 import Bitrix

import sandbox_probes  # noqa: F401  (registers the sandboxtest.* methods)
from conftest import SandboxHandle, StartSandbox, minimal_portal
from sandbox.registry import METHODS


@pytest.fixture
def handle(start_sandbox: StartSandbox) -> SandboxHandle:
    return start_sandbox(minimal_portal(), limits="off")


def test_fifty_command_batch(handle: SandboxHandle) -> None:
    bx = Bitrix(handle.admin_webhook, verbose=False)
    cmd = {f"c{i}": f"sandboxtest.echo?ID={i}&ACTIVE=True" for i in range(50)}
    result = bx.call_batch({"halt": 0, "cmd": cmd})
    assert len(result) == 50
    assert result["c49"]["params"] == {"ID": "49", "ACTIVE": "True"}
    stats = handle.stats()
    assert stats["http_by_method"]["batch"] == 1 and stats["batch_commands"] == 50


def test_call_splits_items_into_batches_of_fifty(handle: SandboxHandle) -> None:
    bx = Bitrix(handle.admin_webhook, verbose=False)
    results = bx.call("sandboxtest.echo", [{"ID": i, "FLAG": True} for i in range(60)])
    assert sorted(int(r["params"]["ID"]) for r in results) == list(range(60))
    assert all(r["params"]["FLAG"] == "True" for r in results)
    assert handle.stats()["http_by_method"]["batch"] == 2


def test_call_on_a_positional_method_gets_the_order_label_first(handle: SandboxHandle) -> None:
    bx = Bitrix(handle.admin_webhook, verbose=False)
    result = bx.call("task.sandboxtest.echo", {"TASKID": 13})
    # As on a real portal: __order reaches the positional dispatcher as argument #0.
    assert result["order0000000000"]["positional"] == ["order0000000000", "13"]


def test_get_all_walks_every_page(handle: SandboxHandle) -> None:
    bx = Bitrix(handle.admin_webhook, verbose=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        rows = bx.get_all("sandboxtest.numbers")
    assert sorted(int(r["ID"]) for r in rows) == list(range(1, 121))


def test_get_all_over_every_seeded_user(start_sandbox: StartSandbox) -> None:
    if "user.get" not in METHODS:
        pytest.skip("user.get is not registered yet (S3's method)")
    handle = start_sandbox(stores=3, limits="off")
    bx = Bitrix(handle.admin_webhook, verbose=False)
    users = bx.get_all("user.get", {"ADMIN_MODE": True})
    assert sorted(int(u["ID"]) for u in users) == sorted(handle.portal.users)


@pytest.mark.slow
def test_standard_limits_answer_503_and_the_client_retries(start_sandbox: StartSandbox) -> None:
    handle = start_sandbox(minimal_portal(), limits="standard")
    # Lift the client's own throttle so the server's bucket is what slows it down.
    bx = Bitrix(handle.admin_webhook, verbose=False, request_pool_size=10_000, requests_per_second=1000.0)
    answers = [bx.call("profile", {}, raw=True) for _ in range(53)]
    assert all(a["result"]["ID"] == "1" for a in answers)
    stats = handle.stats()
    assert stats["rejections"]["QUERY_LIMIT_EXCEEDED"] >= 3
    assert stats["http_by_method"]["profile"] == 53 + stats["rejections"]["QUERY_LIMIT_EXCEEDED"]
