"""Settings page (admins): the project, the weekly schedule, merchandisers and their pools."""
from __future__ import annotations

from datetime import datetime

from flask import abort, g, redirect, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import Session

from b24app.bitrix.errors import B24Error
from b24app.merch_photos.project import ensure_project
from b24app.merch_photos.models import MODE_CITY, MerchPool
from b24app.merch_photos.pools import (DEFAULT_TIME_ZONE, cities, get_settings, pools_of, save_pool,
                                       save_settings)
from b24app.org.timezones import time_zone_choices
from b24app.org.models import OrgUser
from b24app.org.queries import stores
from b24app.org.settings import get_org_settings
from b24app.roles import ADMIN

from ..auth import page, page_url
from ..context import current_services
from . import bp


def _candidates(session: Session, portal_id: int) -> list[OrgUser]:
    """Return the merchandising department's active members, else every active user."""
    merch = set(get_org_settings(session, portal_id).merch_department_ids)
    people = list(session.scalars(select(OrgUser).where(
        OrgUser.portal_id == portal_id, OrgUser.active.is_(True))
        .order_by(OrgUser.last_name, OrgUser.name)))
    chosen = [u for u in people if merch.intersection(u.departments)]
    return chosen or people


@bp.route("/admin", methods=["GET", "POST"])
@page(roles=[ADMIN])
def admin() -> ResponseReturnValue:
    """Show and save the settings and pools."""
    services, caller = current_services(), g.caller
    now = services.clock.now()
    errors: list[str] = []
    with services.session_factory.begin() as session:
        if request.method == "POST" and request.form.get("form") == "settings":
            f = request.form
            errors = save_settings(session, caller.portal_id, project_name=f.get("project_name", ""),
                                   photo_folder=f.get("photo_folder", ""),
                                   send_weekday=f.get("send_weekday", ""), send_time=f.get("send_time", ""),
                                   deadline_weekday=f.get("deadline_weekday", ""),
                                   deadline_time=f.get("deadline_time", ""), now=now)
        elif request.method == "POST" and request.form.get("form") == "pool":
            errors = _save_pool(session, now)
        saved = request.method == "POST" and not errors
    if saved:
        try:
            ensure_project(services, caller.portal_id)   # setup, so the first build sends only tasks
        except B24Error:
            pass   # the weekly build creates it lazily
        return redirect(page_url("merch_photos.admin", msg="saved"), code=303)
    with services.session_factory.begin() as session:
        status = 400 if errors else 200
        edit_id = request.values.get("edit", type=int)
        editing = session.get(MerchPool, edit_id) if edit_id else None
        if editing is not None and editing.portal_id != caller.portal_id:
            abort(404)
        people = {u.b24_id: u.full_name for u in _candidates(session, caller.portal_id)}
        return render_template(
            "merch_photos/admin.html", settings=get_settings(session, caller.portal_id),
            pools=pools_of(session, caller.portal_id), people=people,
            cities=cities(session, caller.portal_id), stores=stores(session, caller.portal_id),
            editing=editing, errors=errors, message=request.args.get("msg", ""),
            time_zones=time_zone_choices(), default_zone=DEFAULT_TIME_ZONE,
            form=request.form if errors else None), status


def _save_pool(session: Session, now: datetime) -> list[str]:
    f = request.form
    mode = f.get("mode", MODE_CITY)
    ids = [int(v) for v in f.getlist("cities" if mode == MODE_CITY else "stores") if v.isdigit()]
    merchandiser = f.get("merchandiser", "")
    errors = [] if merchandiser.isdigit() else ["merchandiser"]
    if not ids:
        errors.append("cities" if mode == MODE_CITY else "stores")
    if errors:
        return errors
    try:
        save_pool(session, g.caller.portal_id, name=f.get("name", ""), merchandiser_id=int(merchandiser),
                  mode=mode, ids=ids, time_zone=f.get("time_zone", "").strip(), now=now,
                  pool_id=f.get("pool_id", type=int))
    except ValueError as exc:
        return [str(exc.args[0]) if exc.args else "name"]
    return []
