"""Store opening pages (LEFT_MENU ``/app/store-opening``): dashboard, templates, schedules."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("store_opening", __name__, url_prefix="/app/store-opening")

from . import admin_views, dashboard_views  # noqa: E402,F401 - attach the views to bp
