"""Shared pieces of the staff pages: blueprint, nonces, redirects, error mapping."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, g, redirect, request
from flask.typing import ResponseReturnValue
from markupsafe import Markup, escape
from werkzeug.wrappers import Response

from b24app.staff_cards import nonces
from b24app.staff_cards.cards import NotAllowed
from b24app.staff_cards.pages import display_date
from b24app.wiring import Services

from ..auth import page_url
from ..context import current_services
from ..errors import error_response

bp = Blueprint("staff_cards", __name__, url_prefix="/app/staff")
# Message keys a redirect may ask the next page to show (nothing else is rendered).
NOTICES = frozenset({"saved", "approved_n", "rejected", "confirm_done", "schedule_saved",
                     "withdrawn"})


def services() -> Services:
    """Return the app's services."""
    return current_services()


def go(endpoint: str, **values: Any) -> Response:
    """Redirect (303) to a page of the routine, carrying the page token."""
    return redirect(page_url(endpoint, **values), code=303)


def back(store_id: int, **notice: Any) -> Response:
    """Return to the task tab the form came from, else to the store page."""
    task_id = request.values.get("tab", "")
    if task_id.isdigit():
        return go("staff_cards.task_tab", taskId=task_id, **notice)
    return go("staff_cards.store", store_id=store_id, **notice)


def require_nonce() -> None:
    """Refuse a forged or replayed form post (409) before it changes anything."""
    svc = services()
    with svc.session_factory.begin() as session:
        fresh = nonces.consume(session, g.caller.portal_id, svc.settings.secret_key,
                               g.page_token, request.form.get(nonces.NONCE_FIELD, ""),
                               svc.clock.now())
    if not fresh:
        abort(409)


def notice() -> tuple[str, dict[str, str]] | None:
    """Return the (message key, values) a redirect asked to show, if it is a known one."""
    key = request.args.get("done", "")
    return (key, {"n": request.args.get("n", "")}) if key in NOTICES else None


def ints(values: list[str]) -> list[int]:
    """Return the digit-only values as ints (card IDs from checkboxes)."""
    return [int(v) for v in values if v.isdigit()]


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    def staff_nonce_field() -> Markup:
        token = getattr(g, "page_token", "")
        value = nonces.issue(services().settings.secret_key, token) if token else ""
        return Markup(f'<input type="hidden" name="{nonces.NONCE_FIELD}" value="{escape(value)}">')

    return {"staff_nonce_field": staff_nonce_field, "staff_date": display_date}


@bp.errorhandler(NotAllowed)
def _not_allowed(error: NotAllowed) -> ResponseReturnValue:
    return error_response(403)
