"""The first thing an admin does after installing: open the app and see the portal's stores."""
from __future__ import annotations

from typing import Any, Callable

from tests.support.live import LiveApp

ADMIN_USER_ID = 1


def test_after_install_the_admin_opens_the_app_inside_the_portal_and_sees_its_stores(
        portal_app: LiveApp, browser_page: Any, open_app: Callable[..., Any]) -> None:
    frame = open_app(browser_page, ADMIN_USER_ID, "Настройки")
    frame.get_by_role("heading", name="Настройки Store Ops").wait_for()
    rows = frame.locator("table#stores tr")
    assert rows.count() == 1 + 6   # the header and one row per seeded store
    assert frame.get_by_text("Магазинов в портале: 6").is_visible()
    first_store = rows.nth(1).locator("td").first.inner_text()
    assert first_store.startswith("Магазин")


def test_a_store_employee_cannot_open_the_admin_page(
        portal_app: LiveApp, browser_page: Any, open_app: Callable[..., Any]) -> None:
    seller = portal_app.sandbox.rest("user.get", {"filter": {"WORK_POSITION": "Продавец-консультант"}})["result"][0]
    frame = open_app(browser_page, int(seller["ID"]), "Настройки")
    frame.get_by_text("Недостаточно прав").wait_for()
    assert frame.locator("table#stores").count() == 0


def test_the_admin_sets_roles_and_structure_and_the_head_office_guess_is_shown(
        portal_app: LiveApp, browser_page: Any, open_app: Callable[..., Any]) -> None:
    frame = open_app(browser_page, ADMIN_USER_ID, "Настройки")
    frame.get_by_role("link", name="Роли и структура →").click()
    frame.get_by_role("heading", name="Роли и структура").wait_for()
    # The first sync guessed the head-office functions from the department names.
    assert frame.get_by_label("Кадры: Отдел персонала").is_checked()
    assert frame.get_by_label("Мерчендайзинг: Отдел мерчандайзинга").is_checked()
    frame.get_by_label("Отправляют веерные задачи: Операционный отдел").check()
    frame.get_by_label("Должности, которым можно отправлять веерные задачи").fill("Операционный директор")
    frame.get_by_role("button", name="Сохранить").click()
    frame.get_by_text("Настройки сохранены.").wait_for()
    assert frame.get_by_label("Отправляют веерные задачи: Операционный отдел").is_checked()
    assert frame.get_by_label("Должности, которым можно отправлять веерные задачи").input_value() == "Операционный директор"
    # Head-office departments are never stores.
    frame.get_by_role("link", name="← Настройки Store Ops").click()
    frame.get_by_text("Магазинов в портале: 6").wait_for()


def test_the_admin_overrides_a_store_time_zone_and_an_unknown_store_is_404(
        portal_app: LiveApp, browser_page: Any, open_app: Callable[..., Any]) -> None:
    frame = open_app(browser_page, ADMIN_USER_ID, "Настройки")
    first = frame.locator("table#stores tr").nth(1).locator("td a").first
    store_name = first.inner_text()
    first.click()
    frame.get_by_role("heading", name=store_name).wait_for()
    frame.get_by_label("Часовой пояс").select_option("Asia/Vladivostok")
    frame.get_by_role("button", name="Сохранить").click()
    frame.get_by_text("Настройки сохранены.").wait_for()
    frame.get_by_role("link", name="← Настройки Store Ops").click()
    row = frame.locator("table#stores tr", has_text=store_name)
    row.wait_for()
    assert "Asia/Vladivostok" in row.inner_text()
    # A guessed department ID answers 404, not a traceback.
    app_frame = next(f for f in browser_page.frames if "/app/admin" in f.url)
    app_frame.goto(app_frame.url.replace("/app/admin?", "/app/admin/stores/999999?"))
    assert "Страница не найдена" in app_frame.content()
    # Put the store back on its city's zone: the portal is shared by the browser tests.
    frame = open_app(browser_page, ADMIN_USER_ID, "Настройки")
    frame.get_by_role("link", name=store_name).click()
    frame.get_by_label("Часовой пояс").select_option("")
    frame.get_by_role("button", name="Сохранить").click()
    frame.get_by_text("Настройки сохранены.").wait_for()
