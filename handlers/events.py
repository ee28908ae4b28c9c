"""POST /events: verify → store once → 200, in milliseconds and with no Bitrix24 call.

ONAPPUNINSTALL is delivered here too (it can only be verified by application_token);
``/app/uninstall-event`` is the same endpoint under a name some set-ups prefer.
"""
from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from b24app.bitrix.events import parse_event_payload
from b24app.inbox import accept_event

from .context import current_services

bp = Blueprint("events", __name__)


@bp.post("/events")
@bp.post("/app/uninstall-event")
def receive_event() -> ResponseReturnValue:
    payload = parse_event_payload(request.form)
    services = current_services()
    with services.session_factory.begin() as session:
        accepted = accept_event(session, payload, services.clock.now())
    return jsonify(ok=True, stored=accepted.stored)
