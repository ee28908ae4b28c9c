"""Admin pages: checklist templates, store schedules (bulk edit, Excel), routine policy."""
from __future__ import annotations

from datetime import date

from flask import Response, abort, g, redirect, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from b24app.i18n import translate
from b24app.org import queries as org
from b24app.roles import ADMIN
from b24app.store_opening.escalation import get_settings
from b24app.store_opening.excel import COLUMNS, schedule_workbook, upload_schedules
from b24app.store_opening.models import POLICIES
from b24app.store_opening.schedule_admin import ScheduleChange, bulk_apply, schedules_by_store
from b24app.store_opening.schedules import parse_days
from b24app.store_opening.templates_admin import (TemplateError, TemplateInput, delete_template,
                                                  get_template, list_templates, save_template)

from ..auth import page, page_url
from ..context import current_services
from . import bp

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def items_from_form(form: MultiDict[str, str]) -> list[dict[str, object]]:
    """Read the item rows in the order the page submitted them (after any reordering)."""
    return [{"title": form.get(f"title_{uid}", ""), "important": f"important_{uid}" in form,
             "photo": f"photo_{uid}" in form} for uid in form.getlist("item_uid")]


@bp.route("/templates", methods=["GET", "POST"])
@page(roles=[ADMIN])
def templates() -> ResponseReturnValue:
    """List templates; create one."""
    services = current_services()
    error = ""
    if request.method == "POST":
        try:
            with services.session_factory.begin() as session:
                created = save_template(session, g.caller.portal_id, TemplateInput(
                    request.form.get("name", ""), items_from_form(request.form),
                    request.form.get("task_title", "")), services.clock.now())
                return redirect(page_url("store_opening.template_edit", template_id=created.id,
                                         saved=1), code=303)
        except TemplateError as exc:
            error = translate(g.caller.lang, f"store_opening.{exc.key}", **exc.values)
    with services.session_factory() as session:
        rows = list_templates(session, g.caller.portal_id)
    return render_template("store_opening/templates.html", rows=rows, error=error,
                           items=items_from_form(request.form) if error else [])


@bp.route("/templates/<int:template_id>", methods=["GET", "POST"])
@page(roles=[ADMIN])
def template_edit(template_id: int) -> ResponseReturnValue:
    """Edit a template's name, task title and ordered items (or delete it)."""
    services = current_services()
    error = ""
    if request.method == "POST":
        try:
            with services.session_factory.begin() as session:
                if request.form.get("action") == "delete":
                    delete_template(session, g.caller.portal_id, template_id)
                    return redirect(page_url("store_opening.templates"), code=303)
                save_template(session, g.caller.portal_id, TemplateInput(
                    request.form.get("name", ""), items_from_form(request.form),
                    request.form.get("task_title", "")), services.clock.now(),
                    template_id=template_id)
            return redirect(page_url("store_opening.template_edit", template_id=template_id,
                                     saved=1), code=303)
        except TemplateError as exc:
            error = translate(g.caller.lang, f"store_opening.{exc.key}", **exc.values)
    with services.session_factory() as session:
        template = get_template(session, g.caller.portal_id, template_id)
        if template is None:
            abort(404)
    items = items_from_form(request.form) if error else template.items
    return render_template("store_opening/template_edit.html", template=template, items=items,
                           error=error, saved=bool(request.args.get("saved")))


def _matches(store: object, field: str, value: str) -> bool:
    return not value or getattr(store, field, "") == value


@bp.route("/schedules", methods=["GET", "POST"])
@page(roles=[ADMIN])
def schedules() -> ResponseReturnValue:
    """Show every store's schedule; apply one change to a selection or a whole area."""
    services = current_services()
    portal_id = g.caller.portal_id
    area = {k: request.values.get(k, "") for k in ("country", "region", "city")}
    errors: dict[int, list[str]] = {}
    applied = 0
    with services.session_factory() as session:
        all_stores = org.stores(session, portal_id)
    in_area = [s for s in all_stores if all(_matches(s, k, v) for k, v in area.items())]
    if request.method == "POST":
        if request.form.get("action") == "policy":
            with services.session_factory.begin() as session:
                policy = request.form.get("overdue_policy", "")
                if policy in POLICIES:
                    get_settings(session, portal_id).overdue_policy = policy
            return redirect(page_url("store_opening.schedules", **area), code=303)
        targets = ([int(v) for v in request.form.getlist("store") if v.isdigit()]
                   if request.form.get("target") == "selection" else [s.b24_id for s in in_area])
        try:
            change = change_from_form(request.form)
        except ValueError:
            errors = {0: ["error_days"]}
        else:
            with services.session_factory.begin() as session:
                errors = bulk_apply(session, portal_id, targets, change, services.clock.now())
            applied = 0 if errors else len(targets)
    with services.session_factory() as session:
        current = schedules_by_store(session, portal_id)
        templates_list = list_templates(session, portal_id)
        policy = get_settings(session, portal_id).overdue_policy
        session.commit()
    return render_template(
        "store_opening/schedules.html", stores=in_area, schedules=current,
        templates=templates_list, names={t.id: t.name for t in templates_list}, area=area,
        countries=sorted({s.country for s in all_stores}),
        regions=sorted({s.region for s in all_stores if _matches(s, "country", area["country"])}),
        cities=sorted({s.city for s in all_stores if _matches(s, "region", area["region"])}),
        errors=errors, applied=applied, policy=policy, policies=POLICIES,
        upload_errors=[], uploaded=None)


def change_from_form(form: MultiDict[str, str]) -> ScheduleChange:
    """Build a bulk change; empty fields leave the stores' values as they are."""
    enabled = {"on": True, "off": False}.get(form.get("enabled", ""))
    template = form.get("template", "")
    days = form.get("days", "").strip()
    frequency, weekdays, every_n = parse_days(days) if days else (None, None, None)
    closed = form.get("closed_dates", "").strip()
    positions = form.get("positions", "").strip()
    return ScheduleChange(
        enabled=enabled, template_id=int(template) if template.isdigit() else None,
        clear_template=template == "none", frequency=frequency, weekdays=weekdays,
        every_n_days=every_n,
        closed_dates=frozenset(date.fromisoformat(d.strip()) for d in closed.split(",")
                               if d.strip()) if closed else None,
        create_at=form.get("create_at") or None, deadline=form.get("deadline") or None,
        accomplice_positions=tuple(p.strip() for p in positions.split(";")) if positions else None)


@bp.route("/schedules.xlsx")
@page(roles=[ADMIN])
def schedules_download() -> ResponseReturnValue:
    """Download the schedule table."""
    services = current_services()
    labels = [translate(g.caller.lang, f"store_opening.col_{c}") for c in COLUMNS]
    with services.session_factory() as session:
        data = schedule_workbook(session, g.caller.portal_id, labels)
    return Response(data, mimetype=XLSX, headers={
        "Content-Disposition": "attachment; filename=store-opening-schedules.xlsx"})


@bp.route("/schedules/upload", methods=["POST"])
@page(roles=[ADMIN])
def schedules_upload() -> ResponseReturnValue:
    """Apply an uploaded schedule table, or show every bad row and apply nothing."""
    services = current_services()
    upload = request.files.get("file")
    data = upload.read() if upload is not None else b""
    with services.session_factory.begin() as session:
        applied, row_errors = upload_schedules(session, g.caller.portal_id, data,
                                               services.clock.now())
    with services.session_factory() as session:
        all_stores = org.stores(session, g.caller.portal_id)
        templates_list = list_templates(session, g.caller.portal_id)
        current = schedules_by_store(session, g.caller.portal_id)
        policy = get_settings(session, g.caller.portal_id).overdue_policy
        session.commit()
    return render_template(
        "store_opening/schedules.html", stores=all_stores, schedules=current,
        templates=templates_list, names={t.id: t.name for t in templates_list},
        area={"country": "", "region": "", "city": ""},
        countries=sorted({s.country for s in all_stores}), regions=[], cities=[], errors={},
        applied=0, policy=policy, policies=POLICIES, upload_errors=row_errors,
        uploaded=applied)
