"""The merchandising pages through the real Flask app: roles, settings, board, verdicts, upload."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from io import BytesIO
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from b24app.merch_photos import thumbnail_job, thumbnails
from b24app.merch_photos.calendar import IsoWeek
from b24app.merch_photos.models import MerchPool, MerchSettings, MerchWeekTask
from b24app.merch_photos.thumbnail_job import thumbnails_tick
from b24app.merch_photos.ticks import build_week
from b24app.page_auth import PageSession, PageTokens

from .conftest import MOSCOW, SPB, MerchEnv, jpeg

WEEK = IsoWeek(2026, 49)
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)


class Pages:
    def __init__(self, client: FlaskClient, env: MerchEnv, user_id: int, is_admin: bool = False) -> None:
        settings = env.services.settings
        tokens = PageTokens(settings.secret_key, settings.page_token_ttl_seconds, env.services.clock)
        self.client = client
        self.token = tokens.issue(PageSession(env.portal_id, user_id, is_admin, "ru"))
        self.csrf = tokens.csrf_token(self.token)

    def get(self, path: str, **query: Any) -> tuple[int, str]:
        answer = self.client.get(path, query_string={"t": self.token, **query})
        return answer.status_code, answer.get_data(as_text=True)

    def post(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> tuple[int, str]:
        form = {"t": self.token, "csrf": self.csrf, **(data or {})}
        answer = self.client.post(path, data=form, **kwargs)
        return answer.status_code, answer.headers.get("Location", answer.get_data(as_text=True))


@pytest.fixture
def client(merch_env: MerchEnv) -> FlaskClient:
    from app import create_app
    merch_env.services.clock.set(NOW)
    return create_app(merch_env.services.settings, merch_env.services).test_client()


def _no_download(url: str, session: Any = None) -> tuple[bytes, str]:
    raise AssertionError("a page request downloaded a photo")


def _built(env: MerchEnv) -> int:
    pool = env.make_pool([MOSCOW, SPB])
    env.set_clock(NOW)
    build_week(env.services, pool, WEEK, NOW)
    return pool


def test_settings_page_is_for_admins_and_saves_schedule_and_pools(merch_env: MerchEnv,
                                                                  client: FlaskClient) -> None:
    assert Pages(client, merch_env, merch_env.merchandiser).get("/app/merch/admin")[0] == 403
    admin = Pages(client, merch_env, 1, is_admin=True)
    status, html = admin.get("/app/merch/admin")
    assert status == 200 and "Москва" in html
    assert admin.post("/app/merch/admin", {"form": "settings", "project_name": "Фото",
                                           "photo_folder": "", "send_weekday": "1",
                                           "send_time": "08:30", "deadline_weekday": "4",
                                           "deadline_time": "19:00"})[0] == 303
    assert admin.post("/app/merch/admin", {"form": "settings", "project_name": "Фото",
                                           "send_weekday": "9", "send_time": "25:00",
                                           "deadline_weekday": "4", "deadline_time": "19:00"})[0] == 400
    assert admin.post("/app/merch/admin", {"form": "pool", "name": "Юг", "mode": "city",
                                           "merchandiser": str(merch_env.merchandiser),
                                           "cities": [str(MOSCOW)], "time_zone": "Europe/Moscow"})[0] == 303
    status, html = admin.post("/app/merch/admin", {"form": "pool", "name": "Юг-2", "mode": "selection",
                                                   "merchandiser": str(merch_env.merchandiser),
                                                   "stores": ["8"], "time_zone": "Europe/Moscow"})
    assert status == 400 and 'data-field="overlap"' in html       # store 8 is in "Юг" already
    assert admin.post("/app/merch/admin", {"form": "pool", "name": "Плохой", "mode": "city",
                                           "merchandiser": "5", "cities": [str(MOSCOW)],
                                           "time_zone": "Mars/Olympus"})[0] == 400
    with merch_env.session_factory() as session:
        settings = session.get(MerchSettings, merch_env.portal_id)
        assert settings is not None
        assert (settings.send_weekday, settings.send_time, settings.deadline_weekday) == (1, "08:30", 4)
        assert settings.group_id is not None                     # the project exists after setup
        assert [p.name for p in session.scalars(select(MerchPool))] == ["Юг"]
    assert [g.name for g in merch_env.sandbox.portal.groups.values()] == ["Фото"]


def test_board_shows_stores_and_only_the_pools_merchandiser_or_admin_sees_it(
        merch_env: MerchEnv, client: FlaskClient) -> None:
    pool = _built(merch_env)
    status, html = Pages(client, merch_env, merch_env.merchandiser).get("/app/merch/", pool=pool,
                                                                        week=WEEK.key)
    assert status == 200
    assert 'id="store-8"' in html and 'id="store-11"' in html
    other = Pages(client, merch_env, 2)                          # HR head, no pool
    assert other.get("/app/merch/", pool=pool, week=WEEK.key)[0] in (200, 403)
    assert "store-8" not in other.get("/app/merch/", pool=pool)[1]


def test_manager_uploads_several_photos_then_merchandiser_sees_thumbnails_and_accepts(
        merch_env: MerchEnv, client: FlaskClient) -> None:
    pool = _built(merch_env)
    manager = Pages(client, merch_env, merch_env.manager_of(8))
    status, html = manager.get("/app/merch/upload")
    assert status == 200 and 'multiple accept="image/*" capture' in html
    nonce = re.search(r'name="nonce" value="([^"]+)"', html)
    row_id = re.search(r'<option value="(\d+)"', html)
    assert nonce and row_id
    files = [(BytesIO(jpeg((i * 50, 10, 10))), f"IMG_{i}.jpg") for i in range(3)]
    status, location = manager.post("/app/merch/upload", {"task": row_id.group(1),
                                                           "nonce": nonce.group(1), "photos": files},
                                    content_type="multipart/form-data")
    assert status == 303 and "upload_done" in location
    merch = Pages(client, merch_env, merch_env.merchandiser)
    # The first visit lists the photos but downloads none: placeholders and a progress bar.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(thumbnails, "download", _no_download)
        patch.setattr(thumbnail_job, "download", _no_download)
        status, html = merch.get("/app/merch/", pool=pool, week=WEEK.key)
        assert status == 200
        assert not re.findall(r'src="/app/merch/thumb/', html)
        assert html.count('class="placeholder pending"') == 3
        assert 'id="thumbs-pending"' in html and "data-reload-when-done" in html
        progress = client.get("/app/merch/progress", query_string={"t": merch.token, "pool": pool,
                                                                   "week": WEEK.key}).get_json()
        assert progress["done"] == 0 and progress["total"] == 3 and progress["finished"] is False
    assert thumbnails_tick(merch_env.services, NOW) == 3
    progress = client.get("/app/merch/progress", query_string={"t": merch.token, "pool": pool,
                                                               "week": WEEK.key}).get_json()
    assert (progress["done"], progress["total"], progress["finished"]) == (3, 3, True)
    status, html = merch.get("/app/merch/", pool=pool, week=WEEK.key)
    thumbs = re.findall(r'src="(/app/merch/thumb/\d+\?t=[^"]+)"', html)
    assert len(thumbs) == 3 and 'id="thumbs-pending"' not in html
    answer = client.get(thumbs[0].replace("&amp;", "&"))
    assert answer.status_code == 200 and answer.mimetype == "image/jpeg"
    full = re.search(r'href="(/app/merch/photo/\d+)\?', html)
    assert full
    photo = client.get(full.group(1), query_string={"t": merch.token})
    assert photo.status_code == 200 and photo.data[:2] == b"\xff\xd8"
    other_manager = Pages(client, merch_env, merch_env.manager_of(11))
    assert client.get(full.group(1), query_string={"t": other_manager.token}).status_code == 404
    with merch_env.session_factory() as session:
        row = session.scalar(select(MerchWeekTask).where(MerchWeekTask.store_id == 8))
        assert row is not None
    form_nonce = re.search(r'name="nonce" value="([^"]+)"', html)
    assert form_nonce
    status, location = merch.post(f"/app/merch/verdict/{row.id}", {
        "action": "accept", "message": "", "nonce": form_nonce.group(1)})
    assert status == 303 and "done_accept" in location
    assert merch_env.sandbox.portal.tasks[int(row.task_id or 0)].status == 5
    status, location = merch.post(f"/app/merch/verdict/{row.id}", {
        "action": "fix", "message": "", "nonce": "another-nonce-1"})
    assert "error_message_required" in location
    assert Pages(client, merch_env, merch_env.manager_of(8)).post(
        f"/app/merch/verdict/{row.id}", {"action": "accept", "nonce": "x" * 12})[0] == 403
