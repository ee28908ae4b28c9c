"""Staff cards in the browser, through the sandbox portal UI, as managers and HR use them.

Each test works on its own store of the seeded chain, so the tests share the session's
portal without depending on each other's order.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from sqlalchemy import select

from b24app.org import queries as org
from b24app.org.models import OrgDepartment
from b24app.org.settings import get_org_settings
from b24app.roles import caller_for
from b24app.page_auth import PageSession
from b24app.staff_cards import cards
from b24app.staff_cards.models import DISMISSAL, NEW
from tests.support.live import LiveApp

MENU = "Кадры"
TAB = "Кадры: карточка"


@dataclass(frozen=True)
class Store:
    id: int
    manager: int
    staff: list[int]


def _hr_officer(app: LiveApp) -> int:
    """Make the seed's "Отдел персонала" the HR department; return one of its members."""
    with app.services.session_factory.begin() as session:
        portal_id = app.portal_id()
        hr = session.scalars(select(OrgDepartment).where(
            OrgDepartment.portal_id == portal_id, OrgDepartment.name == "Отдел персонала")).one()
        settings = get_org_settings(session, portal_id)
        settings.hr_department_ids = [hr.b24_id]
        return int(hr.head_user_id or 0)


def _store(app: LiveApp, index: int) -> Store:
    with app.services.session_factory() as session:
        portal_id = app.portal_id()
        stores = [s for s in org.stores(session, portal_id)
                  if org.store_manager(session, portal_id, s.b24_id) is not None]
        chosen = stores[index]
        manager = org.store_manager(session, portal_id, chosen.b24_id)
        assert manager is not None
        staff = [u.b24_id for u in org.store_staff(session, portal_id, chosen.b24_id) if u.b24_id != manager]
        return Store(chosen.b24_id, manager, staff)


def _card(app: LiveApp, store: Store, kind: str, user_id: int | None, form: dict[str, str]) -> int:
    services = app.services
    with services.session_factory.begin() as session:
        caller = caller_for(session, PageSession(app.portal_id(), store.manager, False, "ru"))
        result = cards.create_card(session, caller, kind, store.id, user_id, form, services.clock.now())
        assert result.card is not None, result.errors
        return result.card.id


def test_manager_adds_and_dismisses_in_own_store(portal_app: LiveApp, browser_page: Any,
                                                 open_app: Callable[..., Any]) -> None:
    store = _store(portal_app, 0)
    frame = open_app(browser_page, store.manager, MENU)
    frame.locator("table#staff").wait_for()
    frame.locator("#add-employee").click()
    frame.locator("#f-last_name").fill("Браузерова")
    frame.locator("#f-first_name").fill("Анна")
    frame.locator("#f-email").fill("not-an-email")
    frame.locator("#f-mobile").fill("8 916 555-44-33")
    frame.locator("#f-position").fill("Продавец-консультант")
    frame.locator("#f-employment_date").fill("2026-12-07")
    frame.locator("#save-card").click()
    frame.locator("#err-email").wait_for()
    assert "Неверный формат" in frame.locator("#err-email").inner_text()
    frame.locator("#f-email").fill("anna.browser@example.com")
    frame.locator("#save-card").click()
    frame.locator("#notice").wait_for()
    pending = frame.locator("table#cards tr.pending", has_text="Браузерова")
    assert pending.count() == 1 and "+79165554433" in pending.inner_text()
    leaver = frame.locator(f"table#staff tr[data-user-id='{store.staff[0]}']")
    leaver.get_by_role("link", name="Уволить").click()
    frame.locator("#f-dismissal_date").fill("2026-12-10")
    frame.locator("#save-card").click()
    frame.locator("#notice").wait_for()
    assert frame.locator("table#cards tr.pending").count() == 2


def test_hr_rejects_one_and_bulk_approves_the_rest(portal_app: LiveApp, browser_page: Any,
                                                   open_app: Callable[..., Any]) -> None:
    hr = _hr_officer(portal_app)
    store = _store(portal_app, 1)
    base = {"first_name": "Иван", "position": "Кассир", "store_id": str(store.id),
            "employment_date": "2026-12-07"}
    _card(portal_app, store, NEW, None, {**base, "last_name": "Отказов", "email": "no@example.com"})
    hire = _card(portal_app, store, NEW, None, {**base, "last_name": "Принятов", "email": "yes@example.com"})
    leave = _card(portal_app, store, DISMISSAL, store.staff[0], {"dismissal_date": "2026-01-01"})
    frame = open_app(browser_page, hr, MENU)
    frame.locator("table#cards").wait_for()
    row = frame.locator("table#cards tr", has_text="Отказов")
    row.locator("input[name=reason]").fill("Нет документов")
    row.get_by_role("button", name="Отклонить").click()
    frame.locator("#notice", has_text="Карточка отклонена").wait_for()
    assert frame.locator("table#cards tr", has_text="Отказов").count() == 0
    for card_id in (hire, leave):
        frame.locator(f"table#cards tr[data-card-id='{card_id}'] input[type=checkbox]").check()
    frame.locator("#approve-selected").click()
    frame.locator("#notice", has_text="Согласовано карточек: 2").wait_for()
    portal_app.settle(jobs=("work_queue",))
    users = portal_app.sandbox.rest("user.get", {"filter": {"EMAIL": "yes@example.com"}})["result"]
    assert users and users[0]["UF_DEPARTMENT"] == [store.id]
    leaver = portal_app.sandbox.rest("user.get", {"filter": {"ID": store.staff[0]}})["result"][0]
    assert leaver["ACTIVE"] is False
    frame.get_by_role("link", name="Журнал").click()
    frame.locator("table#audit", has_text="Нет документов").wait_for()
    frame.get_by_role("link", name="Актуализация").click()
    frame.locator("#schedule-form").wait_for()


def test_manager_confirms_the_staff_list_in_the_task_tab(portal_app: LiveApp, browser_page: Any) -> None:
    store = _store(portal_app, 2)
    portal_app.run_job("staff_cards_actualization")
    portal_app.settle(jobs=("work_queue",))
    from b24app.staff_cards.actualization import latest_task
    with portal_app.services.session_factory() as session:
        row = latest_task(session, portal_app.portal_id(), store.id)
        assert row is not None and row.task_id is not None
        task_id = row.task_id
    browser_page.goto(f"{portal_app.sandbox.base_url}/ui/u/{store.manager}/tasks/{task_id}")
    browser_page.get_by_role("link", name=TAB).click()
    frame = browser_page.frame_locator("iframe")
    frame.locator("table#staff").wait_for()
    assert frame.locator("table#staff tr").count() >= 2
    frame.locator("#confirm-list").click()
    frame.locator("#confirmed").wait_for()
    portal_app.settle(jobs=("work_queue",))
    task = portal_app.sandbox.rest("tasks.task.get", {"taskId": task_id})["result"]["task"]
    assert task["status"] == "5"


def test_another_stores_manager_sees_no_staff_in_the_tab(portal_app: LiveApp, browser_page: Any) -> None:
    store, other = _store(portal_app, 3), _store(portal_app, 4)
    portal_app.run_job("staff_cards_actualization")
    portal_app.settle(jobs=("work_queue",))
    from b24app.staff_cards.actualization import latest_task
    with portal_app.services.session_factory() as session:
        row = latest_task(session, portal_app.portal_id(), store.id)
        assert row is not None and row.task_id is not None
    portal_app.sandbox.rest("tasks.task.update", {"taskId": row.task_id,
                                                  "fields": {"AUDITORS": [other.manager]}})
    browser_page.goto(f"{portal_app.sandbox.base_url}/ui/u/{other.manager}/tasks/{row.task_id}")
    browser_page.get_by_role("link", name=TAB).click()
    frame = browser_page.frame_locator("iframe")
    frame.locator("#not-actualization").wait_for()
    assert frame.locator("table#staff").count() == 0


def test_manager_adds_and_hr_approves_inside_the_task_tab(portal_app: LiveApp, browser_page: Any) -> None:
    hr = _hr_officer(portal_app)
    store = _store(portal_app, 5)
    portal_app.run_job("staff_cards_actualization")
    portal_app.settle(jobs=("work_queue",))
    from b24app.staff_cards.actualization import latest_task
    with portal_app.services.session_factory() as session:
        row = latest_task(session, portal_app.portal_id(), store.id)
        assert row is not None and row.task_id is not None
        task_id = row.task_id
    # HR follows the task as an auditor, which is how it shows up in their task list.
    portal_app.sandbox.rest("tasks.task.update", {"taskId": task_id, "fields": {"AUDITORS": [hr]}})
    _card(portal_app, store, NEW, None, {"last_name": "Отклонова", "first_name": "Ия",
                                          "email": "tab.no@example.com", "position": "Кассир",
                                          "store_id": str(store.id), "employment_date": "2026-12-07"})

    # The manager adds someone without leaving the task.
    browser_page.goto(f"{portal_app.sandbox.base_url}/ui/u/{store.manager}/tasks/{task_id}")
    browser_page.get_by_role("link", name=TAB).click()
    frame = browser_page.frame_locator("iframe")
    frame.locator("#add-employee").click()
    frame.locator("#f-last_name").fill("Вкладкина")
    frame.locator("#f-first_name").fill("Яна")
    frame.locator("#f-email").fill("tab.yes@example.com")
    frame.locator("#f-position").fill("Продавец-консультант")
    frame.locator("#f-employment_date").fill("2026-12-07")
    frame.locator("#save-card").click()
    frame.locator("#notice").wait_for()
    assert frame.locator("table#cards tr.pending", has_text="Вкладкина").count() == 1
    assert frame.locator("#confirm-list").count() == 1 and frame.locator(".approve-one").count() == 0

    # HR opens the same task and decides there.
    browser_page.goto(f"{portal_app.sandbox.base_url}/ui/u/{hr}/tasks/{task_id}")
    browser_page.get_by_role("link", name=TAB).click()
    frame = browser_page.frame_locator("iframe")
    frame.locator("table#cards tr", has_text="Вкладкина").get_by_role("button", name="Согласовать").click()
    frame.locator("#notice", has_text="Согласовано карточек: 1").wait_for()
    assert frame.locator("table#staff").count() == 1                      # still the task's tab
    rejected = frame.locator("table#cards tr", has_text="Отклонова")
    rejected.locator("input[name=reason]").fill("Нет трудовой книжки")
    rejected.get_by_role("button", name="Отклонить").click()
    frame.locator("#notice", has_text="Карточка отклонена").wait_for()
    assert frame.locator("table#cards tr", has_text="Отклонова").count() == 0
    assert frame.locator("#confirm-list").count() == 0                    # HR does not confirm
    portal_app.settle(jobs=("work_queue",))
    users = portal_app.sandbox.rest("user.get", {"filter": {"EMAIL": "tab.yes@example.com"}})["result"]
    assert users and users[0]["UF_DEPARTMENT"] == [store.id]
    assert not portal_app.sandbox.rest("user.get", {"filter": {"EMAIL": "tab.no@example.com"}})["result"]
