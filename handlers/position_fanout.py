"""Fan-out pages (LEFT_MENU /app/fanout): compose, preview, send, list, track, templates.

Only the sender roles may open them (b24app.roles OFFICE_SENDER, set by the org settings'
sender policy, plus admins); everyone else gets 403. A sender sees their own campaigns,
an admin sees all.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, g, jsonify, redirect, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from b24app.bitrix.errors import B24Error
from b24app.models import Portal
from b24app.org.queries import user_time_zone
from b24app.position_fanout import actions, compose, excel, reuse, send, tracking
from b24app.position_fanout import queries as pages
from b24app.position_fanout.files import UploadedFile
from b24app.position_fanout.models import DRAFT, FanoutCampaign
from b24app.roles import ADMIN, OFFICE_SENDER

from .auth import page, page_url
from .context import current_services
from .templating import current_language

log = logging.getLogger(__name__)
bp = Blueprint("position_fanout", __name__, url_prefix="/app/fanout")
SENDER_ROLES = (OFFICE_SENDER, ADMIN)


def _draft_input() -> compose.DraftInput:
    form = request.form
    return compose.DraftInput(
        title=form.get("title", ""), description=form.get("description", ""),
        deadline_mode=form.get("deadline_mode", "days"), deadline_at=form.get("deadline_at", ""),
        deadline_days=form.get("deadline_days", ""), priority=form.get("priority", "1"),
        checklist=form.get("checklist", ""), position_keys=tuple(form.getlist("position")),
        department_ids=tuple(form.getlist("department")), pool_id=form.get("pool_id", ""),
        include_late_joiners=form.get("late_joiners") == "1",
        files=tuple(UploadedFile(upload.filename or "", upload.read())
                    for upload in request.files.getlist("files") if upload.filename))


def _campaign(session: Session, campaign_id: int) -> FanoutCampaign:
    campaign = session.get(FanoutCampaign, campaign_id)
    if campaign is None or campaign.portal_id != g.caller.portal_id:
        abort(404)
    if campaign.sender_id != g.caller.user_id and not g.caller.is_admin:
        abort(403)
    return campaign


def _go(endpoint: str, **values: Any) -> ResponseReturnValue:
    return redirect(page_url(endpoint, **values), code=303)


@bp.route("/", methods=["GET", "POST"])
@page(roles=SENDER_ROLES)
def index() -> ResponseReturnValue:
    """List the caller's campaigns with their status."""
    with current_services().session_factory() as session:
        rows = pages.campaign_rows(session, g.caller.portal_id,
                                   None if g.caller.is_admin else g.caller.user_id)
        return render_template("position_fanout/index.html", rows=rows)


@bp.route("/new", methods=["GET", "POST"])
@page(roles=SENDER_ROLES)
def new() -> ResponseReturnValue:
    """Show the compose form; on a valid post, store the draft and go to its preview."""
    services = current_services()
    caller, now = g.caller, services.clock.now()
    form = _draft_input() if request.method == "POST" else compose.DraftInput()
    errors: dict[str, str] = {}
    with services.session_factory.begin() as session:
        options = compose.position_options(session, caller.portal_id)
        pools = compose.sender_pools(session, caller.portal_id, caller.user_id)
        if request.method == "POST":
            zone = user_time_zone(session, caller.portal_id, caller.user_id)
            draft, errors = compose.validate_draft(form, now, zone, {o.key for o in options},
                                                   {p.id for p in pools})
            if draft is not None:
                if request.form.get("pool_name", "").strip() and draft.department_ids:
                    compose.save_pool(session, caller.portal_id, caller.user_id,
                                      request.form["pool_name"].strip(), draft.department_ids, now)
                campaign = compose.create_campaign(session, caller.portal_id, caller.user_id,
                                                   draft, now)
                return _go("position_fanout.preview", campaign_id=campaign.id)
        tree = compose.store_tree(session, caller.portal_id)
        return render_template("position_fanout/compose.html", form=form, errors=errors,
                               options=options, pools=pools, tree=tree), 400 if errors else 200


@bp.route("/<int:campaign_id>/preview", methods=["GET"])
@page(roles=SENDER_ROLES)
def preview(campaign_id: int) -> ResponseReturnValue:
    """Show "N tasks to M people in K stores", the recipients and the empty stores."""
    with current_services().session_factory() as session:
        campaign = _campaign(session, campaign_id)
        if campaign.status != DRAFT:
            return _go("position_fanout.track", campaign_id=campaign_id)
        shown = pages.preview_of(session, campaign)
        return render_template("position_fanout/preview.html", campaign=campaign, preview=shown)


@bp.route("/<int:campaign_id>/send", methods=["POST"])
@page(roles=SENDER_ROLES)
def send_campaign(campaign_id: int) -> ResponseReturnValue:
    """Start sending (the worker sends the copies); show the campaign with its progress bar."""
    services = current_services()
    with services.session_factory.begin() as session:
        send.start_send(session, _campaign(session, campaign_id), services.clock.now())
    return _go("position_fanout.track", campaign_id=campaign_id)


@bp.route("/<int:campaign_id>/progress", methods=["GET"])
@page(roles=SENDER_ROLES)
def progress(campaign_id: int) -> ResponseReturnValue:
    """Answer the progress bar's poll: {done, total, finished, label}."""
    with current_services().session_factory() as session:
        shown = send.progress(session, _campaign(session, campaign_id))
    return jsonify(done=shown.done, total=shown.total, finished=shown.finished,
                   label=f"{shown.done} / {shown.total}")


@bp.route("/<int:campaign_id>", methods=["GET"])
@page(roles=SENDER_ROLES)
def track(campaign_id: int) -> ResponseReturnValue:
    """Show each copy's state by store and person, percent done, and the actions."""
    services = current_services()
    now = services.clock.now()
    with services.session_factory() as session:
        stale = tracking.needs_refresh(_campaign(session, campaign_id), now)
    if stale:
        try:
            tracking.refresh(services, campaign_id, now)
        except B24Error as error:
            # The page still shows the last known state, with its time; Refresh can retry.
            log.warning("fan-out %s: refresh on open failed: %s", campaign_id, error)
    with services.session_factory() as session:
        campaign = _campaign(session, campaign_id)
        return render_template(
            "position_fanout/track.html", campaign=campaign,
            summary=tracking.summary(session, campaign),
            progress=send.progress(session, campaign),
            skipped=send.skipped_copies(session, campaign_id),
            open_count=actions.open_copy_count(session, campaign),
            confirm_recall=request.args.get("confirm") == "recall",
            label=tracking.copy_label)


@bp.route("/<int:campaign_id>/refresh", methods=["POST"])
@page(roles=SENDER_ROLES)
def refresh(campaign_id: int) -> ResponseReturnValue:
    """Read the copies' state from Bitrix24 (one batched read per 2,500 copies)."""
    services = current_services()
    with services.session_factory() as session:
        _campaign(session, campaign_id)
    tracking.refresh(services, campaign_id, services.clock.now())
    return _go("position_fanout.track", campaign_id=campaign_id)


@bp.route("/<int:campaign_id>/<any(remind, extend, recall):action>", methods=["POST"])
@page(roles=SENDER_ROLES)
def act(campaign_id: int, action: str) -> ResponseReturnValue:
    """Remind the overdue, extend the deadline, or (confirmed) recall the open copies."""
    services = current_services()
    now = services.clock.now()
    if action == "recall" and request.form.get("confirmed") != "1":
        return _go("position_fanout.track", campaign_id=campaign_id, confirm="recall")
    with services.session_factory.begin() as session:
        campaign = _campaign(session, campaign_id)
        shown_round = int(request.form.get("round", "-1") or -1)
        if action == "remind":
            portal = session.get(Portal, campaign.portal_id)
            actions.remind_overdue(session, campaign, shown_round, current_language(),
                                   portal.domain if portal else "", now)
        elif action == "extend":
            new_due = _local_instant(session, request.form.get("deadline_at", ""))
            if new_due is None:
                abort(400)
            actions.extend_deadline(session, campaign, shown_round, new_due, now)
        else:
            mode = request.form.get("mode", "close")
            if mode not in actions.RECALL_MODES:
                abort(400)
            actions.recall(session, campaign, mode, now)
    return _go("position_fanout.track", campaign_id=campaign_id)


def _local_instant(session: Session, text: str) -> datetime | None:
    try:
        local = datetime.strptime(text.strip(), "%Y-%m-%dT%H:%M")
    except ValueError:
        return None
    zone = user_time_zone(session, g.caller.portal_id, g.caller.user_id)
    return local.replace(tzinfo=ZoneInfo(zone))


@bp.route("/<int:campaign_id>/export.xlsx", methods=["GET"])
@page(roles=SENDER_ROLES)
def export(campaign_id: int) -> ResponseReturnValue:
    """Download the campaign's state as an Excel workbook."""
    with current_services().session_factory() as session:
        body = excel.campaign_workbook(session, _campaign(session, campaign_id), current_language())
    return Response(body, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="fanout-{campaign_id}.xlsx"'})


@bp.route("/<int:campaign_id>/template", methods=["POST"])
@page(roles=SENDER_ROLES)
def save_template(campaign_id: int) -> ResponseReturnValue:
    """Save the campaign as a template."""
    services = current_services()
    with services.session_factory.begin() as session:
        reuse.save_template(session, _campaign(session, campaign_id),
                            request.form.get("name", ""), g.caller.user_id, services.clock.now())
    return _go("position_fanout.templates")


@bp.route("/templates", methods=["GET"])
@page(roles=SENDER_ROLES)
def templates() -> ResponseReturnValue:
    """List the caller's templates and schedules."""
    with current_services().session_factory() as session:
        rows, schedules = pages.template_rows(session, g.caller.portal_id, g.caller.user_id)
        return render_template("position_fanout/templates.html", rows=rows, schedules=schedules)


@bp.route("/templates/<int:template_id>/<any(use, schedule):action>", methods=["POST"])
@page(roles=SENDER_ROLES)
def use_template(template_id: int, action: str) -> ResponseReturnValue:
    """Create a draft from a template (then preview it), or schedule it."""
    services = current_services()
    now, caller = services.clock.now(), g.caller
    with services.session_factory.begin() as session:
        template = pages.own_template(session, caller.portal_id, caller.user_id, template_id)
        if template is None:
            abort(404)
        if action == "use":
            campaign = compose.create_campaign(session, caller.portal_id, caller.user_id,
                                               reuse.draft_from_template(template, now), now)
            campaign.template_id = template.id
            return _go("position_fanout.preview", campaign_id=campaign.id)
        try:
            reuse.create_schedule(session, template, caller.user_id,
                                  request.form.get("frequency", "monthly"),
                                  int(request.form.get("day", "1")),
                                  request.form.get("local_time", "09:00"),
                                  user_time_zone(session, caller.portal_id, caller.user_id), now)
        except ValueError:
            abort(400)
    return _go("position_fanout.templates")


@bp.route("/schedules/<int:schedule_id>/toggle", methods=["POST"])
@page(roles=SENDER_ROLES)
def toggle_schedule(schedule_id: int) -> ResponseReturnValue:
    """Pause or resume a schedule."""
    services = current_services()
    with services.session_factory.begin() as session:
        if not pages.toggle_schedule(session, g.caller.portal_id, g.caller.user_id, schedule_id,
                                     services.clock.now()):
            abort(404)
    return _go("position_fanout.templates")
