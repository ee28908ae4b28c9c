"""GET /healthz: 200 when the database answers, 503 otherwise (for load balancers)."""
from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from b24app.health import database_reachable

from .context import current_services

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    if database_reachable(current_services().engine):
        return jsonify(status="ok")
    return jsonify(status="unavailable", error="DATABASE_UNREACHABLE"), 503
