"""POST /events over real HTTP: the sandbox's own deliveries, forged and replayed copies of them."""
from __future__ import annotations

import time
from typing import Any, Callable

import requests
from flask import Flask, request
from sqlalchemy import select

from b24app.inbox import EventHandlers, process_pending
from b24app.models import InboundEvent
from b24app.offline_events import pull_offline_events
from b24app.workqueue import enqueue, run_once
from tests.support.live import LiveApp

from .conftest import TASK_KIND, StampedTasks


def capture_deliveries(app: Flask) -> None:
    """Keep the raw form of every POST /events the app receives (to replay it byte for byte)."""
    captured: list[list[tuple[str, str]]] = []
    app.extensions["captured_events"] = captured

    @app.before_request
    def keep() -> None:
        if request.path == "/events":
            captured.append(list(request.form.items(multi=True)))


def inbox(live: LiveApp) -> list[tuple[str, str, str]]:
    with live.services.session_factory() as session:
        return [(e.event, e.object_id, e.status) for e in
                session.scalars(select(InboundEvent).order_by(InboundEvent.id))]


def wait_for(condition: Callable[[], Any], timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := condition()):
        assert time.monotonic() < deadline, "the sandbox did not deliver in time"
        time.sleep(0.05)
    return found


def add_task_by_hand(live: LiveApp, title: str) -> str:
    answer = live.sandbox.rest("tasks.task.add", {"fields": {"TITLE": title, "RESPONSIBLE_ID": 1}})
    return str(answer["result"]["task"]["id"])


def one_real_delivery(make_live: Callable[..., LiveApp]) -> tuple[LiveApp, list[tuple[str, str]], str]:
    live = make_live(configure=capture_deliveries)
    live.install()
    live.settle()
    task_id = add_task_by_hand(live, "Событие")
    captured = live.app.extensions["captured_events"]
    form = wait_for(lambda: next((f for f in captured if ("data[FIELDS_AFTER][ID]", task_id) in f), None))
    wait_for(lambda: any(row[1] == task_id for row in inbox(live)))     # captured before it is stored
    return live, form, task_id


def replace_field(form: list[tuple[str, str]], name: str, value: str) -> list[tuple[str, str]]:
    return [(k, value if k == name else v) for k, v in form]


def test_forged_token_and_unknown_portal_are_refused_and_nothing_is_stored(
        make_live: Callable[..., LiveApp]) -> None:
    live, form, task_id = one_real_delivery(make_live)
    before = inbox(live)
    forged = requests.post(f"{live.url}/events",
                           data=replace_field(form, "auth[application_token]", "f" * 32), timeout=5)
    unknown = requests.post(f"{live.url}/events",
                            data=replace_field(form, "auth[member_id]", "someone-else"), timeout=5)
    missing = requests.post(f"{live.url}/events",
                            data=[(k, v) for k, v in form if k != "auth[application_token]"], timeout=5)
    for answer in (forged, unknown, missing):
        assert answer.status_code == 401
        assert answer.json()["error"] == "UNAUTHORIZED"
    assert inbox(live) == before and before.count(("ONTASKADD", task_id, "pending")) == 1


def test_a_replayed_delivery_is_acknowledged_and_stored_once(make_live: Callable[..., LiveApp]) -> None:
    live, form, task_id = one_real_delivery(make_live)
    replays = [requests.post(f"{live.url}/events", data=form, timeout=5) for _ in range(3)]
    assert [(r.status_code, r.json()["stored"]) for r in replays] == [(200, False)] * 3
    assert [row for row in inbox(live) if row[1] == task_id] == [("ONTASKADD", task_id, "pending")]


def test_malformed_deliveries_get_a_clear_400_and_change_nothing(make_live: Callable[..., LiveApp]) -> None:
    live, form, _ = one_real_delivery(make_live)
    before = inbox(live)
    no_event = [(k, v) for k, v in form if k != "event"]
    for body in ({}, {"hello": "world"}, no_event):
        answer = requests.post(f"{live.url}/events", data=body, timeout=5)
        assert answer.status_code == 400 and answer.json()["error"] == "INVALID_REQUEST", body
    as_json = requests.post(f"{live.url}/events", json=dict(form), timeout=5)
    assert as_json.status_code == 400
    assert requests.get(f"{live.url}/events", timeout=5).status_code == 405
    assert inbox(live) == before


def test_the_app_ignores_the_echo_of_its_own_write_but_not_a_hand_edit(
        make_live: Callable[..., LiveApp], stamped_tasks: StampedTasks) -> None:
    live = make_live(configure=capture_deliveries)
    live.install()
    live.settle()
    portal_id = live.portal_id()
    seen: list[str] = []
    handlers = EventHandlers()
    handlers.register("ONTASKADD", lambda services, pid, event: seen.append(event.object_id))
    with live.services.session_factory.begin() as session:
        enqueue(session, portal_id, TASK_KIND, stamped_tasks.key(0), {}, now=live.services.clock.now())
    assert run_once(live.services, live.services.clock.now()) == 1
    with live.services.session_factory() as session:
        from b24app.workqueue import find_item
        item = find_item(session, portal_id, stamped_tasks.key(0))
        assert item is not None and item.result is not None
        own_id = str(item.result["add"]["task"]["id"])
    hand_id = add_task_by_hand(live, "Вручную")
    wait_for(lambda: {own_id, hand_id} <= {row[1] for row in inbox(live)})
    assert process_pending(live.services, live.services.clock.now(), handlers=handlers) == 2
    assert seen == [hand_id]
    statuses = {object_id: status for _, object_id, status in inbox(live)}
    assert (statuses[own_id], statuses[hand_id]) == ("ignored", "done")


def test_offline_mode_pulls_the_same_events_without_a_handler_url(make_live: Callable[..., LiveApp]) -> None:
    live = make_live(configure=capture_deliveries, events_mode="offline")
    live.install()
    live.settle()
    task_id = add_task_by_hand(live, "Офлайн")
    assert pull_offline_events(live.services, live.services.clock.now()) == 1
    assert ("ONTASKADD", task_id, "pending") in inbox(live)
    assert pull_offline_events(live.services, live.services.clock.now()) == 0
    assert live.app.extensions["captured_events"] == []        # nothing was POSTed to /events
    assert live.run_job("events_inbox") >= 1
    assert ("ONTASKADD", task_id, "ignored") in inbox(live) or ("ONTASKADD", task_id, "done") in inbox(live)
