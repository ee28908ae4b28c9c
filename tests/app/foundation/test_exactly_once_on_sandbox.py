"""Exactly once against the sandbox over HTTP: a crash after the call, 503 storms, two workers."""
from __future__ import annotations

import os
import threading
from datetime import timedelta
from typing import Any, Callable

import pytest
import requests
from sqlalchemy import select

from b24app import workqueue
from b24app.bitrix.hub import BitrixHub
from b24app.db import make_engine, make_session_factory
from b24app.workqueue import WorkItem
from tests.support.live import LiveApp

from .conftest import TASK_KIND, StampedTasks, tasks_tagged


def enqueue(live: LiveApp, control: StampedTasks, count: int) -> list[str]:
    keys = [control.key(n) for n in range(count)]
    with live.services.session_factory.begin() as session:
        for key in keys:
            workqueue.enqueue(session, live.portal_id(), TASK_KIND, key, {}, now=live.services.clock.now())
    return keys


def statuses(live: LiveApp) -> dict[str, str]:
    with live.services.session_factory() as session:
        return {row.key: row.status for row in session.scalars(
            select(WorkItem).where(WorkItem.kind == TASK_KIND))}


def drain(live: LiveApp, rounds: int = 60, limit: int = 500) -> None:
    """Run the queue, moving the clock past each backoff, until no item is left to send."""
    clock = live.services.clock
    for _ in range(rounds):
        while workqueue.run_once(live.services, clock.now(), limit=limit):
            pass
        if all(status in ("done", "parked") for status in statuses(live).values()):
            return
        clock.set(clock.now() + timedelta(hours=1))
    raise AssertionError(f"the queue did not drain: {statuses(live)}")


def test_a_crash_between_the_call_and_its_record_is_healed_by_lookup(
        installed: LiveApp, stamped_tasks: StampedTasks) -> None:
    keys = enqueue(installed, stamped_tasks, 3)
    stamped_tasks.crash_in_record.add(keys[1])
    workqueue.run_once(installed.services, installed.services.clock.now())
    assert statuses(installed)[keys[1]] == "pending"               # the record never happened
    assert len(tasks_tagged(installed.sandbox, keys[1])) == 1       # but the task exists
    drain(installed)
    assert set(statuses(installed).values()) == {"done"}
    assert keys[1] in stamped_tasks.lookups
    for key in keys:
        assert len(tasks_tagged(installed.sandbox, key)) == 1, key


@pytest.mark.parametrize(("kinds", "count"), [(["503", "500"], 30), (["timeout"], 8)],
                         ids=["503-storm", "timeouts"])
def test_storms_and_timeouts_neither_duplicate_nor_lose(
        make_live: Callable[..., LiveApp], stamped_tasks: StampedTasks, kinds: list[str], count: int) -> None:
    # Injected timeouts hold the answer 2.5 s against the client's 1.5 s; ordinary answers
    # keep ample headroom even on a loaded CI machine.
    live = make_live(request_timeout_seconds=1.5, max_attempts=30, rate_limit_burst=10_000,
                     rate_limit_per_second=10_000.0)
    live.install()
    live.settle()
    keys = enqueue(live, stamped_tasks, count)
    # Only the sends are hit, so every batch is drawn for whatever else runs in between.
    requests.post(live.sandbox.control("faults"), json={
        "rate": 0.5, "kinds": kinds, "methods": ["batch"], "seed": 11, "timeout_seconds": 2.5},
        timeout=5).raise_for_status()
    drain(live, limit=2)
    injected = requests.get(live.sandbox.control("faults"), timeout=5).json()["injected"]
    requests.delete(live.sandbox.control("faults"), timeout=5)
    assert injected > 0
    assert set(statuses(live).values()) == {"done"}
    for key in keys:
        assert len(tasks_tagged(live.sandbox, key)) == 1, key


@pytest.mark.postgres
@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="needs TEST_DATABASE_URL")
def test_two_workers_on_postgresql_create_each_task_once(
        installed: LiveApp, stamped_tasks: StampedTasks, database_url: str,
        make_services: Callable[..., Any]) -> None:
    keys = enqueue(installed, stamped_tasks, 120)
    workers = []
    for _ in range(2):
        engine = make_engine(database_url)
        worker = make_services(client_id=installed.services.settings.client_id,
                               client_secret=installed.services.settings.client_secret,
                               app_base_url=installed.url,
                               oauth_url=installed.services.settings.oauth_url)
        worker.engine, worker.session_factory = engine, make_session_factory(engine)
        worker.bitrix.close()
        worker.bitrix = BitrixHub(worker.settings, worker.session_factory, worker.clock)
        workers.append(worker)
    start = threading.Barrier(2)
    sent: dict[str, int] = {}
    errors: list[BaseException] = []

    def work(name: str, worker: Any) -> None:
        # Rounds start together (a barrier per round), so both workers really claim at the
        # same moment instead of one draining the queue before the other has started.
        try:
            total, lockstep = 0, True
            while True:
                if lockstep:
                    try:
                        start.wait(timeout=30)
                    except threading.BrokenBarrierError:
                        lockstep = False      # the other worker found nothing left
                done = workqueue.run_once(worker, worker.clock.now(), limit=10, worker_id=name)
                if not done:
                    start.abort()
                    break
                total += done
            sent[name] = total
        except BaseException as exc:   # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(f"w{i}", w)) for i, w in enumerate(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for worker in workers:
        worker.bitrix.close()
        worker.engine.dispose()
    assert not errors
    # Every item sent exactly once between them. (Which worker wins each round is up to the
    # database; on a loaded CI machine one worker has been seen to win them all.)
    assert sum(sent.values()) == 120, sent
    assert set(statuses(installed).values()) == {"done"}
    for key in keys:
        assert len(tasks_tagged(installed.sandbox, key)) == 1, key
