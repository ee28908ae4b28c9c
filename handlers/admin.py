"""The portal admin's pages (LEFT_MENU "Settings"): stores, org sync, failed writes, roles."""
from __future__ import annotations

from typing import Any, Mapping

from flask import Blueprint, abort, g, redirect, render_template, request
from flask.typing import ResponseReturnValue

from b24app.admin_overview import admin_overview, ask_for_org_sync, retry_parked_item, settings_choices
from b24app.org.admin import set_store_override, set_store_time_zone
from b24app.org.queries import department as org_department
from b24app.org.settings import OrgSettingsError, RolesAndStructure, get_org_settings, update_org_settings
from b24app.org.timezones import time_zone_choices
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



@bp.route("/app/admin/settings", methods=["GET", "POST"])
@page(roles={ADMIN})
def org_settings() -> ResponseReturnValue:
    """Roles and structure: which departments are HR, merchandising, office; who may send."""
    services = current_services()
    portal_id = g.caller.portal_id
    error: OrgSettingsError | None = None
    if request.method == "POST":
        try:
            change = _parse_settings_form(request.form)
            with services.session_factory.begin() as session:
                update_org_settings(session, portal_id, change)
            return redirect(page_url("admin.org_settings", saved=1), code=303)
        except OrgSettingsError as exc:
            error = exc
    with services.session_factory() as session:
        current = get_org_settings(session, portal_id)
        departments, positions = settings_choices(session, portal_id)
        return render_template("admin/settings.html", settings=current, departments=departments,
                               positions=positions, error=error, saved=bool(request.args.get("saved")))


def _parse_settings_form(form: Mapping[str, Any]) -> RolesAndStructure:
    def ids(name: str) -> list[int]:
        values = form.getlist(name) if hasattr(form, "getlist") else []
        try:
            return [int(v) for v in values if str(v).strip()]
        except ValueError:
            raise OrgSettingsError(name, "not a department") from None

    def lines(name: str) -> list[str]:
        return [line for line in str(form.get(name, "")).splitlines() if line.strip()]

    root = str(form.get("stores_root_department_id", "")).strip()
    if root and not root.isdigit():
        raise OrgSettingsError("stores_root_department_id", "not a department")
    return RolesAndStructure(
        stores_root_department_id=int(root) if root else None,
        deputy_positions=lines("deputy_positions"),
        administrator_positions=lines("administrator_positions"),
        hr_department_ids=ids("hr_department_ids"),
        merch_department_ids=ids("merch_department_ids"),
        excluded_department_ids=ids("excluded_department_ids"),
        sender_department_ids=ids("sender_department_ids"),
        sender_positions=lines("sender_positions"),
        admins_may_send=form.get("admins_may_send") == "1")


@bp.route("/app/admin/stores/<int:store_id>", methods=["GET", "POST"])
@page(roles={ADMIN})
def store(store_id: int) -> ResponseReturnValue:
    """One store's time zone (default by city) and whether the department counts as a store."""
    services = current_services()
    portal_id = g.caller.portal_id
    error = ""
    if request.method == "POST":
        zone = str(request.form.get("time_zone", "")).strip() or None
        override = {"auto": None, "yes": True, "no": False}.get(str(request.form.get("is_store", "")))
        if request.form.get("is_store") not in ("auto", "yes", "no"):
            abort(400)
        try:
            with services.session_factory.begin() as session:
                set_store_time_zone(session, portal_id, store_id, zone)
                set_store_override(session, portal_id, store_id, override)
            return redirect(page_url("admin.store", store_id=store_id, saved=1), code=303)
        except LookupError:
            abort(404)
        except ValueError:
            error = "time_zone"
    with services.session_factory() as session:
        department = org_department(session, portal_id, store_id)
        if department is None:
            abort(404)
        return render_template("admin/store.html", department=department, zones=time_zone_choices(),
                               error=error, saved=bool(request.args.get("saved")))
