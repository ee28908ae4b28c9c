"""The one accessor through which handlers reach the app's services."""
from __future__ import annotations

from flask import current_app

from b24app.wiring import Services


def current_services() -> Services:
    """Return the Services that create_app stored in ``app.extensions["b24app"]``."""
    services: Services = current_app.extensions["b24app"]
    return services
