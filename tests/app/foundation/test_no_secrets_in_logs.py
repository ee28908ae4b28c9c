"""No access token, refresh token, AUTH_ID, application token or webhook code reaches a log.

The app runs at DEBUG through a whole life: install, binding and org sync, an event delivered
by the portal and processed, a page opened from a placement POST, a token refresh, and calls
(good and failing) through a webhook. Every log record of every thread is searched.
"""
from __future__ import annotations

import logging
import time
from typing import Callable
from urllib.parse import urlsplit

import pytest
import requests
from sqlalchemy import func, select

from b24app.bitrix.errors import B24Error
from b24app.models import InboundEvent, Portal
from tests.support.live import LiveApp


def portal_secrets(live: LiveApp) -> set[str]:
    with live.services.session_factory() as session:
        portal = session.scalars(select(Portal).where(Portal.auth_kind == "oauth")).one()
        return {portal.access_token, portal.refresh_token, portal.application_token}


def everything_logged(records: list[logging.LogRecord]) -> str:
    formatter = logging.Formatter("%(name)s %(message)s")
    return "\n".join(formatter.format(record) + repr(record.args) for record in records)


def test_no_token_or_code_is_ever_logged(make_live: Callable[..., LiveApp],
                                         caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    live = make_live()
    secrets: set[str] = {live.services.settings.client_secret}
    live.install()
    secrets |= portal_secrets(live)
    live.settle()

    # An event the portal delivers (with its own access token in the auth block), processed.
    created = live.sandbox.rest("tasks.task.add", {"fields": {"TITLE": "Журнал", "RESPONSIBLE_ID": 1}})
    task_id = str(created["result"]["task"]["id"])
    deadline = time.monotonic() + 10
    while True:
        with live.services.session_factory() as session:
            if session.scalar(select(func.count()).select_from(InboundEvent).where(
                    InboundEvent.object_id == task_id)):
                break
        assert time.monotonic() < deadline, "no event arrived"
        time.sleep(0.05)
    live.run_job("events_inbox")

    # A page opened from the portal, with AUTH_ID and REFRESH_ID in the placement POST.
    action, fields = live.placement_form(1)
    secrets |= {fields["AUTH_ID"], fields.get("REFRESH_ID", "")}
    opened = requests.post(f"{live.url}/app/admin?{urlsplit(action).query}", data=fields, timeout=10)
    assert opened.status_code == 200
    forged = dict(fields, AUTH_ID="forged-" + fields["AUTH_ID"][::-1])
    secrets.add(forged["AUTH_ID"])
    assert requests.post(f"{live.url}/app/admin?{urlsplit(action).query}", data=forged,
                         timeout=10).status_code == 401

    # A refresh: the stored tokens expire, the next call rotates them.
    requests.post(live.sandbox.control("tokens/expire"), json={}, timeout=5).raise_for_status()
    live.services.bitrix.for_portal(live.portal_id()).call("user.current")
    secrets |= portal_secrets(live)

    # A webhook portal: a good call, a failing call, and an unreachable host.
    webhook = live.sandbox.webhook(1)
    secrets.add(urlsplit(webhook).path.rstrip("/").rsplit("/", 1)[-1])
    now = live.services.clock.now()
    with live.services.session_factory.begin() as session:
        hook_portal = Portal(member_id="webhook-member", domain="hook.example", auth_kind="webhook",
                             webhook_url=webhook, status="active", installed_at=now, updated_at=now)
        session.add(hook_portal)
        session.flush()
        hook_portal_id = hook_portal.id
    client = live.services.bitrix.for_portal(hook_portal_id)
    assert client.call("user.current")["ID"] == "1"
    with pytest.raises(B24Error):
        client.call("no.such.method")

    secrets.discard("")
    assert len(secrets) >= 8
    text = everything_logged(caplog.records)
    assert any(r.threadName != "MainThread" for r in caplog.records), "the server's records are missing"
    leaked = sorted(secret for secret in secrets if secret in text)
    assert leaked == [], f"{len(leaked)} secret(s) found in the logs"
