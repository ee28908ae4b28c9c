"""Page auth over real HTTP: the sandbox's placement POST, page tokens, roles, CSRF, bad input."""
from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from sqlalchemy import select

from b24app.install_models import PortalSetup
from b24app.models import Portal
from b24app.org.models import OrgSettings
from tests.support.live import LiveApp


def admin_id(live: LiveApp) -> int:
    with live.services.session_factory() as session:
        installer = session.scalar(select(Portal.installed_by))
        assert installer is not None
        return int(installer)


def seller_id(live: LiveApp) -> int:
    users = live.sandbox.rest("user.get", {"filter": {"WORK_POSITION": "Продавец-консультант",
                                                      "ACTIVE": True}})["result"]
    return int(users[0]["ID"])


def open_page(live: LiveApp, path: str, user_id: int, **overrides: str) -> requests.Response:
    """POST the sandbox's placement fields for ``user_id`` to ``path``, as the iframe does."""
    action, fields = live.placement_form(user_id)
    query = urlsplit(action).query
    fields.update(overrides)
    return requests.post(f"{live.url}{path}?{query}", data=fields, allow_redirects=False, timeout=10)


def token_of(answer: requests.Response) -> str:
    assert answer.status_code == 303, answer.text[:300]
    return parse_qs(urlsplit(answer.headers["Location"]).query)["t"][0]


def csrf_of(page: requests.Response) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
    assert found, "the page has no form with a CSRF field"
    return found.group(1)


def test_the_admin_opens_the_admin_page_and_sees_the_stores(installed: LiveApp) -> None:
    token = token_of(open_page(installed, "/app/admin", admin_id(installed)))
    page = requests.get(f"{installed.url}/app/admin", params={"t": token}, timeout=10)
    assert page.status_code == 200
    stores = installed.sandbox.rest("department.get", {})["result"]
    assert sum(1 for d in stores if d["NAME"] in page.text) >= 3


def test_a_bad_auth_id_a_wrong_member_id_or_token_get_401_pages(installed: LiveApp) -> None:
    admin = admin_id(installed)
    for override in ({"AUTH_ID": "forged-auth-id"}, {"member_id": "another-portal"},
                     {"APPLICATION_TOKEN": "0" * 32}):
        answer = open_page(installed, "/app/admin", admin, **override)
        assert answer.status_code == 401, override
        assert "text/html" in answer.headers["Content-Type"] and "Traceback" not in answer.text


def test_an_expired_or_forged_page_token_gets_401(installed: LiveApp) -> None:
    token = token_of(open_page(installed, "/app/admin", admin_id(installed)))
    url = f"{installed.url}/app/admin"
    assert requests.get(url, params={"t": token}, timeout=10).status_code == 200
    assert requests.get(url, params={"t": token[:-3] + "abc"}, timeout=10).status_code == 401
    assert requests.get(url, timeout=10).status_code == 401
    clock = installed.services.clock
    clock.set(clock.now() + timedelta(seconds=installed.services.settings.page_token_ttl_seconds + 1))
    expired = requests.get(url, params={"t": token}, timeout=10)
    assert expired.status_code == 401 and "Traceback" not in expired.text


def test_a_user_outside_the_role_gets_403_and_changes_nothing(installed: LiveApp) -> None:
    seller = seller_id(installed)
    token = token_of(open_page(installed, "/app/admin", seller))
    assert requests.get(f"{installed.url}/app/admin", params={"t": token}, timeout=10).status_code == 403
    admin_token = token_of(open_page(installed, "/app/admin", admin_id(installed)))
    admin_page = requests.get(f"{installed.url}/app/admin", params={"t": admin_token}, timeout=10)
    # Even with a CSRF value lifted from the admin's page, the seller's own token is what counts.
    answer = requests.post(f"{installed.url}/app/admin/org-sync",
                           data={"t": token, "csrf": csrf_of(admin_page)}, timeout=10)
    assert answer.status_code == 403
    with installed.services.session_factory() as session:
        org = session.get(OrgSettings, installed.portal_id())
        assert org is not None and org.sync_requested_at is None


def test_state_changing_forms_need_csrf_and_a_friendly_origin(installed: LiveApp) -> None:
    token = token_of(open_page(installed, "/app/admin", admin_id(installed)))
    page = requests.get(f"{installed.url}/app/admin", params={"t": token}, timeout=10)
    url = f"{installed.url}/app/admin/org-sync"
    assert requests.post(url, data={"t": token}, timeout=10).status_code == 403
    assert requests.post(url, data={"t": token, "csrf": csrf_of(page)},
                         headers={"Origin": "https://evil.example"}, timeout=10).status_code == 403
    with installed.services.session_factory() as session:
        org = session.get(OrgSettings, installed.portal_id())
        assert org is not None and org.sync_requested_at is None
    ok = requests.post(url, data={"t": token, "csrf": csrf_of(page)},
                       headers={"Origin": installed.sandbox.base_url}, allow_redirects=False, timeout=10)
    assert ok.status_code == 303
    with installed.services.session_factory() as session:
        org = session.get(OrgSettings, installed.portal_id())
        assert org is not None and org.sync_requested_at is not None


def test_bad_page_input_gets_a_clear_error_and_changes_nothing(installed: LiveApp) -> None:
    token = token_of(open_page(installed, "/app/admin", admin_id(installed)))
    page = requests.get(f"{installed.url}/app/admin", params={"t": token}, timeout=10)
    csrf = csrf_of(page)
    unknown = requests.post(f"{installed.url}/app/admin/parked/999999/retry",
                            data={"t": token, "csrf": csrf}, timeout=10)
    assert unknown.status_code == 404 and "Traceback" not in unknown.text
    not_a_number = requests.post(f"{installed.url}/app/admin/parked/abc/retry",
                                 data={"t": token, "csrf": csrf}, timeout=10)
    assert not_a_number.status_code == 404
    half_placement = open_page(installed, "/app/admin", admin_id(installed), AUTH_ID="")
    assert half_placement.status_code in (400, 401) and "Traceback" not in half_placement.text


def test_bad_install_posts_get_a_clear_400_and_store_nothing(make_live: Any) -> None:
    live = make_live()
    for body in ({}, {"event": "ONAPPINSTALL"}, {"event": "ONAPPINSTALL", "auth[member_id]": "m"},
                 {"AUTH_ID": "x", "PLACEMENT": "DEFAULT"}):
        answer = requests.post(f"{live.url}/install", data=body, timeout=10)
        assert answer.status_code == 400, (body, answer.status_code, answer.text[:200])
        assert "Traceback" not in answer.text
    with live.services.session_factory() as session:
        assert session.scalars(select(Portal)).all() == []
        assert session.scalars(select(PortalSetup)).all() == []
