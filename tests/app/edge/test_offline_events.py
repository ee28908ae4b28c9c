"""Offline events: event.offline.get (clear=0) → inbox → event.offline.clear, on the sandbox."""
from __future__ import annotations

from typing import Any, Callable

import pytest
from sqlalchemy import select

from b24app.install_models import PortalSetup
from b24app.models import InboundEvent, Portal
from b24app.offline_events import pull_offline_events
from b24app.portal_setup import run_portal_setup

from .conftest import LiveApp


@pytest.fixture
def offline_app(make_live_app: Callable[..., LiveApp]) -> tuple[LiveApp, int]:
    live_app = make_live_app(events_mode="offline")
    live_app.install()
    run_portal_setup(live_app.services, live_app.clock.now())
    with live_app.services.session_factory() as session:
        portal_id = session.scalars(select(Portal.id)).one()
    return live_app, portal_id


def add_task(live_app: LiveApp, title: str) -> str:
    answer = live_app.sandbox.rest("tasks.task.add", {"fields": {"TITLE": title, "RESPONSIBLE_ID": 1}})
    return str(answer["result"]["task"]["id"])


def inbox(live_app: LiveApp) -> list[tuple[str, str]]:
    with live_app.services.session_factory() as session:
        return [(e.event, e.object_id) for e in session.scalars(select(InboundEvent).order_by(InboundEvent.id))]


def test_queued_events_reach_the_inbox_and_are_cleared(offline_app: tuple[LiveApp, int]) -> None:
    live_app, portal_id = offline_app
    task_id = add_task(live_app, "Офлайн")
    assert pull_offline_events(live_app.services, live_app.clock.now()) == 1
    assert inbox(live_app) == [("ONTASKADD", task_id)]
    left = live_app.services.bitrix.for_portal(portal_id).call("event.offline.list")
    assert left == [] or left == {}
    assert pull_offline_events(live_app.services, live_app.clock.now()) == 0
    assert len(inbox(live_app)) == 1


def test_records_reserved_before_a_crash_come_back_and_are_stored_once(
        offline_app: tuple[LiveApp, int]) -> None:
    live_app, portal_id = offline_app
    task_id = add_task(live_app, "До сбоя")
    # A run reserved the records and saved its process id, then died before clearing them.
    client = live_app.services.bitrix.for_portal(portal_id)
    reserved: Any = client.call("event.offline.get", {"clear": 0})
    assert len(reserved["events"]) == 1
    with live_app.services.session_factory.begin() as session:
        setup = session.get(PortalSetup, portal_id)
        assert setup is not None
        setup.offline_process_id = str(reserved["process_id"])
    assert pull_offline_events(live_app.services, live_app.clock.now()) == 1
    assert pull_offline_events(live_app.services, live_app.clock.now()) == 0
    assert inbox(live_app) == [("ONTASKADD", task_id)]


def test_online_mode_does_not_poll(live_app: LiveApp) -> None:
    live_app.install()
    assert pull_offline_events(live_app.services, live_app.clock.now()) == 0
