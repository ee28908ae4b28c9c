"""Merchandising pages (LEFT_MENU /app/merch): review board, photo upload, settings."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("merch_photos", __name__, url_prefix="/app/merch")

from . import admin_views, board_views, upload_views  # noqa: E402,F401 - routes register on bp
