"""POST /events: verify the caller, store once without tokens, answer 200 at once."""
from __future__ import annotations

import logging
import time
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from b24app.models import InboundEvent, Portal
from b24app.workqueue import enqueue
from b24app.workqueue.models import WorkItem

from .conftest import APPLICATION_TOKEN, MEMBER_ID, LiveApp

ACCESS = "access-token-that-must-not-leak"
REFRESH = "refresh-token-that-must-not-leak"


def delivery(event: str = "ONTASKUPDATE", task_id: str = "31", *, member_id: str = MEMBER_ID,
             token: str = APPLICATION_TOKEN, ts: str = "1764828000", handler_id: str = "7") -> dict[str, Any]:
    """A form body shaped like Bitrix24's event POST (rest-facts §9 "Delivery payload")."""
    return {
        "event": event, "event_handler_id": handler_id,
        "data[FIELDS_BEFORE][ID]": task_id, "data[FIELDS_AFTER][ID]": task_id,
        "data[IS_ACCESSIBLE_BEFORE]": "undefined", "data[IS_ACCESSIBLE_AFTER]": "undefined",
        "ts": ts,
        "auth[access_token]": ACCESS, "auth[refresh_token]": REFRESH, "auth[expires_in]": "3600",
        "auth[domain]": "edge.bitrix24.ru", "auth[member_id]": member_id, "auth[user_id]": "1",
        "auth[client_endpoint]": "https://edge.bitrix24.ru/rest/", "auth[application_token]": token,
    }


def stored(session_factory: sessionmaker[Session]) -> list[InboundEvent]:
    with session_factory() as session:
        return list(session.scalars(select(InboundEvent).order_by(InboundEvent.id)))


def test_a_verified_event_is_stored_and_acknowledged(app_client: FlaskClient, known_portal: int,
                                                     session_factory: sessionmaker[Session]) -> None:
    answer = app_client.post("/events", data=delivery())
    assert answer.status_code == 200
    assert answer.get_json() == {"ok": True, "stored": True}
    rows = stored(session_factory)
    assert [(r.portal_id, r.event, r.object_id, r.status, r.user_id) for r in rows] == [
        (known_portal, "ONTASKUPDATE", "31", "pending", 1)]


def test_a_forged_application_token_is_refused_and_nothing_is_stored(
        app_client: FlaskClient, known_portal: int, session_factory: sessionmaker[Session]) -> None:
    answer = app_client.post("/events", data=delivery(token="b" * 32))
    assert answer.status_code == 401
    assert answer.get_json()["error"] == "UNAUTHORIZED"
    assert stored(session_factory) == []


def test_an_unknown_member_id_is_refused(app_client: FlaskClient, known_portal: int,
                                         session_factory: sessionmaker[Session]) -> None:
    answer = app_client.post("/events", data=delivery(member_id="someone-else"))
    assert answer.status_code == 401
    assert stored(session_factory) == []


def test_a_missing_token_is_refused(app_client: FlaskClient, known_portal: int,
                                    session_factory: sessionmaker[Session]) -> None:
    body = delivery()
    del body["auth[application_token]"]
    assert app_client.post("/events", data=body).status_code == 401
    assert stored(session_factory) == []


def test_a_replayed_delivery_is_stored_once(app_client: FlaskClient, known_portal: int,
                                            session_factory: sessionmaker[Session]) -> None:
    first = app_client.post("/events", data=delivery())
    again = app_client.post("/events", data=delivery())
    later = app_client.post("/events", data=delivery(ts="1764828060"))
    assert [a.status_code for a in (first, again, later)] == [200, 200, 200]
    assert again.get_json()["stored"] is False
    assert len(stored(session_factory)) == 2      # the later change is a different delivery


def test_no_token_is_stored_or_logged(app_client: FlaskClient, known_portal: int,
                                      session_factory: sessionmaker[Session],
                                      caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    app_client.post("/events", data=delivery())
    app_client.post("/events", data=delivery(token="forged-" + "c" * 25))
    row = stored(session_factory)[0]
    text = repr(row.payload) + row.dedupe_key + caplog.text
    for secret in (ACCESS, REFRESH, APPLICATION_TOKEN, "forged-"):
        assert secret not in text
    assert "auth" not in row.payload


def test_malformed_posts_get_400_json(app_client: FlaskClient, known_portal: int) -> None:
    answer = app_client.post("/events", data={"hello": "world"})
    assert answer.status_code == 400
    assert answer.get_json()["error"] == "INVALID_REQUEST"


def test_uninstall_deactivates_the_portal_and_cancels_its_pending_work(
        app_client: FlaskClient, known_portal: int, session_factory: sessionmaker[Session],
        clock: Any) -> None:
    with session_factory.begin() as session:
        enqueue(session, known_portal, "test.kind", "key-1", {}, now=clock.now())
    app_client.post("/events", data=delivery())
    body = {"event": "ONAPPUNINSTALL", "data[LANGUAGE_ID]": "ru", "data[CLEAN]": "0", "ts": "1764828100",
            "auth[domain]": "edge.bitrix24.ru", "auth[member_id]": MEMBER_ID,
            "auth[application_token]": APPLICATION_TOKEN}
    assert app_client.post("/app/uninstall-event", data=body).status_code == 200
    with session_factory() as session:
        portal = session.get(Portal, known_portal)
        assert portal is not None and portal.status == "uninstalled" and portal.refresh_token == ""
        assert session.scalar(select(WorkItem.status)) == "cancelled"
        assert [e.status for e in session.scalars(select(InboundEvent).order_by(InboundEvent.id))] == [
            "ignored", "done"]
    # Once uninstalled, the portal's token opens nothing.
    assert app_client.post("/events", data=delivery(task_id="32")).status_code == 401


def test_the_sandbox_delivers_a_real_task_event_after_install(live_app: LiveApp) -> None:
    from b24app.portal_setup import run_portal_setup

    live_app.install()
    assert run_portal_setup(live_app.services, live_app.clock.now()) == 1
    created = live_app.sandbox.rest("tasks.task.add", {"fields": {"TITLE": "Проверка", "RESPONSIBLE_ID": 1}})
    task_id = str(created["result"]["task"]["id"])
    factory = live_app.services.session_factory
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with factory() as session:
            found = session.scalar(select(func.count()).select_from(InboundEvent).where(
                InboundEvent.event == "ONTASKADD", InboundEvent.object_id == task_id))
        if found:
            break
        time.sleep(0.05)
    assert found == 1
