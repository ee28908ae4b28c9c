"""POST /events decodes Bitrix24's urlencoded body itself; other form encodings still work."""
from __future__ import annotations

from typing import Callable

from flask import request
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from b24app.models import InboundEvent
from b24app.wiring import Services

from .conftest import build_app
from .test_events_endpoint import delivery


def test_urlencoded_and_multipart_deliveries_are_both_stored(
        app_client: FlaskClient, known_portal: int, session_factory: sessionmaker[Session]) -> None:
    first = app_client.post("/events", data=delivery(task_id="76"))
    second = app_client.post("/events", data=delivery(task_id="77", ts="1764828001"),
                             content_type="multipart/form-data")
    assert [first.get_json(), second.get_json()] == [{"ok": True, "stored": True}] * 2
    with session_factory() as session:
        rows = session.execute(select(InboundEvent.object_id, InboundEvent.payload)
                               .order_by(InboundEvent.id)).all()
    assert [object_id for object_id, _ in rows] == ["76", "77"]
    assert rows[0].payload == {"FIELDS_BEFORE": {"ID": "76"}, "FIELDS_AFTER": {"ID": "76"},
                               "IS_ACCESSIBLE_BEFORE": "undefined", "IS_ACCESSIBLE_AFTER": "undefined"}


def test_a_hook_that_read_the_form_first_does_not_hide_the_body(
        make_services: Callable[..., Services], known_portal: int,
        session_factory: sessionmaker[Session]) -> None:
    app = build_app(make_services(app_base_url="http://127.0.0.1:9"))
    seen: list[str] = []

    @app.before_request
    def peek() -> None:
        seen.append(request.form.get("event", ""))     # consumes the request stream

    answer = app.test_client().post("/events", data=delivery(task_id="78"))
    assert answer.status_code == 200 and seen == ["ONTASKUPDATE"]
    with session_factory() as session:
        assert list(session.scalars(select(InboundEvent.object_id))) == ["78"]
