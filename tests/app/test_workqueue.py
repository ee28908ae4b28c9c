"""Work queue: claim → call → record, healing by lookup, retries, parking, two workers."""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from b24app import workqueue
from b24app.bitrix.commands import Command, Ref
from b24app.bitrix.errors import B24ApiError, PortalUnavailable, RateLimited
from b24app.db import make_engine, make_session_factory
from b24app.ledger import CREATED, PARKED as LEDGER_PARKED, RETRYING, SlotRef, get_slot, record_outcome
from b24app.workqueue import WorkItem, WorkKind
from b24app.workqueue.store import claim_ready

from fake_bitrix import FakeHub, FakePortalClient


@dataclass
class ThingControl:
    """Switches the test kind's behaviour per idempotency key."""
    crash_in_record: set[str] = field(default_factory=set)
    lookups: list[str] = field(default_factory=list)


@pytest.fixture
def control() -> ThingControl:
    control = ThingControl()

    def build(item: WorkItem) -> list[Command]:
        return [Command("add", "test.thing.add", {"STAMP": item.key, "NAME": item.payload["name"]}),
                Command("note", "test.thing.note", {"ID": Ref("add"), "TEXT": "hello"})]

    def find(client: Any, item: WorkItem) -> dict[str, Any] | None:
        control.lookups.append(item.key)
        found = client.call("test.thing.list", {"STAMP": item.key})
        return {"add": found[0]["ID"], "note": True} if found else None

    def record(session: Any, item: WorkItem, results: dict[str, Any]) -> None:
        if item.key in control.crash_in_record:
            control.crash_in_record.discard(item.key)
            raise RuntimeError("crash after the Bitrix24 call, before the record")
        record_outcome(session, item.portal_id, SlotRef("test", item.key), CREATED,
                       item.updated_at, task_id=results["add"], work_item_id=item.id)

    def on_failure(session: Any, item: WorkItem, error: str, parked: bool) -> None:
        record_outcome(session, item.portal_id, SlotRef("test", item.key),
                       LEDGER_PARKED if parked else RETRYING, item.updated_at, reason=error)

    workqueue.register_kind(WorkKind("test.thing", build, find, record, on_failure=on_failure))
    return control


@pytest.fixture
def fake() -> FakePortalClient:
    return FakePortalClient()


@pytest.fixture
def services(make_services: Any, fake: FakePortalClient) -> Any:
    return make_services(bitrix=FakeHub(fake), max_attempts=3)


def _enqueue(services: Any, portal_id: int, count: int, **kwargs: Any) -> None:
    with services.session_factory.begin() as session:
        for n in range(count):
            workqueue.enqueue(session, portal_id, "test.thing", f"thing:{n}", {"name": f"n{n}"},
                              now=services.clock.now(), **kwargs)


def _item(services: Any, portal_id: int, key: str) -> WorkItem:
    with services.session_factory() as session:
        item = workqueue.find_item(session, portal_id, key)
        assert item is not None
        return item


def test_enqueue_is_idempotent_per_key(services: Any, portal_id: int) -> None:
    with services.session_factory.begin() as session:
        first = workqueue.enqueue(session, portal_id, "test.thing", "k1", {"name": "a"})
        second = workqueue.enqueue(session, portal_id, "test.thing", "k1", {"name": "b"})
        added = workqueue.enqueue_many(session, portal_id, "test.thing",
                                       [("k1", {}), ("k2", {}), ("k3", {})])
    assert first.id == second.id and second.payload == {"name": "a"}
    assert added == 2
    with services.session_factory() as session:
        assert len(session.scalars(select(WorkItem)).all()) == 3


def test_items_of_a_portal_share_full_batches(services: Any, portal_id: int, control: ThingControl,
                                              fake: FakePortalClient) -> None:
    _enqueue(services, portal_id, 60)          # 120 commands → 3 requests
    assert workqueue.run_once(services, services.clock.now()) == 60
    assert fake.requests_sent == 3
    assert sorted(fake.stamps()) == sorted(f"thing:{n}" for n in range(60))
    assert all(t["notes"] == ["hello"] for t in fake.things.values())
    item = _item(services, portal_id, "thing:7")
    assert item.status == workqueue.DONE and item.result == {"add": 8, "note": True}
    with services.session_factory() as session:
        slot = get_slot(session, portal_id, "test", "thing:7")
        assert slot is not None and slot.outcome == CREATED and slot.task_id == 8
    assert workqueue.run_once(services, services.clock.now()) == 0


def test_crash_between_call_and_record_heals_by_lookup(services: Any, portal_id: int,
                                                       control: ThingControl,
                                                       fake: FakePortalClient) -> None:
    _enqueue(services, portal_id, 2)
    control.crash_in_record.add("thing:0")
    now = services.clock.now()
    workqueue.run_once(services, now)
    crashed = _item(services, portal_id, "thing:0")
    assert crashed.status == workqueue.PENDING and crashed.next_attempt_at is not None
    assert crashed.next_attempt_at > now and "crash after" in crashed.last_error
    assert _item(services, portal_id, "thing:1").status == workqueue.DONE

    assert workqueue.run_once(services, now) == 0            # pushed forward: not retried at once
    workqueue.run_once(services, crashed.next_attempt_at)
    healed = _item(services, portal_id, "thing:0")
    assert healed.status == workqueue.DONE and healed.attempts == 2
    assert control.lookups == ["thing:0"]
    assert fake.stamps().count("thing:0") == 1                # no second copy


def test_worker_dying_after_the_call_is_healed_after_the_lease(services: Any, portal_id: int,
                                                               control: ThingControl,
                                                               fake: FakePortalClient) -> None:
    _enqueue(services, portal_id, 1)
    now = services.clock.now()
    claimed = claim_ready(services.session_factory, now, limit=10, worker_id="dead",
                          lease_seconds=60)
    fake.run_commands([Command("x", "test.thing.add", {"STAMP": claimed[0].key})])
    # the worker dies here: nothing recorded, the item stays "running" under its lease
    assert workqueue.run_once(services, now + timedelta(seconds=30)) == 0
    assert workqueue.run_once(services, now + timedelta(seconds=61), worker_id="live") == 1
    item = _item(services, portal_id, "thing:0")
    assert item.status == workqueue.DONE and item.claimed_by == "live"
    assert fake.stamps() == ["thing:0"]


def test_transient_errors_retry_with_growing_backoff(services: Any, portal_id: int,
                                                     control: ThingControl,
                                                     fake: FakePortalClient) -> None:
    _enqueue(services, portal_id, 1)
    fake.command_errors["test.thing.add"] = [RateLimited("QUERY_LIMIT_EXCEEDED", "", 503)] * 2
    now = services.clock.now()
    workqueue.run_once(services, now)
    first = _item(services, portal_id, "thing:0")
    assert first.status == workqueue.PENDING and first.next_attempt_at == now + timedelta(seconds=30)
    with services.session_factory() as session:
        slot = get_slot(session, portal_id, "test", "thing:0")
        assert slot is not None and slot.outcome == RETRYING
    assert workqueue.run_once(services, now + timedelta(seconds=29)) == 0
    workqueue.run_once(services, first.next_attempt_at)
    second = _item(services, portal_id, "thing:0")
    assert second.next_attempt_at == first.next_attempt_at + timedelta(seconds=60)
    workqueue.run_once(services, second.next_attempt_at)
    assert _item(services, portal_id, "thing:0").status == workqueue.DONE
    assert fake.stamps() == ["thing:0"]


def test_item_is_parked_after_max_attempts_and_can_be_retried(services: Any, portal_id: int,
                                                              control: ThingControl,
                                                              fake: FakePortalClient) -> None:
    _enqueue(services, portal_id, 1)
    fake.command_errors["test.thing.add"] = [RateLimited("QUERY_LIMIT_EXCEEDED", "", 503)] * 3
    now = services.clock.now()
    for _ in range(3):
        workqueue.run_once(services, now)
        now += timedelta(hours=1)
    parked = _item(services, portal_id, "thing:0")
    assert parked.status == workqueue.PARKED and "QUERY_LIMIT_EXCEEDED" in parked.last_error
    assert workqueue.run_once(services, now) == 0
    with services.session_factory.begin() as session:
        assert [i.key for i in workqueue.parked_items(session, portal_id)] == ["thing:0"]
        assert workqueue.retry_parked(session, portal_id, parked.id, now=now)
        assert not workqueue.retry_parked(session, portal_id, parked.id, now=now)
    assert workqueue.run_once(services, now) == 1
    assert _item(services, portal_id, "thing:0").status == workqueue.DONE
    assert control.lookups == ["thing:0"] * 3          # attempts 2 and 3, then after the retry
    assert fake.stamps() == ["thing:0"]


def test_permanent_error_parks_at_once(services: Any, portal_id: int, control: ThingControl,
                                       fake: FakePortalClient) -> None:
    _enqueue(services, portal_id, 1)
    fake.command_errors["test.thing.add"] = [B24ApiError("ERROR_CORE", "bad field", 400)]
    workqueue.run_once(services, services.clock.now())
    item = _item(services, portal_id, "thing:0")
    assert item.status == workqueue.PARKED and item.attempts == 1
    assert "ERROR_CORE" in item.last_error


def test_unavailable_portal_does_not_burn_attempts(services: Any, portal_id: int,
                                                   control: ThingControl,
                                                   fake: FakePortalClient) -> None:
    _enqueue(services, portal_id, 1)
    fake.call_errors.append(PortalUnavailable("tokens rejected"))
    now = services.clock.now()
    workqueue.run_once(services, now)
    item = _item(services, portal_id, "thing:0")
    assert item.status == workqueue.PENDING and item.attempts == 0
    assert item.next_attempt_at is not None and item.next_attempt_at > now


def test_unknown_kind_is_pushed_forward_not_looped(services: Any, portal_id: int) -> None:
    with services.session_factory.begin() as session:
        workqueue.enqueue(session, portal_id, "no.such.kind", "k", {})
    now = services.clock.now()
    assert workqueue.run_once(services, now) == 1
    assert workqueue.run_once(services, now) == 0
    item = _item(services, portal_id, "k")
    assert item.status == workqueue.PENDING and "no work kind" in item.last_error


def test_not_before_holds_an_item_back(services: Any, portal_id: int, control: ThingControl,
                                       fake: FakePortalClient) -> None:
    now = services.clock.now()
    _enqueue(services, portal_id, 1, not_before=now + timedelta(days=2))
    assert workqueue.run_once(services, now) == 0
    assert workqueue.run_once(services, now + timedelta(days=2)) == 1
    assert fake.stamps() == ["thing:0"]


def test_cancelled_items_are_never_sent(services: Any, portal_id: int, control: ThingControl,
                                        fake: FakePortalClient) -> None:
    _enqueue(services, portal_id, 2)
    with services.session_factory.begin() as session:
        assert workqueue.cancel(session, portal_id, "thing:1", services.clock.now())
        assert workqueue.status_counts(session, portal_id, key_prefix="thing:") == {
            "pending": 1, "cancelled": 1}
    workqueue.run_once(services, services.clock.now())
    assert fake.stamps() == ["thing:0"]


@pytest.mark.postgres
@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="needs TEST_DATABASE_URL")
def test_two_workers_on_postgresql_claim_disjoint_items(services: Any, portal_id: int,
                                                        database_url: str, control: ThingControl,
                                                        fake: FakePortalClient,
                                                        make_services: Any) -> None:
    _enqueue(services, portal_id, 300)
    engines = [make_engine(database_url) for _ in range(2)]
    workers = [make_services(bitrix=FakeHub(fake), max_attempts=3) for _ in range(2)]
    for worker, engine in zip(workers, engines):
        worker.engine, worker.session_factory = engine, make_session_factory(engine)
    start = threading.Barrier(2)
    claimed: dict[str, int] = {}

    def work(name: str, worker: Any) -> None:
        start.wait()
        total = 0
        while True:
            done = workqueue.run_once(worker, worker.clock.now(), limit=20, worker_id=name)
            if not done:
                break
            total += done
        claimed[name] = total

    threads = [threading.Thread(target=work, args=(f"w{i}", w)) for i, w in enumerate(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for engine in engines:
        engine.dispose()
    assert sum(claimed.values()) == 300 and all(claimed.values())
    stamps = fake.stamps()
    assert len(stamps) == 300 and len(set(stamps)) == 300
    with services.session_factory() as session:
        statuses = session.scalars(select(WorkItem.status)).all()
    assert set(statuses) == {"done"}
