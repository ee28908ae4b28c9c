"""The fan-out pages through the real Flask app: roles, compose → preview → send → track."""
from __future__ import annotations

import re
from io import BytesIO

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from b24app import workqueue
from b24app.page_auth import PageSession, PageTokens
from b24app.position_fanout.models import FanoutCampaign
from b24app.position_fanout.send import dispatch

from .conftest import FanoutEnv

MANAGER_KEY = "управляющий магазином"


class Pages:
    def __init__(self, client: FlaskClient, env: FanoutEnv, user_id: int, is_admin: bool) -> None:
        settings = env.services.settings
        tokens = PageTokens(settings.secret_key, settings.page_token_ttl_seconds, env.services.clock)
        self.client = client
        self.token = tokens.issue(PageSession(env.portal_id, user_id, is_admin, "ru"))
        self.csrf = tokens.csrf_token(self.token)

    def get(self, path: str) -> tuple[int, str]:
        answer = self.client.get(path, query_string={"t": self.token})
        return answer.status_code, answer.get_data(as_text=True)

    def post(self, path: str, data: dict[str, object] | None = None) -> tuple[int, str]:
        form = {"t": self.token, "csrf": self.csrf, **(data or {})}
        answer = self.client.post(path, data=form)
        return answer.status_code, answer.headers.get("Location", answer.get_data(as_text=True))


@pytest.fixture
def client(fanout_env: FanoutEnv) -> FlaskClient:
    try:
        from app import create_app
        return create_app(fanout_env.services.settings, fanout_env.services).test_client()
    except ImportError:
        # While app.py cannot be imported (the CLI registry is mid-change), wire it by hand
        # exactly as create_app does.
        from flask import Flask
        from handlers import register_blueprints
        from handlers.errors import register_error_handlers
        from handlers.templating import register_templating
        from .conftest import ROOT
        app = Flask("app", template_folder=f"{ROOT}/templates")
        app.extensions["b24app"] = fanout_env.services
        register_templating(app)
        register_blueprints(app)
        register_error_handlers(app)
        return app.test_client()


def test_user_outside_sender_roles_gets_403_on_every_page(fanout_env: FanoutEnv,
                                                           client: FlaskClient) -> None:
    store_clerk = next(u.id for u in fanout_env.sandbox.portal.users.values()
                       if u.work_position.strip().lower() == "кассир")
    pages = Pages(client, fanout_env, store_clerk, is_admin=False)
    for path in ("/app/fanout/", "/app/fanout/new", "/app/fanout/templates"):
        assert pages.get(path)[0] == 403
    assert pages.post("/app/fanout/new", {"title": "x"})[0] == 403


def test_admin_composes_previews_sends_tracks_and_exports(
        fanout_env: FanoutEnv, client: FlaskClient, session_factory: sessionmaker[Session]) -> None:
    env = fanout_env
    pages = Pages(client, env, 1, is_admin=True)
    status, body = pages.get("/app/fanout/new")
    assert status == 200 and MANAGER_KEY in body
    status, _ = pages.post("/app/fanout/new", {"title": ""})
    assert status == 400
    status, location = pages.post("/app/fanout/new", {
        "title": "Проверка витрин", "deadline_mode": "days", "deadline_days": "2",
        "priority": "1", "checklist": "Витрина", "position": MANAGER_KEY, "department": "1"})
    assert status == 303 and "/preview" in location
    campaign_id = int(re.search(r"/app/fanout/(\d+)/preview", location).group(1))  # type: ignore[union-attr]
    status, body = pages.get(f"/app/fanout/{campaign_id}/preview")
    assert status == 200 and "задач для" in body
    status, _ = pages.post(f"/app/fanout/{campaign_id}/send")
    assert status == 303
    dispatch(env.services, campaign_id, env.services.clock.now())
    workqueue.run_once(env.services, env.services.clock.now())
    progress = client.get(f"/app/fanout/{campaign_id}/progress", query_string={"t": pages.token}).get_json()
    assert progress["finished"] and progress["done"] == progress["total"] > 0
    assert pages.post(f"/app/fanout/{campaign_id}/refresh")[0] == 303
    status, body = pages.get(f"/app/fanout/{campaign_id}")
    assert status == 200 and 'data-state="open"' in body
    status, location = pages.post(f"/app/fanout/{campaign_id}/recall")
    assert "confirm=recall" in location            # first a confirmation step
    with session_factory() as session:
        campaign = session.get(FanoutCampaign, campaign_id)
        assert campaign is not None and campaign.status != "recalled"   # not without a confirmation
    answer = client.get(f"/app/fanout/{campaign_id}/export.xlsx", query_string={"t": pages.token})
    book = load_workbook(BytesIO(answer.data))
    assert book.worksheets[1].max_row == progress["total"] + 1
    assert pages.post(f"/app/fanout/{campaign_id}/template", {"name": "Витрины"})[0] == 303
    status, body = pages.get("/app/fanout/templates")
    assert status == 200 and "Витрины" in body
