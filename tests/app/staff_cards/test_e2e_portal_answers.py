"""Against the sandbox portal over HTTP: a dismissed seller is rehired (portal, org model and
page follow); a portal refusal (the e-mail taken in the portal meanwhile) keeps the card
pending with the portal's error on the page, and a corrected card then goes through."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Callable

import requests
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

from b24app import workqueue
from b24app.models import Portal
from b24app.org import queries as org
from b24app.org.sync import sync_org
from b24app.page_auth import PageSession
from b24app.roles import Caller, caller_for
from b24app.staff_cards import approval, cards
from b24app.staff_cards.cards import former_staff
from b24app.staff_cards.models import APPLIED, DISMISSAL, NEW, PENDING, REHIRE, StaffCard
from b24app.wiring import Services
from jobs.staff_cards import run_loop
from tests.sandbox.conftest import SandboxHandle, StartSandbox, start_sandbox  # noqa: F401

from .chain import HIRED, HOOK, HR_ALL, MANAGER_A, SELLER_A, STORE_A, chain_portal, configure_roles
from .pages_env import Pages

NOW = datetime(2026, 12, 4, 6, 0, tzinfo=timezone.utc)


def installed(start_sandbox: StartSandbox, make_services: Callable[..., Any],
              session_factory: sessionmaker[Session], portal_id: int
              ) -> tuple[SandboxHandle, Services, Caller, Caller]:
    """Run the chain portal, point the app at it, sync; return the manager and HR callers."""
    handle = start_sandbox(chain_portal())
    with session_factory.begin() as session:
        row = session.get(Portal, portal_id)
        assert row is not None
        row.webhook_url = f"{handle.base_url}/rest/1/{HOOK}/"
    services = make_services()
    sync_org(session_factory, services.bitrix.for_portal(portal_id), portal_id, NOW)
    with session_factory.begin() as session:
        configure_roles(session, portal_id)
    with session_factory() as session:
        manager = caller_for(session, PageSession(portal_id, MANAGER_A, False, "ru"))
        hr = caller_for(session, PageSession(portal_id, HR_ALL, False, "ru"))
    return handle, services, manager, hr


def settle(services: Services) -> None:
    """Send every due work item, then close the loop of applied cards."""
    while workqueue.run_once(services, NOW):
        pass
    run_loop(services, NOW)


def test_dismissed_seller_is_rehired(start_sandbox: StartSandbox, make_services: Callable[..., Any],
                                     session_factory: sessionmaker[Session], portal_id: int) -> None:
    handle, services, manager, hr = installed(start_sandbox, make_services, session_factory, portal_id)
    with session_factory() as session:
        assert org.user(session, portal_id, SELLER_A).employment_date == HIRED  # type: ignore[union-attr]
    with session_factory.begin() as session:
        leave = cards.create_card(session, manager, DISMISSAL, STORE_A, SELLER_A,
                                  {"dismissal_date": "2026-12-04"}, NOW).card
        assert leave is not None
        approval.approve(session, hr, [leave.id], NOW)
    settle(services)
    assert handle.portal.users[SELLER_A].active is False
    with session_factory() as session:
        assert [u.b24_id for u in former_staff(session, portal_id, STORE_A)] == [SELLER_A]

    with session_factory.begin() as session:
        back = cards.create_card(session, manager, REHIRE, STORE_A, SELLER_A, {
            "last_name": "Продавцова", "first_name": "Вера", "email": "u112@example.com",
            "position": "Старший продавец", "store_id": str(STORE_A),
            "employment_date": "2026-12-05"}, NOW).card
        assert back is not None, "rehire card refused"
        approval.approve(session, hr, [back.id], NOW)
        back_id = back.id
    settle(services)
    seller = handle.portal.users[SELLER_A]
    assert seller.active is True and seller.departments == [STORE_A]
    assert seller.work_position == "Старший продавец"
    assert seller.extra["UF_EMPLOYMENT_DATE"] == "2026-12-05"
    assert requests.post(f"{handle.webhook(SELLER_A)}user.current", json={}, timeout=10).status_code == 200
    with session_factory() as session:
        assert session.get(StaffCard, back_id).status == APPLIED  # type: ignore[union-attr]
        staff = {u.b24_id: u for u in org.store_staff(session, portal_id, STORE_A)}
        assert SELLER_A in staff and staff[SELLER_A].employment_date == "2026-12-05"
        assert former_staff(session, portal_id, STORE_A) == []


def test_portal_refusal_keeps_the_card_pending_with_the_error_shown(
        start_sandbox: StartSandbox, make_services: Callable[..., Any],
        session_factory: sessionmaker[Session], portal_id: int) -> None:
    handle, services, manager, hr = installed(start_sandbox, make_services, session_factory, portal_id)
    form = {"last_name": "Новикова", "first_name": "Ольга", "email": "olga@example.com",
            "position": "Кассир", "store_id": str(STORE_A), "employment_date": "2026-12-07"}
    with session_factory.begin() as session:
        card = cards.create_card(session, manager, NEW, STORE_A, None, form, NOW).card
        other = cards.create_card(session, manager, NEW, STORE_A, None,
                                  {**form, "email": "lev@example.com", "last_name": "Львов"}, NOW).card
        assert card is not None and other is not None
        card_id, other_id = card.id, other.id
    # Someone invites the same e-mail straight in the portal before HR decides.
    answer = requests.post(f"{handle.base_url}/rest/1/{HOOK}/user.add", json={
        "EMAIL": "olga@example.com", "UF_DEPARTMENT": [STORE_A]}, timeout=10)
    assert answer.status_code == 200
    users_before = len(handle.portal.users)

    # Bulk approval trusts user.add's own duplicate check: the portal refuses one card.
    with session_factory.begin() as session:
        assert approval.approve(session, hr, [card_id, other_id], NOW).approved == [card_id, other_id]
    settle(services)
    assert len(handle.portal.users) == users_before + 1                  # only Львов was invited
    with session_factory() as session:
        refused, fine = session.get(StaffCard, card_id), session.get(StaffCard, other_id)
        assert refused is not None and fine is not None
        assert refused.status == PENDING and "already exists" in refused.error
        assert fine.status == APPLIED

    from app import create_app
    client: FlaskClient = create_app(services.settings, services).test_client()
    status, body = Pages(client, services, portal_id, MANAGER_A).get(f"/app/staff/store/{STORE_A}")
    assert status == 200 and "card-error" in body and "already exists" in body
    status, body = Pages(client, services, portal_id, HR_ALL).get("/app/staff/review")
    assert "card-error" in body and "Новикова" in body

    # A single approval asks the portal first and refuses at once, sending nothing.
    hr_page = Pages(client, services, portal_id, HR_ALL)
    status, location = hr_page.post("/app/staff/review/approve", {"card_id": str(card_id)})
    assert status == 303 and f"refused={card_id}" in location
    with session_factory() as session:
        assert session.get(StaffCard, card_id).error == "err_email_taken"  # type: ignore[union-attr]

    # The manager corrects the e-mail; HR approves again; the portal invites her.
    with session_factory.begin() as session:
        assert not cards.amend_card(session, manager, card_id,
                                    {**form, "email": "olga.n@example.com"}, NOW).errors
        assert approval.approve(session, hr, [card_id], NOW).approved == [card_id]
    settle(services)
    assert any(u.email == "olga.n@example.com" for u in handle.portal.users.values())
    with session_factory() as session:
        done = session.get(StaffCard, card_id)
        assert done is not None and done.status == APPLIED and done.error == ""
