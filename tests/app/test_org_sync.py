"""Org sync against the sandbox portal over real HTTP: batched reads, diff applied once."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from b24app.org import queries
from b24app.org.models import OrgDepartment, OrgMembership, OrgUser
from b24app.org.periodic import sync_due_portals
from b24app.org.settings import get_org_settings
from b24app.org.sync import request_sync, sync_org, sync_store
from sandbox.state import User

from org_fixtures import chain_portal, point_portal_at, start_server


@pytest.fixture
def server() -> Iterator[Any]:
    running = start_server(chain_portal())
    yield running
    running.stop()


@pytest.fixture
def services(make_services: Any, session_factory: Any, portal_id: int, server: Any) -> Any:
    point_portal_at(session_factory, portal_id, server)
    return make_services()


def _users(session_factory: Any) -> dict[int, OrgUser]:
    with session_factory() as session:
        return {u.b24_id: u for u in session.scalars(select(OrgUser))}


def test_full_sync_reads_everything_in_one_request_and_derives_stores(services: Any,
                                                                      portal_id: int) -> None:
    client = services.bitrix.for_portal(portal_id)
    report = sync_org(services.session_factory, client, portal_id, services.clock.now())
    assert report.http_requests == 1                 # 1 department page + 1 user page in one batch
    assert (report.departments, report.users) == (11, 15)
    users = _users(services.session_factory)
    assert 116 not in users                          # dismissed: never synced as active
    assert users[113].position_key == "заместитель управляющего"
    assert users[101].departments == [2, 6]
    with services.session_factory() as session:
        stores = queries.stores(session, portal_id)
        assert [s.b24_id for s in stores] == [12, 11, 10]   # Казахстан < Россия, then by name
        tverskaya = queries.store(session, portal_id, 10)
        assert tverskaya is not None
        assert (tverskaya.country, tverskaya.region, tverskaya.city) == ("Россия", "Центр", "Москва")
        assert tverskaya.time_zone == "Europe/Moscow" and tverskaya.path == "/1/2/3/4/10/"
        assert queries.store_time_zone(session, portal_id, 12) == "Asia/Almaty"
        assert queries.store(session, portal_id, 5) is None         # HR is not a store
        settings = get_org_settings(session, portal_id)
        assert settings.synced_at == services.clock.now()


def test_resync_applies_only_the_difference(services: Any, portal_id: int, server: Any) -> None:
    client = services.bitrix.for_portal(portal_id)
    sync_org(services.session_factory, client, portal_id, services.clock.now())
    again = sync_org(services.session_factory, client, portal_id, services.clock.now())
    assert (again.users_added, again.users_changed, again.users_deactivated) == (0, 0, 0)
    portal = server.sandbox.portal
    with portal.lock:
        portal.users[115].active = False                         # dismissed in Bitrix24
        portal.users[121].work_position = "Старший кассир"
        portal.users[121].departments = [10]                     # moved to Тверская
        portal.departments[11].head = 120                        # Арбат gets a manager
        del portal.departments[5]                                # HR department removed
        portal.users[301] = User(id=301, email="new@example.com", name="Новый", last_name="Новиков",
                                 work_position="Кассир", departments=[12])
    report = sync_org(services.session_factory, client, portal_id, services.clock.now())
    assert (report.users_added, report.users_changed, report.users_deactivated) == (1, 1, 1)
    assert report.departments_changed == 1 and report.departments_removed == 1
    with services.session_factory() as session:
        assert [u.b24_id for u in queries.store_staff(session, portal_id, 10)] == [
            114, 111, 113, 121, 110]                             # by last name; 115 gone
        assert queries.store_manager(session, portal_id, 11) == 120
        assert 301 in [u.b24_id for u in queries.store_staff(session, portal_id, 12)]
        assert queries.department(session, portal_id, 5) is None


def test_sync_store_refreshes_one_store_in_one_request(services: Any, portal_id: int,
                                                       server: Any) -> None:
    client = services.bitrix.for_portal(portal_id)
    sync_org(services.session_factory, client, portal_id, services.clock.now())
    portal = server.sandbox.portal
    with portal.lock:
        portal.users[115].active = False                         # dismissed
        portal.users[111].departments = [12]                     # moved to another store
        portal.users[302] = User(id=302, email="n2@example.com", name="Н", last_name="Наймов",
                                 work_position="Кассир", departments=[10])
    report = sync_store(services.session_factory, client, portal_id, 10, services.clock.now())
    assert report.http_requests == 1
    users = _users(services.session_factory)
    assert not users[115].active
    assert users[111].active and users[111].departments == [12]
    assert users[302].active
    with services.session_factory() as session:
        staff = {u.b24_id for u in queries.store_staff(session, portal_id, 10)}
        assert staff == {110, 113, 114, 302}
        assert 111 in {u.b24_id for u in queries.store_staff(session, portal_id, 12)}
        members = set(session.scalars(select(OrgMembership.user_b24_id).where(
            OrgMembership.department_b24_id == 10)))
        assert members == staff


def test_org_sync_job_syncs_due_portals_once(services: Any, portal_id: int) -> None:
    now = services.clock.now()
    assert sync_due_portals(services, now) == 1
    assert sync_due_portals(services, now) == 0                   # fresh: not due
    later = now + timedelta(minutes=1)
    with services.session_factory.begin() as session:
        request_sync(session, portal_id, later)
    assert sync_due_portals(services, later) == 1                 # asked for: due again
    assert sync_due_portals(services, later) == 0
    assert sync_due_portals(services, now + timedelta(hours=6, minutes=1)) == 1   # stale
    with services.session_factory() as session:
        assert session.scalar(select(OrgDepartment.b24_id).where(OrgDepartment.b24_id == 10)) == 10
