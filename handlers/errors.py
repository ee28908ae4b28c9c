"""One place mapping exceptions to responses: JSON for machine endpoints, a page for pages.

Machine endpoints (``/events``, ``/install``, ``/api/...``, ``/healthz``) answer
``{"error": CODE, "error_description": text}`` like Bitrix24 does. Pages render
templates/errors/error.html with a translated message. Never a traceback.
"""
from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from b24app.bitrix.events import InvalidPayload
from b24app.callers import CallerRejected
from b24app.i18n import translate
from b24app.install import InstallRejected
from b24app.page_auth import PageTokenInvalid

from .templating import current_language

log = logging.getLogger(__name__)
_JSON_PREFIXES = ("/events", "/install", "/app/uninstall-event", "/api/", "/healthz")
_CODES = {400: "INVALID_REQUEST", 401: "UNAUTHORIZED", 403: "ACCESS_DENIED", 404: "NOT_FOUND",
          405: "METHOD_NOT_ALLOWED", 413: "PAYLOAD_TOO_LARGE", 500: "INTERNAL_SERVER_ERROR"}
# UI installs (placement POST to /install) are shown in the portal's frame: answer with a page.
_PAGE_FIELDS = ("AUTH_ID", "PLACEMENT")


def wants_json() -> bool:
    """Return True for machine endpoints (events, server-to-server install, APIs)."""
    if request.path.startswith("/install") and any(request.form.get(f) for f in _PAGE_FIELDS):
        return False
    return request.path.startswith(_JSON_PREFIXES)


def error_response(status: int, description: str = "") -> ResponseReturnValue:
    """Render the error for ``status`` the way the endpoint's callers expect."""
    if wants_json():
        return jsonify(error=_CODES.get(status, "ERROR"), error_description=description), status
    lang = current_language()
    message = translate(lang, f"common.error_{status}") if status in _CODES else description
    return render_template("errors/error.html", status=status, message=message), status


def register_error_handlers(app: Flask) -> None:
    """Install the handlers; views raise and never build error responses themselves."""

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> ResponseReturnValue:
        return error_response(error.code or 500, error.description or "")

    @app.errorhandler(CallerRejected)
    def caller_rejected(error: CallerRejected) -> ResponseReturnValue:
        log.info("refused a caller: %s (%s %s)", error, request.method, request.path)
        return error_response(401, "the caller is not a portal that installed this app")

    @app.errorhandler(InstallRejected)
    def install_rejected(error: InstallRejected) -> ResponseReturnValue:
        log.warning("refused an install: %s", error)
        return error_response(401, str(error))

    @app.errorhandler(PageTokenInvalid)
    def page_token_invalid(error: PageTokenInvalid) -> ResponseReturnValue:
        return error_response(401, str(error))

    @app.errorhandler(InvalidPayload)
    def invalid_payload(error: InvalidPayload) -> ResponseReturnValue:
        return error_response(400, str(error))

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> ResponseReturnValue:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "internal error")
