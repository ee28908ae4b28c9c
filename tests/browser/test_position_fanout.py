"""Fan-out tasks in the browser, through the sandbox portal UI, as an office sender uses them.

The sender (a member of the operations department, which the admin allowed to send) opens
"Веерные задачи" from the portal's left menu, writes a task with a file for the store
managers of one country, previews, sends, watches the progress bar, then works the
campaign page: refresh, remind, extend, export, save as a template and schedule it, recall.
Each test uses its own country of the seeded chain, so tests share the portal safely.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Callable

from openpyxl import load_workbook
from sqlalchemy import select

from b24app.org import queries as org
from b24app.org.models import OrgDepartment
from b24app.org.settings import get_org_settings
from tests.support.live import SETTLE_JOBS, LiveApp

MENU = "Веерные задачи"
MANAGER_KEY = "управляющий магазином"
WORKER_JOBS = SETTLE_JOBS + ("position_fanout_dispatch",)


def office_sender(app: LiveApp) -> int:
    """Let the operations department send fan-outs (the admin's setting); return a member."""
    with app.services.session_factory.begin() as session:
        portal_id = app.portal_id()
        office = session.scalars(select(OrgDepartment).where(
            OrgDepartment.portal_id == portal_id,
            OrgDepartment.name == "Операционный отдел")).one()
        get_org_settings(session, portal_id).sender_policy = {
            "admins": True, "department_ids": [office.b24_id], "positions": []}
        return min(u.b24_id for u in org.store_staff(session, portal_id, office.b24_id)
                   if u.b24_id != 1)


def country(app: LiveApp, name: str) -> tuple[int, list[int]]:
    """Return a country's department ID and the store managers below it."""
    with app.services.session_factory() as session:
        portal_id = app.portal_id()
        dept = session.scalars(select(OrgDepartment).where(
            OrgDepartment.portal_id == portal_id, OrgDepartment.name == name)).one()
        store_ids = [s.b24_id for s in org.stores(session, portal_id, under=dept.b24_id)]
        managers = sorted({h.user.b24_id for h in org.holders_of_position(
            session, portal_id, MANAGER_KEY, store_ids)})
    return dept.b24_id, managers


def compose(frame: Any, title: str, department_id: int, attachment: Any = None) -> None:
    """Fill the compose form as a person would and go to the preview."""
    frame.get_by_role("link", name="Новая рассылка").click()
    frame.locator("#title").fill(title)
    frame.locator("#description").fill("Проверьте ценники в зале")
    frame.locator("input[name=deadline_days]").fill("3")
    frame.locator("#priority").select_option("2")
    frame.locator("#checklist").fill("Ценники\nВитрина")
    if attachment is not None:
        frame.locator("#files").set_input_files(attachment)
    frame.locator(f"input[name=position][value='{MANAGER_KEY}']").check()
    frame.locator(f"input[name=department][value='{department_id}']").check()
    frame.get_by_role("button", name="Далее: предпросмотр").click()
    frame.locator("#preview-summary").wait_for()


def send_and_watch(app: LiveApp, frame: Any, copies: int) -> None:
    """Click Send, let the worker run, and wait for the progress bar to finish the page."""
    frame.locator("#send").click()
    frame.locator(".progress").wait_for()
    app.settle(jobs=WORKER_JOBS)
    # The bar polls its JSON, and reloads the page when every copy has gone out.
    frame.locator(".progress").wait_for(state="detached")
    frame.locator("table.copies tr[data-state='open']").nth(copies - 1).wait_for()
    assert frame.locator("table.copies tr[data-state]").count() == copies


def campaign_task_ids(app: LiveApp, title: str) -> dict[int, str]:
    """Return {responsible: task ID} of the campaign's copies, read from the portal."""
    rows = app.sandbox.rest("tasks.task.list", {
        "filter": {"TITLE": title}, "select": ["ID", "RESPONSIBLE_ID", "DEADLINE", "STATUS"]},
    )["result"]["tasks"]
    return {int(r["responsibleId"]): str(r["id"]) for r in rows}


def test_sender_composes_sends_tracks_reminds_extends_exports_reuses_and_recalls(
        portal_app: LiveApp, browser_page: Any, open_app: Callable[..., Any], tmp_path: Any) -> None:
    app = portal_app
    sender = office_sender(app)
    russia, managers = country(app, "Россия")
    assert len(managers) >= 2
    attachment = tmp_path / "ценники.txt"
    attachment.write_text("Новые ценники на полке 3", encoding="utf-8")
    title = "Проверка ценников (браузер)"

    frame = open_app(browser_page, sender, MENU)
    frame.get_by_role("heading", name="Веерные задачи").wait_for()
    compose(frame, title, russia, attachment)
    summary = frame.locator("#preview-summary").inner_text()
    assert summary.startswith(f"{len(managers)} задач для {len(managers)} сотрудников")
    assert frame.locator("#recipients tr").count() == 1 + len(managers)
    assert frame.locator("#attached-files").get_by_text("ценники.txt").is_visible()
    send_and_watch(app, frame, len(managers))
    assert "Выполнено 0 из" in frame.locator("#done-summary").inner_text()

    # One manager finishes; another copy's deadline is moved into the past in the portal.
    tasks = campaign_task_ids(app, title)
    assert sorted(tasks) == managers
    finisher, late = managers[0], managers[1]
    assert "error" not in app.sandbox.rest("tasks.task.complete", {"taskId": tasks[finisher]},
                                           user_id=finisher)
    past = (datetime.now(timezone.utc) - timedelta(hours=1)).isoformat(timespec="seconds")
    app.sandbox.rest("tasks.task.update", {"taskId": tasks[late], "fields": {"DEADLINE": past}})
    frame.locator("#refresh").click()
    frame.locator(f"tr[data-user='{finisher}'][data-state='done']").wait_for()
    frame.locator(f"tr[data-user='{late}'][data-state='overdue']").wait_for()

    # Remind the overdue: one notification.
    app.sandbox.reset_stats()
    frame.locator("#remind").click()
    frame.locator("#done-summary").wait_for()
    app.settle(jobs=WORKER_JOBS)
    assert app.sandbox.stats()["calls_by_method"].get("im.notify.system.add") == 1

    # Extend the deadline for everyone not done yet.
    new_local = (datetime.now() + timedelta(days=10)).replace(second=0, microsecond=0)
    frame.locator("#new-deadline").fill(new_local.strftime("%Y-%m-%dT%H:%M"))
    frame.locator("#extend").click()
    frame.locator("#done-summary").wait_for()
    app.settle(jobs=WORKER_JOBS)
    moved = app.sandbox.rest("tasks.task.get", {"taskId": tasks[late]})["result"]["task"]
    assert datetime.fromisoformat(moved["deadline"]) > datetime.now(timezone.utc) + timedelta(days=9)

    # Export to Excel: a summary sheet and one row per copy.
    with browser_page.expect_download() as download_info:
        frame.locator("#export").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    with open(download.path(), "rb") as workbook:
        book = load_workbook(workbook)
    copies_sheet = book.worksheets[1]
    assert copies_sheet.max_row == 1 + len(managers)
    states = {row[3] for row in copies_sheet.iter_rows(min_row=2, values_only=True)}
    assert "выполнена" in states

    # Save as a template, then schedule it monthly on the 1st.
    frame.locator("#template-name").fill("Ценники ежемесячно")
    frame.locator("#save-template").click()
    row = frame.locator("#templates tr", has_text="Ценники ежемесячно")
    row.wait_for()
    row.locator("select[name=frequency]").select_option("monthly")
    row.locator("input[name=day]").fill("1")
    row.locator("input[name=local_time]").fill("09:30")
    row.get_by_role("button", name="Сохранить").click()
    schedule = frame.locator("#schedules tr").first
    schedule.wait_for()
    assert "09:30" in schedule.inner_text()

    # Back to the campaign from the list; recall, confirm, and the open copies close.
    frame.get_by_role("link", name="Веерные задачи").first.click()
    frame.locator("#campaigns").get_by_role("link", name=title).click()
    frame.locator("#recall").click()
    confirm = frame.locator("#recall-confirm")
    confirm.wait_for()
    open_copies = len(managers) - 1
    assert f"Отозвать {open_copies} открытых копий" in confirm.inner_text()
    frame.locator("#recall-yes").click()
    frame.locator("h1 .badge", has_text="отозвана").wait_for()
    app.settle(jobs=WORKER_JOBS)
    statuses = {r["responsibleId"]: r["status"] for r in app.sandbox.rest("tasks.task.list", {
        "filter": {"TITLE": title}, "select": ["ID", "RESPONSIBLE_ID", "STATUS"]})["result"]["tasks"]}
    assert set(statuses.values()) == {"5"}
    frame.get_by_role("button", name="Обновить из Битрикс24").click()
    frame.locator("tr[data-state='closed']").nth(open_copies - 1).wait_for()


def test_sender_sends_from_a_phone(portal_app: LiveApp, phone_page: Any,
                                   open_app: Callable[..., Any]) -> None:
    app = portal_app
    sender = office_sender(app)
    belarus, managers = country(app, "Беларусь")
    frame = open_app(phone_page, sender, MENU)
    compose(frame, "Инвентаризация (телефон)", belarus)
    assert frame.locator("#recipients tr").count() == 1 + len(managers)
    assert _fits(frame), "the preview scrolls sideways at phone width"
    send_and_watch(app, frame, len(managers))
    assert _fits(frame), "the campaign page scrolls sideways at phone width"
    frame.get_by_role("link", name="Шаблоны и расписания").click()
    frame.locator("#schedules").wait_for()
    assert _fits(frame)


def test_a_store_manager_cannot_open_the_fanout_pages(portal_app: LiveApp, browser_page: Any,
                                                       open_app: Callable[..., Any]) -> None:
    office_sender(portal_app)
    _, managers = country(portal_app, "Казахстан")
    frame = open_app(browser_page, managers[0], MENU)
    frame.get_by_text("Недостаточно прав").wait_for()
    assert frame.locator("#compose").count() == 0


def _fits(frame: Any) -> bool:
    width = frame.locator("body").evaluate(
        "b => [document.documentElement.scrollWidth, window.innerWidth]")
    return bool(width[0] <= width[1] + 1)
