"""POST /events: verify → store once → 200, in milliseconds and with no Bitrix24 call.

ONAPPUNINSTALL is delivered here too (it can only be verified by application_token);
``/app/uninstall-event`` is the same endpoint under a name some set-ups prefer.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from b24app.bitrix.events import parse_event_payload, parse_urlencoded
from b24app.inbox import accept_event

from .context import current_services

bp = Blueprint("events", __name__)


@bp.post("/events")
@bp.post("/app/uninstall-event")
def receive_event() -> ResponseReturnValue:
    payload = parse_event_payload(_form())
    services = current_services()
    # A Core connection, not an ORM session: two statements per delivery need no unit of work.
    with services.engine.begin() as connection:
        accepted = accept_event(connection, payload, services.clock.now())
    return jsonify(ok=True, stored=accepted.stored)


def _form() -> Any:
    # Bitrix24 posts events urlencoded (rest-facts §9): decoding the body directly costs a
    # quarter of building request.form. Other encodings, and a body already consumed by a
    # hook that read request.form (get_data is then empty), go through Flask's parsed form.
    if request.mimetype == "application/x-www-form-urlencoded":
        body = request.get_data()
        if body:
            return parse_urlencoded(body)
    return request.form
