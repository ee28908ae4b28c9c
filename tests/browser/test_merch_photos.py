"""Merchandising pages driven in Chromium through the sandbox portal UI, as their users do:
the admin sets up a pool, a store manager sends photos from a phone, the merchandiser reviews."""
from __future__ import annotations

import io
import uuid
from typing import Any, Callable

from PIL import Image

from tests.support.live import LiveApp

ADMIN_USER_ID = 1
MENU = "Мерчендайзинг"


def _jpeg(color: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), color).save(out, "JPEG")
    return out.getvalue()


def _moscow(portal_app: LiveApp) -> tuple[int, int, str]:
    """Return (store ID, manager ID, city name) of the first store with a manager."""
    from b24app.merch_photos.pools import city_of
    from b24app.org import queries as org
    with portal_app.services.session_factory() as session:
        for store in org.stores(session, portal_app.portal_id()):
            manager = org.store_manager(session, portal_app.portal_id(), store.b24_id)
            if manager is not None:
                return store.b24_id, manager, city_of(session, portal_app.portal_id(), store)[1]
    raise AssertionError("no store with a manager")


def test_admin_pool_then_phone_upload_then_merchandiser_review(
        portal_app: LiveApp, browser_page: Any, phone_page: Any,
        open_app: Callable[..., Any]) -> None:
    from b24app.merch_photos.calendar import current_week
    from b24app.merch_photos.models import MerchPool
    from b24app.merch_photos.ticks import build_week
    from sqlalchemy import select

    store_id, manager_id, city = _moscow(portal_app)
    merchandiser = ADMIN_USER_ID + 4 if manager_id != ADMIN_USER_ID + 4 else ADMIN_USER_ID + 5
    name = f"Пул {uuid.uuid4().hex[:6]}"

    # The admin creates a pool of one city for a merchandiser on the settings page.
    frame = open_app(browser_page, ADMIN_USER_ID, MENU)
    frame.get_by_role("link", name="Настройки").click()
    frame.get_by_label("Название пула").fill(name)
    frame.locator("#merchandiser").select_option(str(merchandiser))
    frame.locator("#cities").select_option(label=frame.locator("#cities option", has_text=city).first.inner_text())
    frame.locator("#pool-form").get_by_role("button", name="Сохранить").click()
    frame.locator("#message").wait_for()
    assert frame.locator("#pools", has_text=name).count() == 1
    with portal_app.services.session_factory() as session:
        pool = session.scalar(select(MerchPool).where(MerchPool.name == name))
        assert pool is not None
        pool_id, zone = pool.id, pool.time_zone
    now = portal_app.services.clock.now()
    assert build_week(portal_app.services, pool_id, current_week(now, zone), now).failed == 0

    # The store manager opens the app on a phone and sends two photos in one go.
    frame = open_app(phone_page, manager_id, MENU)
    frame.locator("#photos").set_input_files([
        {"name": "vitrina1.jpg", "mimeType": "image/jpeg", "buffer": _jpeg((200, 30, 30))},
        {"name": "vitrina2.jpg", "mimeType": "image/jpeg", "buffer": _jpeg((30, 200, 30))}])
    frame.get_by_role("button", name="Отправить фото").click()
    assert "Фото отправлены" in frame.locator("#message").inner_text()

    # The merchandiser sees the thumbnails, comments, then accepts.
    frame = open_app(browser_page, merchandiser, MENU)   # their only pool opens first
    assert frame.locator("#pool").input_value() == str(pool_id)
    section = frame.locator(f"#store-{store_id}")
    section.locator("img").first.wait_for()
    assert section.locator("img").count() == 2
    assert section.locator("img").first.evaluate("img => img.naturalWidth") > 0
    section.locator("textarea").fill("Поправьте ценники на витрине")
    section.get_by_role("button", name="Комментировать").click()
    assert "Комментарий отправлен" in frame.locator("#message").inner_text()
    frame.locator(f"#store-{store_id}").get_by_role("button", name="Принять").click()
    frame.locator(f'#store-{store_id}[data-status="accepted"]').wait_for()
    assert "Отчёт принят" in frame.locator("#message").inner_text()
