"""The store opening pages through the real Flask app: roles, templates, schedules, dashboard."""
from __future__ import annotations

import io
from datetime import datetime, timezone
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict
from openpyxl import load_workbook
from sqlalchemy import select

from b24app.page_auth import PageSession, PageTokens
from b24app.store_opening.models import ChecklistTemplate, StoreSchedule
from b24app.store_opening.ticks import generate_tick

from .conftest import Env
from .test_excel_and_cli import workbook

ROOT = Path(__file__).resolve().parents[3]


class Pages:
    """A signed-in page user: every request carries the page token (and CSRF on POST)."""

    def __init__(self, client: FlaskClient, env: Env, user_id: int, is_admin: bool) -> None:
        settings = env.services.settings
        tokens = PageTokens(settings.secret_key, settings.page_token_ttl_seconds, env.services.clock)
        self.client = client
        self.token = tokens.issue(PageSession(env.portal_id, user_id, is_admin, "ru"))
        self.csrf = tokens.csrf_token(self.token)

    def get(self, path: str, **query: object) -> tuple[int, str]:
        answer = self.client.get(path, query_string={"t": self.token, **query})
        return answer.status_code, answer.get_data(as_text=True)

    def raw(self, path: str) -> bytes:
        return self.client.get(path, query_string={"t": self.token}).get_data()

    def post(self, path: str, data: object) -> tuple[int, str]:
        form = [("t", self.token), ("csrf", self.csrf)] + list(
            data.items() if isinstance(data, dict) else data)   # type: ignore[attr-defined]
        answer = self.client.post(path, data=MultiDict(form))
        return answer.status_code, answer.headers.get("Location", answer.get_data(as_text=True))


@pytest.fixture
def client(env: Env) -> FlaskClient:
    from flask import Flask

    from handlers import register_blueprints
    from handlers.errors import register_error_handlers
    from handlers.templating import register_templating
    app = Flask("app", template_folder=str(ROOT / "templates"))
    app.config.update(SECRET_KEY="x")
    app.extensions["b24app"] = env.services
    register_templating(app)
    register_blueprints(app)
    register_error_handlers(app)
    return app.test_client()


def test_admin_pages_need_the_admin_role(env: Env, client: FlaskClient) -> None:
    manager = Pages(client, env, 110, is_admin=False)
    for path in ("/app/store-opening/templates", "/app/store-opening/schedules",
                 "/app/store-opening/schedules.xlsx"):
        assert manager.get(path)[0] == 403
    seller = Pages(client, env, 113, is_admin=False)
    assert seller.get("/app/store-opening/")[0] == 403
    assert manager.get("/app/store-opening/")[0] == 200


def test_template_created_with_reordered_items_and_flags(env: Env, client: FlaskClient) -> None:
    admin = Pages(client, env, 1, is_admin=True)
    status, location = admin.post("/app/store-opening/templates", [
        ("name", "Утро"), ("item_uid", "2"), ("title_2", "Второй"), ("photo_2", "on"),
        ("item_uid", "1"), ("title_1", "Первый"), ("important_1", "on")])
    assert status == 303, location
    with env.session() as session:
        template = session.scalar(select(ChecklistTemplate).where(ChecklistTemplate.name == "Утро"))
    assert template is not None
    assert template.items == [{"title": "Второй", "important": False, "photo": True},
                              {"title": "Первый", "important": True, "photo": False}]
    status, body = admin.get(f"/app/store-opening/templates/{template.id}")
    assert status == 200 and 'value="Второй"' in body
    status, body = admin.post("/app/store-opening/templates", [("name", "Пустой")])
    assert status == 200 and "нет ни одного пункта" in body


def test_bulk_edit_by_city_and_by_selection(env: Env, client: FlaskClient) -> None:
    admin = Pages(client, env, 1, is_admin=True)
    status, body = admin.get("/app/store-opening/schedules", city="Москва")
    assert status == 200 and 'data-store="13"' not in body and 'data-store="10"' in body
    status, body = admin.post("/app/store-opening/schedules", {
        "city": "Москва", "target": "area", "create_at": "07:00", "deadline": "09:00"})
    assert status == 200 and 'id="applied"' in body
    with env.session() as session:
        times = {s.store_id: s.create_at for s in session.scalars(select(StoreSchedule))}
    assert times == {10: "07:00", 11: "07:00", 12: "07:00", 13: "08:00"}
    status, body = admin.post("/app/store-opening/schedules", [
        ("target", "selection"), ("store", "13"), ("enabled", "off")])
    assert status == 200
    with env.session() as session:
        assert session.get(StoreSchedule, (env.portal_id, 13)).enabled is False  # type: ignore[union-attr]


def test_excel_download_and_rejected_upload(env: Env, client: FlaskClient) -> None:
    admin = Pages(client, env, 1, is_admin=True)
    data = admin.raw("/app/store-opening/schedules.xlsx")
    assert len(list(load_workbook(io.BytesIO(data)).worksheets[0].iter_rows())) == 6
    bad = workbook([[10, "", "", "", "", "", "yes", "Открытие", "daily", "", "10:00", "09:00", ""]])
    answer = client.post("/app/store-opening/schedules/upload", data={
        "t": admin.token, "csrf": admin.csrf, "file": (io.BytesIO(bad), "s.xlsx")},
        content_type="multipart/form-data")
    body = answer.get_data(as_text=True)
    assert answer.status_code == 200 and 'id="upload-errors"' in body
    assert "Срок должен быть позже" in body


def test_dashboard_shows_the_subtree_and_exports_it(env: Env, client: FlaskClient) -> None:
    now = datetime(2026, 12, 4, 5, 0, tzinfo=timezone.utc)
    env.set_now(now)
    generate_tick(env.services, now)
    env.run_queue()
    city_head = Pages(client, env, 103, is_admin=False)
    status, body = city_head.get("/app/store-opening/")
    assert status == 200
    assert 'data-store="10"' in body and 'data-store="13"' not in body
    assert 'data-status="not_created"' in body                        # store 12: no manager
    export = load_workbook(io.BytesIO(city_head.raw("/app/store-opening/export.xlsx")))
    assert len(list(export.worksheets[0].iter_rows())) == 1 + 3
