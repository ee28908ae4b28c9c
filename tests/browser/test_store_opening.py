"""Store opening pages driven in Chromium through the sandbox portal UI, as their users do."""
from __future__ import annotations

import io
import uuid
from typing import Any, Callable

from openpyxl import load_workbook
from playwright.sync_api import expect
from sqlalchemy import select

from tests.support.live import LiveApp

ADMIN_USER_ID = 1
MENU = "Открытие магазинов"


def _stores(portal_app: LiveApp) -> list[Any]:
    from b24app.org import queries as org
    with portal_app.services.session_factory() as session:
        return org.stores(session, portal_app.portal_id())


def test_admin_builds_a_template_with_reordered_flagged_items(
        portal_app: LiveApp, browser_page: Any, open_app: Callable[..., Any]) -> None:
    frame = open_app(browser_page, ADMIN_USER_ID, MENU)
    frame.get_by_role("link", name="Шаблоны чек-листов").click()
    name = f"Утро {uuid.uuid4().hex[:6]}"
    frame.get_by_label("Название шаблона").fill(name)
    frame.locator("#items input[type=text]").nth(0).fill("Проверить кассу")
    frame.get_by_role("button", name="Добавить пункт").click()
    frame.locator("#items input[type=text]").nth(1).fill("Включить свет")
    frame.get_by_role("button", name="Добавить пункт").click()
    frame.locator("#items input[type=text]").nth(2).fill("Фото витрины")
    frame.locator("#items tr").nth(3).locator("input[type=checkbox]").nth(1).check()   # photo
    frame.locator("#items tbody tr").nth(1).locator(".move-up").click()               # light first
    frame.locator("#items tbody tr").nth(0).locator("input[type=checkbox]").nth(0).check()
    frame.get_by_role("button", name="Сохранить").click()
    frame.get_by_role("status").wait_for()
    titles = [frame.locator("#items input[type=text]").nth(i).input_value() for i in range(3)]
    assert titles == ["Включить свет", "Проверить кассу", "Фото витрины"]
    from b24app.store_opening.models import ChecklistTemplate
    with portal_app.services.session_factory() as session:
        saved = session.scalar(select(ChecklistTemplate).where(ChecklistTemplate.name == name))
    assert saved is not None and saved.items == [
        {"title": "Включить свет", "important": True, "photo": False},
        {"title": "Проверить кассу", "important": False, "photo": False},
        {"title": "Фото витрины", "important": False, "photo": True}]


def test_admin_bulk_edits_schedules_and_a_bad_excel_file_changes_nothing(
        portal_app: LiveApp, browser_page: Any, open_app: Callable[..., Any], tmp_path: Any) -> None:
    frame = open_app(browser_page, ADMIN_USER_ID, MENU)
    frame.get_by_role("link", name="Шаблоны чек-листов").click()
    template = f"Открытие {uuid.uuid4().hex[:6]}"
    frame.get_by_label("Название шаблона").fill(template)
    frame.locator("#items input[type=text]").nth(0).fill("Включить свет")
    frame.get_by_role("button", name="Сохранить").click()
    frame.get_by_role("status").wait_for()
    frame.get_by_role("link", name="Расписания магазинов").click()
    frame.locator("#target").select_option("area")
    frame.locator("#enabled").select_option("on")
    frame.locator("#template").select_option(label=template)
    frame.locator("#create_at").fill("00:00")
    frame.locator("#deadline").fill("23:59")
    frame.get_by_role("button", name="Применить").click()
    frame.locator("#applied").wait_for()
    stores = _stores(portal_app)
    assert frame.locator("#schedules td.create_at", has_text="00:00").count() == len(stores)
    # Turn one store off by selecting it.
    first = stores[0].b24_id
    frame.locator(f'#schedules tr[data-store="{first}"] input[name=store]').check()
    frame.locator("#enabled").select_option("off")
    frame.get_by_role("button", name="Применить").click()
    # The page reloads in place; wait for the new answer rather than the old message.
    expect(frame.locator(f'#schedules tr[data-store="{first}"] td.enabled')).to_have_text("Нет")
    # Download the table, break one row, upload it: the error is shown, nothing is applied.
    with browser_page.expect_download() as download:
        frame.locator("#download").click()
    path = tmp_path / "schedules.xlsx"
    download.value.save_as(path)
    book = load_workbook(path)
    sheet = book.worksheets[0]
    sheet.cell(row=3, column=11).value = "09:00"        # create_at after ...
    sheet.cell(row=3, column=12).value = "08:00"        # ... the deadline
    sheet.cell(row=4, column=11).value = "06:00"        # a valid change that must not apply
    buffer = io.BytesIO()
    book.save(buffer)
    frame.locator("#upload-form input[type=file]").set_input_files(files=[{
        "name": "schedules.xlsx", "buffer": buffer.getvalue(),
        "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}])
    frame.locator("#upload-form button").click()
    errors = frame.locator("#upload-errors")
    errors.wait_for()
    assert "Срок должен быть позже" in errors.inner_text()
    assert frame.locator("#schedules td.create_at", has_text="06:00").count() == 0


def test_manager_ticks_in_the_portal_the_task_closes_and_superiors_see_their_stores(
        portal_app: LiveApp, browser_page: Any, open_app: Callable[..., Any]) -> None:
    from b24app.org import queries as org
    from b24app.store_opening.models import OpeningTask
    from b24app.store_opening.schedule_admin import ScheduleChange, bulk_apply
    from b24app.store_opening.templates_admin import TemplateInput, save_template
    services = portal_app.services
    portal_id = portal_app.portal_id()
    now = services.clock.now()
    with services.session_factory.begin() as session:
        template = save_template(session, portal_id, TemplateInput(
            f"Чек-лист {uuid.uuid4().hex[:6]}", ["Включить свет", "Открыть кассу"]), now)
        stores = [s.b24_id for s in org.stores(session, portal_id)]
        assert bulk_apply(session, portal_id, stores, ScheduleChange(
            enabled=True, template_id=template.id, create_at="00:00", deadline="23:59"), now) == {}
    portal_app.run_job("store_opening_generate")
    portal_app.settle()
    with services.session_factory() as session:
        task = session.scalars(select(OpeningTask).order_by(OpeningTask.id)).first()
        assert task is not None
        city_head = org.superiors_chain(session, portal_id, task.store_id)[0]
        city = org.department(session, portal_id, task.store_id)
        assert city is not None and city.parent_b24_id is not None
        subtree = org.subtree_store_ids(session, portal_id, city.parent_b24_id)
    # The manager opens the task in the portal and ticks every item.
    browser_page.goto(f"{portal_app.sandbox.base_url}/ui/u/{task.responsible_id}/tasks/{task.task_id}")
    while browser_page.get_by_role("button", name="Выполнено").count():
        browser_page.get_by_role("button", name="Выполнено").first.click()
    portal_app.run_job("store_opening_reconcile")
    assert portal_app.sandbox.rest("tasks.task.get", {"taskId": task.task_id})[
        "result"]["task"]["status"] == "5"
    # The admin sees it done on time; the city's head sees only the city's stores.
    frame = open_app(browser_page, ADMIN_USER_ID, MENU)
    assert frame.locator(f'#today tr.store[data-store="{task.store_id}"]').get_attribute(
        "data-status") == "done_on_time"
    frame = open_app(browser_page, city_head, MENU)
    shown = {int(s) for s in frame.locator("#today tr.store").evaluate_all(
        "rows => rows.map(r => r.dataset.store)")}
    assert shown == set(subtree)
    assert frame.locator("#so-nav", has_text="Шаблоны").count() == 0
