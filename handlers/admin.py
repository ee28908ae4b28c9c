"""The portal admin's page (LEFT_MENU "Settings"): stores, org sync, failed writes."""
from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template
from flask.typing import ResponseReturnValue

from b24app.admin_overview import admin_overview, ask_for_org_sync, retry_parked_item
from b24app.roles import ADMIN

from .auth import page, page_url
from .context import current_services

bp = Blueprint("admin", __name__)


@bp.route("/app/admin", methods=["GET", "POST"])
@page(roles={ADMIN})
def index() -> ResponseReturnValue:
    services = current_services()
    with services.session_factory() as session:
        overview = admin_overview(session, g.caller.portal_id)
    return render_template("admin/index.html", overview=overview)


@bp.route("/app/admin/org-sync", methods=["POST"])
@page(roles={ADMIN})
def org_sync() -> ResponseReturnValue:
    services = current_services()
    with services.session_factory.begin() as session:
        ask_for_org_sync(session, g.caller.portal_id, services.clock.now())
    return redirect(page_url("admin.index"), code=303)


@bp.route("/app/admin/parked/<int:item_id>/retry", methods=["POST"])
@page(roles={ADMIN})
def retry(item_id: int) -> ResponseReturnValue:
    services = current_services()
    with services.session_factory.begin() as session:
        if not retry_parked_item(session, g.caller.portal_id, item_id, services.clock.now()):
            abort(404)
    return redirect(page_url("admin.index") + "#parked", code=303)

