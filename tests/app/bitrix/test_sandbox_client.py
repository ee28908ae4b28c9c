"""The Bitrix24 client against the real sandbox portal over HTTP (webhook auth)."""
from __future__ import annotations

import math
import threading
from typing import Any, Callable

import pytest
import requests

from b24app.bitrix.commands import Command, Ref
from b24app.bitrix.errors import B24TransportError, NotFound, RateLimited


def test_list_all_returns_every_user_with_few_requests(sandbox_off: Any, webhook_portal: int,
                                                       make_hub: Callable[..., Any]) -> None:
    client = make_hub().for_portal(webhook_portal)
    total = client.call_page("user.get", {"start": 0}).total
    assert total is not None and total > 50
    users = client.list_all("user.get")
    ids = [int(u["ID"]) for u in users]
    assert len(ids) == len(set(ids)) == total
    # one request for page 1, one batch for the other pages (≤ 50 pages each)
    assert sandbox_off.stats()["http_requests"] == 1 + 1 + math.ceil((math.ceil(total / 50) - 1) / 50)


def test_fast_walk_pages_by_id_without_counting(sandbox_off: Any, webhook_portal: int,
                                                make_hub: Callable[..., Any]) -> None:
    client = make_hub().for_portal(webhook_portal)
    users = client.list_all("user.get", None, fast=True, filter_key="FILTER",
                            order_params={"sort": "ID", "order": "ASC"})
    ids = [int(u["ID"]) for u in users]
    assert ids == sorted(set(ids)) and len(ids) == client.call_page("user.get").total
    assert sandbox_off.stats()["http_requests"] <= math.ceil(len(ids) / 50) + 2


def test_fifty_command_batch_keeps_successes_beside_failures(sandbox_off: Any, webhook_portal: int,
                                                             make_hub: Callable[..., Any]) -> None:
    client = make_hub().for_portal(webhook_portal)
    commands = [Command(f"u{i}", "user.get", {"ID": i}) if i % 10 else Command(f"u{i}", "no.such.method")
                for i in range(1, 51)]
    results = client.batch(commands)
    assert sandbox_off.stats()["http_requests"] == 1
    failed = sorted(k for k, r in results.items() if not r.ok)
    assert failed == ["u10", "u20", "u30", "u40", "u50"]
    assert all(r.error is not None and r.error.code == "ERROR_METHOD_NOT_FOUND" for k, r in results.items() if k in failed)
    assert results["u1"].result[0]["ID"] == "1"


def test_refs_inside_and_across_batches_reach_the_portal(sandbox_off: Any, webhook_portal: int,
                                                         make_hub: Callable[..., Any]) -> None:
    client = make_hub().for_portal(webhook_portal)
    commands = [Command("me", "user.current")]
    commands += [Command(f"pad{i}", "user.get", {"ID": 1}) for i in range(49)]
    commands += [Command("same", "user.get", {"ID": Ref("me", "ID")}),
                 Command("again", "user.get", {"ID": Ref("same", 0, "ID")})]
    results = client.run_commands(commands)
    assert sandbox_off.stats()["http_requests"] == 2
    assert results["same"].result[0]["ID"] == results["me"].result["ID"]
    assert results["again"].result[0]["ID"] == results["me"].result["ID"]


def test_unknown_method_is_a_typed_error(sandbox_off: Any, webhook_portal: int,
                                         make_hub: Callable[..., Any]) -> None:
    with pytest.raises(NotFound):
        make_hub().for_portal(webhook_portal).call("no.such.method")


def _faults(sandbox: Any, **plan: Any) -> None:
    requests.post(sandbox.control("faults"), json=plan, timeout=5).raise_for_status()


def test_503_and_500_storms_are_retried_until_success(sandbox_off: Any, webhook_portal: int,
                                                      make_hub: Callable[..., Any]) -> None:
    _faults(sandbox_off, rate=0.5, kinds=["503", "500"], seed=3)
    client = make_hub(attempts=8, rate_limit_burst=10_000, rate_limit_per_second=10_000.0).for_portal(webhook_portal)
    for _ in range(20):
        assert client.call("user.current")["ID"] == "1"
    stats = sandbox_off.stats()
    assert stats["faults_injected"] > 0
    assert stats["http_requests"] == 20 + stats["faults_injected"]


def test_persistent_503_fails_typed_after_the_bounded_attempts(sandbox_off: Any, webhook_portal: int,
                                                               make_hub: Callable[..., Any]) -> None:
    _faults(sandbox_off, rate=1.0, kinds=["503"])
    client = make_hub(attempts=3, rate_limit_burst=10_000, rate_limit_per_second=10_000.0).for_portal(webhook_portal)
    with pytest.raises(RateLimited):
        client.call("user.current")
    assert sandbox_off.stats()["http_requests"] == 3


def test_timeouts_are_retried_then_fail_typed(sandbox_off: Any, webhook_portal: int,
                                              make_hub: Callable[..., Any]) -> None:
    _faults(sandbox_off, rate=1.0, kinds=["timeout"], timeout_seconds=1.5)
    client = make_hub(attempts=2, request_timeout_seconds=0.3).for_portal(webhook_portal)
    with pytest.raises(B24TransportError) as caught:
        client.call("user.current")
    assert "/rest/1/" not in str(caught.value) or "***" in str(caught.value)
    assert sandbox_off.stats()["http_requests"] == 2
    requests.delete(sandbox_off.control("faults"), timeout=5)
    assert client.call("user.current")["ID"] == "1"


def test_two_threads_share_one_client(sandbox_off: Any, webhook_portal: int,
                                      make_hub: Callable[..., Any]) -> None:
    hub = make_hub()
    errors: list[BaseException] = []
    seen: list[str] = []

    def work() -> None:
        try:
            client = hub.for_portal(webhook_portal)
            for _ in range(15):
                seen.append(client.call("user.current")["ID"])
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors and seen == ["1"] * 30
    assert hub.for_portal(webhook_portal) is hub.for_portal(webhook_portal)


@pytest.mark.slow
def test_standard_limits_120_sequential_calls_are_never_rejected(
        sandbox_standard: Any, point_portal: Callable[[str], int], make_hub: Callable[..., Any]) -> None:
    portal_id = point_portal(sandbox_standard.info()["admin_webhook_url"])
    client = make_hub(attempts=1).for_portal(portal_id)
    results: list[Any] = []
    threads = [threading.Thread(target=lambda: results.extend(client.call("user.current") for _ in range(60)))
               for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    stats = sandbox_standard.stats()
    assert len(results) == 120
    assert stats["http_requests"] == 120 and stats["rejections"] == {}
