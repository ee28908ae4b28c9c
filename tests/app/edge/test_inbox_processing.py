"""The worker side of the inbox: dispatch to routine handlers, own-write echoes, retries."""
from __future__ import annotations

from datetime import timedelta
from typing import Any, Callable

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from b24app.bitrix.errors import AccessDenied, RateLimited
from b24app.clock import FixedClock
from b24app.inbox import EventHandlers, dedupe_key, process_pending, store_event
from b24app.models import InboundEvent, Portal
from b24app.own_writes import OWN_WRITE_WINDOW, note_own_write
from b24app.wiring import Services


def add_event(factory: sessionmaker[Session], portal_id: int, now: Any, task_id: str = "31",
              event: str = "ONTASKUPDATE") -> int:
    data = {"FIELDS_BEFORE": {"ID": task_id}, "FIELDS_AFTER": {"ID": task_id}}
    with factory.begin() as session:
        store_event(session, portal_id, event, data, dedupe_key(event, 1, now.isoformat(), data), 1, now)
        return int(session.scalar(select(InboundEvent.id).order_by(InboundEvent.id.desc())) or 0)


def row(factory: sessionmaker[Session], event_id: int) -> InboundEvent:
    with factory() as session:
        found = session.get(InboundEvent, event_id)
        assert found is not None
        return found


@pytest.fixture
def services(make_services: Callable[..., Services]) -> Services:
    return make_services(bitrix=object(), max_attempts=3)


def test_each_pending_event_goes_to_its_handlers_once(services: Services, portal_id: int,
                                                      clock: FixedClock) -> None:
    seen: list[tuple[int, str]] = []
    registry = EventHandlers()
    registry.register("ONTASKUPDATE", lambda s, pid, ev: seen.append((pid, ev.object_id)))
    event_id = add_event(services.session_factory, portal_id, clock.now())
    assert process_pending(services, clock.now(), handlers=registry) == 1
    assert process_pending(services, clock.now(), handlers=registry) == 0
    assert seen == [(portal_id, "31")]
    done = row(services.session_factory, event_id)
    assert (done.status, done.attempts, done.processed_at) == ("done", 1, clock.now())


def test_events_nobody_handles_are_ignored(services: Services, portal_id: int, clock: FixedClock) -> None:
    event_id = add_event(services.session_factory, portal_id, clock.now(), event="ONUSERADD")
    process_pending(services, clock.now(), handlers=EventHandlers())
    assert row(services.session_factory, event_id).status == "ignored"


def test_the_echo_of_the_apps_own_write_is_skipped(services: Services, portal_id: int,
                                                   clock: FixedClock) -> None:
    plain: list[str] = []
    wants_all: list[str] = []
    registry = EventHandlers()
    registry.register("ONTASKUPDATE", lambda s, pid, ev: plain.append(ev.object_id))
    with services.session_factory.begin() as session:
        note_own_write(session, portal_id, "task", 31, clock.now())
    echo = add_event(services.session_factory, portal_id, clock.now() + timedelta(seconds=5))
    process_pending(services, clock.now(), handlers=registry)
    assert plain == [] and row(services.session_factory, echo).status == "ignored"

    registry.register("ONTASKUPDATE", lambda s, pid, ev: wants_all.append(ev.object_id),
                      include_own_writes=True)
    second_echo = add_event(services.session_factory, portal_id, clock.now() + timedelta(seconds=6))
    process_pending(services, clock.now(), handlers=registry)
    assert (plain, wants_all) == ([], ["31"])
    assert row(services.session_factory, second_echo).status == "done"

    # After the window, a change to the same task is someone else's: every handler runs.
    add_event(services.session_factory, portal_id, clock.now() + OWN_WRITE_WINDOW + timedelta(seconds=1))
    process_pending(services, clock.now(), handlers=registry)
    assert plain == ["31"]


def test_transient_failures_retry_then_fail_after_max_attempts(services: Services, portal_id: int,
                                                               clock: FixedClock) -> None:
    calls: list[int] = []

    def flaky(s: Services, pid: int, ev: InboundEvent) -> None:
        calls.append(ev.id)
        raise RateLimited("QUERY_LIMIT_EXCEEDED", "Too many requests", 503)

    registry = EventHandlers()
    registry.register("ONTASKUPDATE", flaky)
    event_id = add_event(services.session_factory, portal_id, clock.now())
    process_pending(services, clock.now(), handlers=registry)
    retrying = row(services.session_factory, event_id)
    assert (retrying.status, retrying.attempts) == ("pending", 1)
    assert "RateLimited" in retrying.error
    for _ in range(5):
        process_pending(services, clock.now(), handlers=registry)
    failed = row(services.session_factory, event_id)
    assert (failed.status, failed.attempts, len(calls)) == ("failed", 3, 3)


def test_a_permanent_error_fails_at_once(services: Services, portal_id: int, clock: FixedClock) -> None:
    def denied(s: Services, pid: int, ev: InboundEvent) -> None:
        raise AccessDenied("ACCESS_DENIED", "Access denied", 403)

    registry = EventHandlers()
    registry.register("ONTASKUPDATE", denied)
    event_id = add_event(services.session_factory, portal_id, clock.now())
    process_pending(services, clock.now(), handlers=registry)
    assert row(services.session_factory, event_id).status == "failed"


def test_events_of_inactive_portals_wait(services: Services, portal_id: int, clock: FixedClock) -> None:
    seen: list[int] = []
    registry = EventHandlers()
    registry.register("ONTASKUPDATE", lambda s, pid, ev: seen.append(pid))
    event_id = add_event(services.session_factory, portal_id, clock.now())
    with services.session_factory.begin() as session:
        portal = session.get(Portal, portal_id)
        assert portal is not None
        portal.status = "needs_admin"
    assert process_pending(services, clock.now(), handlers=registry) == 0
    assert seen == [] and row(services.session_factory, event_id).status == "pending"


def test_registering_the_same_handler_twice_keeps_one() -> None:
    def handler(s: Services, pid: int, ev: InboundEvent) -> None:
        return None

    registry = EventHandlers()
    registry.register("ontaskadd", handler)
    registry.register("ONTASKADD", handler)
    assert len(registry.for_event("ONTASKADD")) == 1
