"""Handler URL checks of event.bind and placement.bind (Bitrix24's HandlerHelper rules).

Real portals also reject localhost and private addresses ("must be reachable from the
internet"); the sandbox allows them on purpose, since the app runs on the same machine.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from .errors import RestError
from .state import App


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def check_handler_url(url: str, app: App) -> None:
    """Raise the documented error for a handler an app may not use."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise RestError("ERROR_UNSUPPORTED_PROTOCOL", "Unsupported event handler protocol", 400)
    if not parts.hostname:
        raise RestError("ERROR_WRONG_HANDLER_URL", "Wrong handler URL", 400)
    # Handlers must live on the application's own host (the install URL or handler base).
    allowed = {_host(app.handler_base), _host(app.install_url)} - {""}
    if allowed and parts.hostname.lower() not in allowed:
        raise RestError("ERROR_HANDLER_URL_MISMATCH",
                        "Handler URL host doesn't match application url", 400)
