"""End to end against the sandbox portal over HTTP: a manager adds, edits and dismisses; HR
approves and rejects; the portal's users follow (the dismissed user's webhook answers 401);
the leaver's app tasks go to the manager; actualization tasks go out and complete."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Callable

import requests
from sqlalchemy.orm import Session, sessionmaker

from b24app import workqueue
from b24app.models import Portal
from b24app.org import queries as org
from b24app.org.sync import sync_org
from b24app.page_auth import PageSession
from b24app.roles import caller_for
from b24app.staff_cards import actualization, approval, cards
from b24app.staff_cards.models import (APPLIED, CHANGE, DISMISSAL, NEW, PENDING, REJECTED,
                                       StaffCard)
from jobs.staff_cards import run_actualization, run_loop
from tests.sandbox.conftest import StartSandbox, start_sandbox  # noqa: F401 - fixture

from .chain import (CASHIER_A, HOOK, HR_ALL, MANAGER_A, MANAGER_B, SELLER_A, SELLER_B, STORE_A,
                    STORE_B, chain_portal, configure_roles)

NOW = datetime(2026, 12, 4, 6, 0, tzinfo=timezone.utc)


def rest(url: str, method: str, params: dict[str, Any]) -> requests.Response:
    return requests.post(f"{url}{method}", json=params, timeout=10)


def test_cards_flow_through_the_portal_and_close_the_loop(
        start_sandbox: StartSandbox, make_services: Callable[..., Any],
        session_factory: sessionmaker[Session], portal_id: int) -> None:
    handle = start_sandbox(chain_portal())
    admin_hook = f"{handle.base_url}/rest/1/{HOOK}/"
    with session_factory.begin() as session:
        row = session.get(Portal, portal_id)
        assert row is not None
        row.webhook_url = admin_hook
    services = make_services()
    client = services.bitrix.for_portal(portal_id)
    sync_org(session_factory, client, portal_id, NOW)
    with session_factory.begin() as session:
        configure_roles(session, portal_id)
        manager = caller_for(session, PageSession(portal_id, MANAGER_A, False, "ru"))
        manager_b = caller_for(session, PageSession(portal_id, MANAGER_B, False, "ru"))
        hr = caller_for(session, PageSession(portal_id, HR_ALL, False, "ru"))

    # The seller has an opening-style task from the app and a private one; she can call REST.
    app_task = rest(admin_hook, "tasks.task.add", {"fields": {
        "TITLE": "Открытие смены", "RESPONSIBLE_ID": SELLER_A, "TAGS": ["storeops_0123456789ab"]}}
    ).json()["result"]["task"]["id"]
    own_task = rest(admin_hook, "tasks.task.add", {"fields": {
        "TITLE": "Личное", "RESPONSIBLE_ID": SELLER_A}}).json()["result"]["task"]["id"]
    seller_hook = handle.webhook(SELLER_A)
    assert rest(seller_hook, "user.current", {}).status_code == 200

    # 1. The manager adds, edits and dismisses; one more card will be rejected.
    with session_factory.begin() as session:
        hire = cards.create_card(session, manager, NEW, STORE_A, None, {
            "last_name": "Новикова", "first_name": "Ольга", "email": "olga@example.com",
            "mobile": "8 916 000-11-22", "position": "Кассир", "store_id": str(STORE_A),
            "birth_date": "1990-05-01", "employment_date": "2026-12-07"}, NOW).card
        edit = cards.create_card(session, manager, CHANGE, STORE_A, CASHIER_A, {
            "last_name": "Кассиров", "first_name": "Глеб", "email": "u113@example.com",
            "position": "Старший кассир", "store_id": str(STORE_A)}, NOW).card
        leave = cards.create_card(session, manager, DISMISSAL, STORE_A, SELLER_A,
                                  {"dismissal_date": "2026-12-04"}, NOW).card
        later = cards.create_card(session, manager_b, DISMISSAL, STORE_B, SELLER_B,
                                  {"dismissal_date": "2026-12-10"}, NOW).card
        dup = cards.create_card(session, manager, NEW, STORE_A, None, {
            "last_name": "Лишний", "first_name": "Лев", "email": "lev@example.com",
            "position": "Кассир", "store_id": str(STORE_A), "employment_date": "2026-12-07"}, NOW).card
        assert hire and edit and leave and later and dup
        ids = [hire.id, edit.id, leave.id, later.id, dup.id]
    assert workqueue.run_once(services, NOW) == 0          # nothing reaches the portal yet
    assert "olga@example.com" not in {u.email for u in handle.portal.users.values()}

    # 2. HR approves four in bulk and rejects one with a reason.
    with session_factory.begin() as session:
        assert approval.approve(session, hr, ids[:4], NOW).approved == ids[:4]
        assert approval.reject(session, hr, ids[4], "Не тот магазин", NOW) is None
    workqueue.run_once(services, NOW)

    portal = handle.portal
    hired = next(u for u in portal.users.values() if u.email == "olga@example.com")
    assert hired.departments == [STORE_A] and hired.personal_mobile == "+79160001122"
    assert hired.last_name == "Новикова" and not hired.registered      # invited
    assert portal.users[CASHIER_A].work_position == "Старший кассир"
    assert portal.users[SELLER_A].active is False
    assert rest(seller_hook, "user.current", {}).status_code == 401
    assert portal.users[SELLER_B].active is True                         # waits for 10 Dec
    notes = [(n.user_id, n.message) for n in portal.notifications.values()]
    assert any(uid == MANAGER_A and "Не тот магазин" in text for uid, text in notes)
    assert any(uid == MANAGER_A and "Новикова" in text for uid, text in notes)

    # 3. The loop: store refreshed at once, the leaver's app task handed to the manager.
    assert run_loop(services, NOW) == 1
    workqueue.run_once(services, NOW)
    assert portal.tasks[int(app_task)].responsible_id == MANAGER_A
    assert portal.tasks[int(own_task)].responsible_id == SELLER_A
    with session_factory() as session:
        staff = {u.b24_id for u in org.store_staff(session, portal_id, STORE_A)}
        assert SELLER_A not in staff and hired.id in staff
        states = {c.id: c.status for c in session.query(StaffCard)}
    assert [states[i] for i in ids] == [APPLIED, APPLIED, APPLIED, "approved", REJECTED]

    # 4. The future dismissal goes out on its date (store-local midnight).
    workqueue.run_once(services, datetime(2026, 12, 9, 21, 0, tzinfo=timezone.utc))
    assert portal.users[SELLER_B].active is False

    # 5. Actualization: a task per store with a manager; confirming completes it.
    assert run_actualization(services, NOW) == 3
    assert run_actualization(services, NOW) == 0            # idempotent per store and period
    workqueue.run_once(services, NOW)
    titled = [t for t in portal.tasks.values() if t.title.startswith("Подтвердите список")]
    assert {t.responsible_id for t in titled} == {MANAGER_A, MANAGER_B, 130}
    with session_factory.begin() as session:
        row = actualization.confirm(session, manager, STORE_A, NOW)
        assert row is not None and row.task_id is not None
        task_id = row.task_id
    workqueue.run_once(services, NOW)
    assert portal.tasks[task_id].status == 5
    with session_factory() as session:
        assert actualization.latest_task(session, portal_id, STORE_A).completed_at is not None  # type: ignore[union-attr]
        assert session.get(StaffCard, ids[4]).status == REJECTED  # type: ignore[union-attr]
        assert PENDING not in {c.status for c in session.query(StaffCard)}
