"""Page auth inside the portal iframe: placement POST → whoami → page token; roles; CSRF."""
from __future__ import annotations

from datetime import timedelta
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Blueprint, Flask, current_app, g
from flask.testing import FlaskClient
from sqlalchemy import select

from b24app.models import Portal
from handlers.auth import page, page_tokens

from .conftest import LiveApp

probe = Blueprint("probe", __name__)


@probe.route("/app/probe/any", methods=["GET", "POST"])
@page()
def any_user() -> str:
    return f"user={g.caller.user_id} roles={','.join(sorted(g.caller.roles))}"


@probe.route("/app/probe/admin", methods=["GET", "POST"])
@page(roles={"admin"})
def admin_only() -> str:
    return "admin page"


@probe.route("/app/probe/change", methods=["POST"])
@page()
def change() -> str:
    current_app.extensions["probe_changes"].append(g.caller.user_id)
    return "changed"


def add_probe(app: Flask) -> None:
    app.register_blueprint(probe)
    app.extensions["probe_changes"] = []


@pytest.fixture
def installed(make_live_app: Callable[..., LiveApp]) -> LiveApp:
    live_app = make_live_app(configure=add_probe)
    live_app.install()
    return live_app


def admin_id(live_app: LiveApp) -> int:
    with live_app.services.session_factory() as session:
        installer = session.scalar(select(Portal.installed_by))
        assert installer is not None
        return installer


def seller_id(live_app: LiveApp) -> int:
    users = live_app.sandbox.rest("user.get", {"filter": {"WORK_POSITION": "Продавец-консультант",
                                                          "ACTIVE": True}})["result"]
    return int(users[0]["ID"])


def open_page(live_app: LiveApp, path: str, user_id: int, **overrides: str) -> Any:
    """POST the sandbox's placement fields for ``user_id`` to ``path`` (as the iframe would)."""
    _, query, fields = live_app.placement_post(user_id, "DEFAULT")
    fields.update(overrides)
    return live_app.http().post(f"{path}?{query}", data=fields)


def token_of(answer: Any) -> str:
    assert answer.status_code == 303, answer.get_data(as_text=True)[:300]
    return parse_qs(urlsplit(answer.headers["Location"]).query)["t"][0]


def test_a_placement_post_opens_a_page_session_carried_by_a_token(installed: LiveApp) -> None:
    answer = open_page(installed, "/app/probe/any", admin_id(installed))
    token = token_of(answer)
    assert urlsplit(answer.headers["Location"]).path == "/app/probe/any"
    page_answer = installed.http().get(f"/app/probe/any?t={token}")
    assert page_answer.status_code == 200
    assert page_answer.get_data(as_text=True).startswith(f"user={admin_id(installed)} roles=admin")
    assert "X-Frame-Options" not in page_answer.headers
    assert installed.sandbox.base_url in page_answer.headers["Content-Security-Policy"]
    assert page_answer.headers["Content-Security-Policy"].startswith("frame-ancestors")


def test_the_main_page_opens_through_the_sandbox(installed: LiveApp) -> None:
    path, query, fields = installed.placement_post(admin_id(installed), "DEFAULT")
    assert path == "/app/"
    home = installed.http().get(installed.http().post(f"{path}?{query}", data=fields).headers["Location"])
    assert home.status_code == 200 and "/app/store-opening?t=" in home.get_data(as_text=True)


def test_placement_options_reach_the_page(installed: LiveApp) -> None:
    _, query, fields = installed.placement_post(admin_id(installed), "DEFAULT", options={"taskId": "31"})
    answer = installed.http().post(f"/app/probe/any?{query}", data=fields)
    assert parse_qs(urlsplit(answer.headers["Location"]).query)["taskId"] == ["31"]


def test_an_auth_id_the_portal_rejects_gives_a_401_page(installed: LiveApp) -> None:
    answer = open_page(installed, "/app/probe/any", admin_id(installed), AUTH_ID="forged-auth-id")
    assert answer.status_code == 401
    body = answer.get_data(as_text=True)
    assert "Откройте приложение заново из Битрикс24" in body and "Traceback" not in body


def test_a_wrong_member_id_or_application_token_gives_401(installed: LiveApp) -> None:
    assert open_page(installed, "/app/probe/any", admin_id(installed), member_id="other").status_code == 401
    assert open_page(installed, "/app/probe/any", admin_id(installed),
                     APPLICATION_TOKEN="0" * 32).status_code == 401


def test_an_expired_or_forged_page_token_gives_401(installed: LiveApp) -> None:
    token = token_of(open_page(installed, "/app/probe/any", admin_id(installed)))
    client = installed.http()
    assert client.get(f"/app/probe/any?t={token[:-2]}xx").status_code == 401
    assert client.get("/app/probe/any").status_code == 401
    ttl = installed.services.settings.page_token_ttl_seconds
    installed.clock.set(installed.clock.now() + timedelta(seconds=ttl - 5))
    assert client.get(f"/app/probe/any?t={token}").status_code == 200
    installed.clock.set(installed.clock.now() + timedelta(seconds=10))
    expired = client.get(f"/app/probe/any?t={token}")
    assert expired.status_code == 401 and "Traceback" not in expired.get_data(as_text=True)


def test_a_user_outside_the_role_gets_403(installed: LiveApp) -> None:
    seller = token_of(open_page(installed, "/app/probe/admin", seller_id(installed)))
    assert installed.http().get(f"/app/probe/admin?t={seller}").status_code == 403
    admin = token_of(open_page(installed, "/app/probe/admin", admin_id(installed)))
    assert installed.http().get(f"/app/probe/admin?t={admin}").status_code == 200


def test_forms_need_the_csrf_token_and_a_friendly_origin(installed: LiveApp) -> None:
    token = token_of(open_page(installed, "/app/probe/any", seller_id(installed)))
    client: FlaskClient = installed.http()
    with installed.app.test_request_context():
        csrf = page_tokens().csrf_token(token)
    changes = installed.app.extensions["probe_changes"]
    assert client.post("/app/probe/change", data={"t": token}).status_code == 403
    assert client.post("/app/probe/change", data={"t": token, "csrf": "f" * 64}).status_code == 403
    assert client.post("/app/probe/change", data={"t": token, "csrf": csrf},
                       headers={"Origin": "https://evil.example"}).status_code == 403
    assert changes == []
    ok = client.post("/app/probe/change", data={"t": token, "csrf": csrf},
                     headers={"Origin": installed.sandbox.base_url})
    assert ok.status_code == 200 and changes == [seller_id(installed)]


def test_pages_of_an_uninstalled_portal_close(installed: LiveApp) -> None:
    token = token_of(open_page(installed, "/app/probe/any", admin_id(installed)))
    with installed.services.session_factory.begin() as session:
        portal = session.scalars(select(Portal)).one()
        portal.status = "uninstalled"
    assert installed.http().get(f"/app/probe/any?t={token}").status_code == 401
