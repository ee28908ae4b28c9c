"""Install, update and uninstall as the sandbox portal performs them, over real HTTP."""
from __future__ import annotations

from typing import Any, Callable

import requests
from sqlalchemy import func, select

from b24app.bindings import APP_EVENTS, APP_PLACEMENTS
from b24app.models import InboundEvent, Portal
from b24app.org.models import OrgDepartment
from b24app.workqueue import enqueue
from b24app.workqueue.models import WorkItem
from jobs.registry import get_jobs
from tests.support.live import LiveApp


def the_portal(live: LiveApp) -> Portal:
    with live.services.session_factory() as session:
        portal = session.scalars(select(Portal)).one()
        session.expunge(portal)
        return portal


def bound(live: LiveApp) -> tuple[set[tuple[str, str]], set[str]]:
    client = live.services.bitrix.for_portal(the_portal(live).id)
    events = {(row["event"], row["handler"]) for row in client.call("event.get")}
    placements = {row["placement"] for row in client.call("placement.get")}
    return events, placements


def test_install_stores_the_portal_binds_everything_and_syncs_the_org(make_live: Callable[..., LiveApp]) -> None:
    live = make_live()
    delivery = live.install()
    assert delivery["delivery"]["status"] == 200
    portal = the_portal(live)
    info = live.sandbox.info()
    assert (portal.member_id, portal.status, portal.auth_kind) == (info["member_id"], "active", "oauth")
    assert portal.application_token == live.application_token and portal.refresh_token
    live.settle()
    events, placements = bound(live)
    assert events == {(event, f"{live.url}/events") for event in APP_EVENTS}
    assert placements == {placement for placement, _, _ in APP_PLACEMENTS}
    with live.services.session_factory() as session:
        stores = session.scalar(select(func.count()).select_from(OrgDepartment).where(
            OrgDepartment.portal_id == portal.id, OrgDepartment.is_store.is_(True)))
    assert stores == 3


def test_every_app_update_binds_again(make_live: Callable[..., LiveApp]) -> None:
    live = make_live()
    live.install()
    live.settle()
    expected = bound(live)
    for version in (2, 3):
        answer = requests.post(live.sandbox.control(f"apps/{live.client_id}/update"), json={}, timeout=30)
        assert answer.ok
        assert bound(live) == (set(), set())           # Bitrix24 drops an updated app's handlers
        live.settle()
        assert bound(live) == expected
        assert the_portal(live).app_version == version


def test_uninstall_deactivates_the_portal_and_its_jobs(make_live: Callable[..., LiveApp]) -> None:
    live = make_live()
    live.install()
    live.settle()
    portal_id = the_portal(live).id
    with live.services.session_factory.begin() as session:
        enqueue(session, portal_id, "foundation.never-sent", "k1", {}, now=live.services.clock.now())
    answer = requests.post(live.sandbox.control(f"apps/{live.client_id}/uninstall"), json={}, timeout=30)
    assert [d["status"] for d in answer.json()["deliveries"]] == [200]
    portal = the_portal(live)
    assert (portal.status, portal.access_token, portal.refresh_token) == ("uninstalled", "", "")
    with live.services.session_factory() as session:
        assert session.scalar(select(WorkItem.status).where(WorkItem.key == "k1")) == "cancelled"
    live.sandbox.reset_stats()
    now = live.services.clock.now()
    counts: dict[str, Any] = {name: live.run_job(name, now) for name in sorted(get_jobs())}
    assert live.sandbox.stats()["http_requests"] == 0, counts     # no job called the portal
    assert all(count == 0 for count in counts.values()), counts
    with live.services.session_factory() as session:
        pending = session.scalar(select(func.count()).select_from(InboundEvent).where(
            InboundEvent.portal_id == portal_id, InboundEvent.status == "pending"))
    assert pending == 0
