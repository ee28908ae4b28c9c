"""The merchandiser's review board, thumbnails, full-size photos and verdict forms."""
from __future__ import annotations

import secrets

from flask import Response, abort, g, jsonify, redirect, render_template, request
from flask.typing import ResponseReturnValue

from b24app.bitrix.errors import B24Error
from b24app.merch_photos import verdicts
from b24app.i18n import translate
from b24app.merch_photos.calendar import IsoWeek, current_week, parse_week_key
from b24app.merch_photos.discovery import discover_photos
from b24app.merch_photos.models import MerchWeekTask
from b24app.merch_photos.pools import pools_of
from b24app.merch_photos.review import (board, full_photo, photo_owner, thumbnail_bytes,
                                        thumbnail_progress, week_tasks)
from b24app.merch_photos.thumbnails import PhotoUnavailable

from ..auth import page, page_url
from ..context import current_services
from ..templating import current_language
from . import bp
from .access import may_see_week_task, reviewable_pool

WEEKS_SHOWN = 8


def _week_arg(zone: str) -> IsoWeek:
    raw = request.values.get("week", "")
    try:
        return parse_week_key(raw) if raw else current_week(current_services().clock.now(), zone)
    except ValueError:
        abort(400)


@bp.route("/", methods=["GET", "POST"])
@page()
def index() -> ResponseReturnValue:
    """Show a pool's week: every store, its thumbnails, red where nothing came in time.

    The request reads which photos arrived (batched task lists, metadata of new ones) but
    never downloads a photo: the thumbnails job does, and the page shows its progress.
    """
    services, caller = current_services(), g.caller
    with services.session_factory() as session:
        pools = pools_of(session, caller.portal_id, None if caller.is_admin else caller.user_id)
    if not pools:
        if caller.managed_store_ids:
            return redirect(page_url("merch_photos.upload"), code=303)
        return render_template("merch_photos/board.html", pools=[], board=None), 200
    pool_id = request.values.get("pool", type=int) or pools[0].id
    now = services.clock.now()
    with services.session_factory() as session:
        pool = reviewable_pool(session, pool_id)
        week = _week_arg(pool.time_zone)
        tasks = week_tasks(session, caller.portal_id, pool.id, week.key)
    try:
        discover_photos(services, caller.portal_id, tasks, now)
        stale = False
    except B24Error:
        stale = True   # show what the cache has; the page says Bitrix24 did not answer
    with services.session_factory() as session:
        data = board(session, reviewable_pool(session, pool_id), week, now)
        this_week = current_week(now, data.pool.time_zone)
        weeks = [this_week.shifted(-i) for i in range(WEEKS_SHOWN)]
        return render_template("merch_photos/board.html", pools=pools, board=data, weeks=weeks,
                               stale=stale, nonce=secrets.token_urlsafe(12),
                               message=request.args.get("msg", ""))


@bp.route("/progress")
@page()
def progress() -> ResponseReturnValue:
    """Answer how many of the week's photos have their thumbnail (the page's progress bar)."""
    services, caller = current_services(), g.caller
    with services.session_factory() as session:
        pool = reviewable_pool(session, request.args.get("pool", type=int) or 0)
        week = _week_arg(pool.time_zone)
        task_ids = [int(t.task_id or 0) for t in week_tasks(session, caller.portal_id, pool.id,
                                                                  week.key)]
        done, total = thumbnail_progress(session, caller.portal_id, task_ids)
    label = translate(current_language(), "merch_photos.thumbs_progress", done=done, total=total)
    return jsonify(done=done, total=total, finished=done >= total, label=label)


@bp.route("/thumb/<int:attachment_id>")
@page()
def thumbnail(attachment_id: int) -> ResponseReturnValue:
    """Serve a cached thumbnail (never downloads from Bitrix24)."""
    with current_services().session_factory() as session:
        owner = photo_owner(session, g.caller.portal_id, attachment_id)
        if owner is None or not may_see_week_task(session, owner):
            abort(404)
        data = thumbnail_bytes(session, g.caller.portal_id, attachment_id)
    if data is None:
        abort(404)
    response = Response(data, mimetype="image/jpeg")
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response


@bp.route("/photo/<int:attachment_id>")
@page()
def photo(attachment_id: int) -> ResponseReturnValue:
    """Stream the full-size photo through the app after checking the caller may see it."""
    services = current_services()
    with services.session_factory() as session:
        owner = photo_owner(session, g.caller.portal_id, attachment_id)
        if owner is None or not may_see_week_task(session, owner):
            abort(404)
    try:
        data, content_type = full_photo(services, g.caller.portal_id, attachment_id)
    except (B24Error, PhotoUnavailable):
        abort(502)
    if not content_type.startswith("image/"):
        content_type = "application/octet-stream"
    response = Response(data, mimetype=content_type)
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.route("/verdict/<int:row_id>", methods=["POST"])
@page()
def verdict(row_id: int) -> ResponseReturnValue:
    """Comment on a store's photos, accept its week, or send it back for a fix."""
    services, caller = current_services(), g.caller
    action = request.form.get("action", "")
    with services.session_factory() as session:
        row = session.get(MerchWeekTask, row_id)
        if row is None or row.portal_id != caller.portal_id:
            abort(404)
        pool = reviewable_pool(session, row.pool_id)
        back = {"pool": pool.id, "week": row.iso_week}
    try:
        report = verdicts.give_verdict(services, row_id, action, request.form.get("message", ""),
                                       caller.user_id, request.form.get("nonce", ""),
                                       services.clock.now(), current_language())
        message = f"done_{action}" if report.failed == 0 else "error_send"
    except ValueError:
        message = "error_message_required"
    except B24Error:
        message = "error_send"
    return redirect(page_url("merch_photos.index", msg=message, **back) + f"#store-{row.store_id}",
                    code=303)
