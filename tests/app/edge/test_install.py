"""Install, binding, update and uninstall against the sandbox portal over real HTTP."""
from __future__ import annotations

import time

import requests
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from b24app.bindings import APP_EVENTS, bind_portal
from b24app.install_models import PortalSetup
from b24app.models import Portal
from b24app.org.models import OrgSettings
from b24app.portal_setup import run_portal_setup

from .conftest import LiveApp


def the_portal(factory: sessionmaker[Session]) -> Portal:
    with factory() as session:
        portal = session.scalars(select(Portal)).one()
        session.expunge(portal)
        return portal


def bound(live_app: LiveApp, portal_id: int) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    client = live_app.services.bitrix.for_portal(portal_id)
    events = {(row["event"], row["handler"]) for row in client.call("event.get")}
    placements = {(row["placement"], row["handler"]) for row in client.call("placement.get")}
    return events, placements


def wait_for(condition: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def test_the_install_post_stores_the_portal_and_requests_binding_and_an_org_sync(live_app: LiveApp) -> None:
    delivery = live_app.install()
    assert delivery["delivery"]["status"] == 200
    portal = the_portal(live_app.services.session_factory)
    info = live_app.sandbox.info()
    assert (portal.member_id, portal.status, portal.auth_kind) == (info["member_id"], "active", "oauth")
    assert portal.application_token == live_app.application_token
    assert portal.access_token and portal.refresh_token and portal.expires_at is not None
    assert portal.client_endpoint == f"{live_app.sandbox.base_url}/rest/"
    with live_app.services.session_factory() as session:
        setup = session.get(PortalSetup, portal.id)
        assert setup is not None and setup.needs_binding
        org = session.get(OrgSettings, portal.id)
        assert org is not None and org.sync_requested_at == live_app.clock.now()


def test_setup_binds_every_event_and_placement_once(live_app: LiveApp) -> None:
    live_app.install()
    portal = the_portal(live_app.services.session_factory)
    assert run_portal_setup(live_app.services, live_app.clock.now()) == 1
    events, placements = bound(live_app, portal.id)
    assert events == {(event, f"{live_app.url}/events") for event in APP_EVENTS}
    assert ("TASK_VIEW_TAB", f"{live_app.url}/app/staff/task-tab") in placements
    assert {p for p, _ in placements} == {"LEFT_MENU", "TASK_VIEW_TAB"} and len(placements) == 6
    # Idempotent: a second pass binds nothing, and a done portal is not due again soon.
    again = bind_portal(live_app.services.bitrix.for_portal(portal.id), live_app.services.settings)
    assert (again.bound, again.unbound) == (0, 0)
    assert run_portal_setup(live_app.services, live_app.clock.now()) == 0


def test_stale_handlers_are_unbound(live_app: LiveApp) -> None:
    live_app.install()
    portal = the_portal(live_app.services.session_factory)
    client = live_app.services.bitrix.for_portal(portal.id)
    client.call("event.bind", {"event": "ONTASKADD", "handler": f"{live_app.url}/old-events"})
    report = bind_portal(client, live_app.services.settings)
    assert report.unbound == 1
    events, _ = bound(live_app, portal.id)
    assert ("ONTASKADD", f"{live_app.url}/old-events") not in events


def test_an_app_update_rebinds(live_app: LiveApp) -> None:
    live_app.install()
    portal = the_portal(live_app.services.session_factory)
    run_portal_setup(live_app.services, live_app.clock.now())
    requests_answer = requests.post(
        live_app.sandbox.control(f"apps/{live_app.client_id}/update"), json={}, timeout=30)
    assert requests_answer.ok
    assert bound(live_app, portal.id) == (set(), set())   # Bitrix24 dropped the handlers
    assert run_portal_setup(live_app.services, live_app.clock.now()) == 1
    events, placements = bound(live_app, portal.id)
    assert len(events) == len(APP_EVENTS) and len(placements) == 6
    assert the_portal(live_app.services.session_factory).app_version == 2


def test_uninstall_from_the_portal_deactivates_it(live_app: LiveApp) -> None:
    live_app.install()
    run_portal_setup(live_app.services, live_app.clock.now())
    answer = requests.post(
        live_app.sandbox.control(f"apps/{live_app.client_id}/uninstall"), json={}, timeout=30).json()
    assert [d["status"] for d in answer["deliveries"]] == [200]
    portal = the_portal(live_app.services.session_factory)
    assert portal.status == "uninstalled" and portal.access_token == ""
    assert run_portal_setup(live_app.services, live_app.clock.now()) == 0


def test_a_ui_install_stores_the_portal_and_renders_install_finish(live_app: LiveApp) -> None:
    # The sandbox's install POST is the API-only shape; the UI shape is the admin's first
    # page opening. Open the main page as the admin and send its fields to /install.
    live_app.install()
    with live_app.services.session_factory.begin() as session:
        session.execute(Portal.__table__.delete())
    _, query, fields = live_app.placement_post(user_id=1, placement="DEFAULT")
    answer = live_app.http().post(f"/install?{query}", data=fields)
    assert answer.status_code == 200
    assert "BX24.installFinish()" in answer.get_data(as_text=True)
    portal = the_portal(live_app.services.session_factory)
    assert portal.client_endpoint == f"{live_app.sandbox.base_url}/rest/"
    assert portal.application_token == live_app.application_token


def test_a_forged_reinstall_of_a_known_portal_is_refused(live_app: LiveApp) -> None:
    live_app.install()
    before = the_portal(live_app.services.session_factory)
    forged = {"event": "ONAPPINSTALL", "data[VERSION]": "1", "auth[access_token]": "not-a-real-token",
              "auth[refresh_token]": "x", "auth[member_id]": before.member_id,
              "auth[domain]": "evil.example", "auth[client_endpoint]": "https://evil.example/rest/",
              "auth[application_token]": "f" * 32}
    answer = live_app.http().post("/install", data=forged)
    assert answer.status_code == 401
    after = the_portal(live_app.services.session_factory)
    assert (after.application_token, after.client_endpoint, after.access_token) == (
        before.application_token, before.client_endpoint, before.access_token)


def test_offline_mode_binds_offline_events(make_live_app: Any) -> None:
    live_app = make_live_app(events_mode="offline")
    live_app.install()
    portal = the_portal(live_app.services.session_factory)
    run_portal_setup(live_app.services, live_app.clock.now())
    rows = live_app.services.bitrix.for_portal(portal.id).call("event.get")
    assert {row["event"] for row in rows} == set(APP_EVENTS)
    assert all(str(row.get("offline")) in ("1", "True", "true") for row in rows)
