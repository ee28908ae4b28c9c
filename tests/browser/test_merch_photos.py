"""Merchandising pages driven in Chromium through the sandbox portal UI, as their users do:
the admin sets the schedule and a pool on the settings page; a store manager sends photos from
a phone; the merchandiser waits for the thumbnails, opens a photo, comments, asks for a fix and
accepts; a store with nothing by the deadline is red and listed as reminded."""
from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from typing import Any, Callable

from PIL import Image

from tests.support.live import LiveApp

ADMIN_USER_ID = 1
MENU = "Мерчендайзинг"
MERCH_DEPARTMENT = 3


@dataclass(frozen=True)
class Store:
    id: int
    manager: int
    city_id: int
    city: str


def _jpeg(color: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), color).save(out, "JPEG")
    return out.getvalue()


def _stores(portal_app: LiveApp) -> list[Store]:
    """Return one store with a manager per city (each test takes its own city)."""
    from b24app.merch_photos.pools import city_of
    from b24app.org import queries as org
    found: dict[int, Store] = {}
    portal_id = portal_app.portal_id()
    with portal_app.services.session_factory() as session:
        for store in org.stores(session, portal_id):
            manager = org.store_manager(session, portal_id, store.b24_id)
            city_id, city = city_of(session, portal_id, store)
            if manager is not None and city_id not in found:
                found[city_id] = Store(store.b24_id, manager, city_id, city)
    assert len(found) >= 3, "the seed needs three cities with managed stores"
    return sorted(found.values(), key=lambda s: s.id)


def _merchandiser(portal_app: LiveApp) -> int:
    from b24app.org.queries import department
    with portal_app.services.session_factory() as session:
        head = department(session, portal_app.portal_id(), MERCH_DEPARTMENT)
        assert head is not None and head.head_user_id is not None
        return int(head.head_user_id)


def _pool_with_week(portal_app: LiveApp, store: Store, merchandiser: int) -> tuple[int, Any]:
    """Create a pool of ``store``'s city and build its current week; return (pool, week task)."""
    from sqlalchemy import select

    from b24app.merch_photos.calendar import current_week
    from b24app.merch_photos.models import MODE_CITY, MerchWeekTask
    from b24app.merch_photos.pools import save_pool
    from b24app.merch_photos.ticks import build_week
    services = portal_app.services
    now = services.clock.now()
    with services.session_factory.begin() as session:
        pool_id = save_pool(session, portal_app.portal_id(), name=f"Пул {uuid.uuid4().hex[:6]}",
                            merchandiser_id=merchandiser, mode=MODE_CITY, ids=[store.city_id],
                            time_zone="Europe/Moscow", now=now).id
    week = current_week(now, "Europe/Moscow")
    assert build_week(services, pool_id, week, now).failed == 0
    with services.session_factory() as session:
        row = session.scalar(select(MerchWeekTask).where(MerchWeekTask.store_id == store.id,
                                                         MerchWeekTask.iso_week == week.key))
        assert row is not None
        return pool_id, row


def test_admin_sets_the_schedule_and_a_pool_with_a_time_zone_from_the_list(
        portal_app: LiveApp, browser_page: Any, open_app: Callable[..., Any]) -> None:
    from sqlalchemy import select

    from b24app.merch_photos.models import MerchPool, MerchSettings
    store = _stores(portal_app)[0]
    merchandiser = _merchandiser(portal_app)
    name = f"Пул {uuid.uuid4().hex[:6]}"
    frame = open_app(browser_page, ADMIN_USER_ID, MENU)
    frame.get_by_role("link", name="Настройки").click()

    settings = frame.locator("#settings-form")
    settings.locator("#send_weekday").select_option(label="Вторник")
    settings.locator("#send_time").fill("08:30")
    settings.locator("#deadline_weekday").select_option(label="Пятница")
    settings.locator("#deadline_time").fill("19:00")
    settings.get_by_role("button", name="Сохранить").click()
    assert "Сохранено" in frame.locator("#message").inner_text()

    pool_form = frame.locator("#pool-form")
    pool_form.get_by_label("Название пула").fill(name)
    pool_form.locator("#merchandiser").select_option(str(merchandiser))
    pool_form.get_by_role("button", name="Сохранить").click()          # no city chosen
    assert "Выберите хотя бы один город" in frame.locator("#errors").inner_text()
    pool_form = frame.locator("#pool-form")
    assert pool_form.get_by_label("Название пула").input_value() == name   # kept for a fix
    pool_form.locator("#cities").select_option(str(store.city_id))
    assert pool_form.locator("#time_zone").input_value() == "Europe/Moscow"
    pool_form.locator("#time_zone").select_option("Asia/Yekaterinburg")
    pool_form.get_by_role("button", name="Сохранить").click()
    frame.locator("#message").wait_for()
    row = frame.locator("#pools tr", has_text=name)
    assert "Asia/Yekaterinburg" in row.inner_text()

    # A zone that is not in the list (a forged form) is refused with a clear message.
    row.get_by_role("link", name="Изменить").click()
    frame.locator("#pool-form input[name=pool_id]").wait_for(state="attached")   # the edit page
    frame.locator("#time_zone").evaluate(
        "s => { const o = new Option('Mars/Olympus', 'Mars/Olympus', true, true); s.add(o); }")
    frame.locator("#pool-form").get_by_role("button", name="Сохранить").click()
    assert "Выберите часовой пояс из списка" in frame.locator("#errors").inner_text()
    with portal_app.services.session_factory() as session:
        pool = session.scalar(select(MerchPool).where(MerchPool.name == name))
        assert pool is not None and pool.time_zone == "Asia/Yekaterinburg"
        assert pool.city_ids == [store.city_id] and pool.merchandiser_id == merchandiser
        saved = session.get(MerchSettings, portal_app.portal_id())
        assert saved is not None
        assert (saved.send_weekday, saved.send_time, saved.deadline_weekday, saved.deadline_time) == (
            1, "08:30", 4, "19:00")
        pool.active = False               # leave the city free for other tests
        session.commit()


def test_manager_sends_photos_from_a_phone_and_the_merchandiser_reviews_them(
        portal_app: LiveApp, browser_page: Any, phone_page: Any,
        open_app: Callable[..., Any]) -> None:
    store = _stores(portal_app)[1]
    merchandiser = _merchandiser(portal_app)
    pool_id, week_task = _pool_with_week(portal_app, store, merchandiser)

    # The store manager opens the app on a phone and sends two photos in one go.
    frame = open_app(phone_page, store.manager, MENU)
    frame.locator("#photos").set_input_files([
        {"name": "vitrina1.jpg", "mimeType": "image/jpeg", "buffer": _jpeg((200, 30, 30))},
        {"name": "vitrina2.jpg", "mimeType": "image/jpeg", "buffer": _jpeg((30, 200, 30))}])
    frame.get_by_role("button", name="Отправить фото").click()
    assert "Фото отправлены" in frame.locator("#message").inner_text()

    # The merchandiser's board lists the photos at once; thumbnails are being prepared.
    frame = open_app(browser_page, merchandiser, MENU)
    frame.locator("#pool").select_option(str(pool_id))
    frame.get_by_role("button", name="Показать").click()
    section = frame.locator(f"#store-{store.id}")
    section.locator(".placeholder.pending").first.wait_for()          # the chosen pool's page
    assert section.locator(".placeholder.pending").count() == 2
    assert "Миниатюры готовятся" in frame.locator("#thumbs-pending").inner_text()
    assert portal_app.run_job("merch_photos_thumbnails") >= 2
    # The page notices through its progress bar and reloads itself.
    frame.locator(f"#store-{store.id} img").first.wait_for()
    section = frame.locator(f"#store-{store.id}")
    assert section.locator("img").count() == 2
    assert section.locator("img").first.evaluate("img => img.naturalWidth") > 0
    assert frame.locator("#thumbs-pending").count() == 0

    # A photo opens full size in a new tab.
    with browser_page.expect_popup() as opened:
        section.locator("a[target=_blank]").first.click()
    photo = opened.value
    photo.wait_for_load_state()
    assert photo.evaluate("document.contentType") == "image/jpeg"
    photo.close()

    section.locator("textarea").fill("Поправьте ценники на витрине")
    section.get_by_role("button", name="Комментировать").click()
    assert "Комментарий отправлен" in frame.locator("#message").inner_text()
    section = frame.locator(f"#store-{store.id}")
    section.locator("textarea").fill("Нет фото входной группы")
    section.get_by_role("button", name="На доработку").click()
    frame.locator(f'#store-{store.id}[data-status="needs_fix"]').wait_for()
    frame.locator(f"#store-{store.id}").get_by_role("button", name="Принять").click()
    frame.locator(f'#store-{store.id}[data-status="accepted"]').wait_for()
    assert "Отчёт принят" in frame.locator("#message").inner_text()

    # The manager sees the merchandiser's comments on the task in the portal.
    browser_page.goto(f"{portal_app.sandbox.base_url}/ui/u/{store.manager}/tasks/{week_task.task_id}")
    text = browser_page.locator("body").inner_text()
    assert "Поправьте ценники на витрине" in text and "Нет фото входной группы" in text
    task = portal_app.sandbox.rest("tasks.task.get", {"taskId": week_task.task_id})["result"]["task"]
    assert task["status"] == "5"


def test_a_store_without_photos_at_the_deadline_is_red_and_listed_as_reminded(
        portal_app: LiveApp, browser_page: Any, open_app: Callable[..., Any]) -> None:
    from b24app.merch_photos.pools import get_settings
    from b24app.merch_photos.reminders import reminder_tick
    store = _stores(portal_app)[2]
    merchandiser = _merchandiser(portal_app)
    with portal_app.services.session_factory.begin() as session:
        settings = get_settings(session, portal_app.portal_id())
        # Out on Monday 00:00, due Monday 00:00 local: this week's deadline has passed.
        settings.send_weekday, settings.send_time = 0, "00:00"
        settings.deadline_weekday, settings.deadline_time = 0, "00:00"
    pool_id, week_task = _pool_with_week(portal_app, store, merchandiser)
    assert reminder_tick(portal_app.services, portal_app.services.clock.now()) >= 1

    frame = open_app(browser_page, merchandiser, MENU)
    frame.locator("#pool").select_option(str(pool_id))
    frame.get_by_role("button", name="Показать").click()
    section = frame.locator(f"#store-{store.id}")
    section.wait_for()                                                 # the chosen pool's page
    assert "red" in (section.get_attribute("class") or "")
    assert "Нет фото к сроку: 1" in frame.locator("#red-count").inner_text()
    assert "Отправлено напоминание" in section.inner_text()
    assert frame.locator("#reminded").count() == 1
    browser_page.goto(f"{portal_app.sandbox.base_url}/ui/u/{store.manager}/tasks/{week_task.task_id}")
    assert "Напоминание" in browser_page.locator("body").inner_text()
