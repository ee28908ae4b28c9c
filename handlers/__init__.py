"""Flask blueprints: thin edges that parse, verify, call b24app and respond.

``register_blueprints`` is the list of every blueprint the app serves; a routine adds its
own line here (one blueprint per routine, handlers/<slug>.py).
"""
from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from . import (admin, auth, events, health, install, merch_photos, position_fanout, staff_cards,
                   store_opening)

    for module in (health, install, events, auth, admin, position_fanout, store_opening, staff_cards,
                   merch_photos):
        app.register_blueprint(module.bp)
