"""The manager's upload page: several photos at once into a new subtask of the week task."""
from __future__ import annotations

import secrets
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import g, redirect, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from b24app.bitrix.errors import B24Error
from b24app.merch_photos.models import MerchWeekTask
from b24app.merch_photos.pools import get_settings
from b24app.merch_photos.project import ensure_photo_folder
from b24app.merch_photos.upload import Photo, UploadRejected, send_photos
from b24app.i18n import translate
from b24app.org.queries import store, store_time_zone

from ..auth import page, page_url
from ..context import current_services
from ..templating import current_language
from . import bp

RECENT = 2     # this week's and last week's task stay open for late photos


def _my_tasks() -> list[tuple[MerchWeekTask, str]]:
    caller = g.caller
    with current_services().session_factory() as session:
        rows = list(session.scalars(select(MerchWeekTask).where(
            MerchWeekTask.portal_id == caller.portal_id, MerchWeekTask.task_id.is_not(None),
            MerchWeekTask.manager_id == caller.user_id)
            .order_by(MerchWeekTask.iso_week.desc(), MerchWeekTask.store_id)))
        names = {r.store_id: (s.name if (s := store(session, caller.portal_id, r.store_id)) else "")
                 for r in rows}
    latest = sorted({r.iso_week for r in rows}, reverse=True)[:RECENT]
    return [(r, names[r.store_id]) for r in rows if r.iso_week in latest]


@bp.route("/upload", methods=["GET", "POST"])
@page()
def upload() -> ResponseReturnValue:
    """Show the manager's week tasks; on post, send the chosen photos into a new subtask."""
    tasks = _my_tasks()
    if request.method == "POST" and "task" in request.form:
        row = next((r for r, _ in tasks if r.id == request.form.get("task", type=int)), None)
        message = _send(row)
        if message.startswith(("upload_done", "upload_repeated")):
            return redirect(page_url("merch_photos.upload", msg=message), code=303)
        status = 400
    else:
        message, status = request.args.get("msg", ""), 200
    return render_template("merch_photos/upload.html", tasks=tasks, message=message,
                           nonce=secrets.token_urlsafe(12)), status


def _send(row: MerchWeekTask | None) -> str:
    """Return the message to show: done / repeated (with the subtask ID) or an error key."""
    services, caller = current_services(), g.caller
    if row is None:
        return "upload_no_task"
    photos = [Photo(f.filename or "photo.jpg", f.read()) for f in request.files.getlist("photos")]
    try:
        folder = ensure_photo_folder(services, caller.portal_id)
    except B24Error:
        folder = None
    if folder is None:
        return "upload_no_folder"
    with services.session_factory() as session:
        group_id = get_settings(session, caller.portal_id).group_id
        zone = store_time_zone(session, caller.portal_id, row.store_id)
    lang = current_language()
    title = translate(lang, "merch_photos.subtask_title",
                      date=_local_date(services.clock.now(), zone))
    try:
        result = send_photos(services.bitrix.for_portal(caller.portal_id), folder_id=folder,
                             week_task_id=int(row.task_id or 0), manager_id=caller.user_id,
                             title=title, photos=photos, nonce=request.form.get("nonce", ""),
                             group_id=group_id)
    except UploadRejected as rejected:
        return str(rejected.args[0])
    except B24Error:
        return "error_send"
    return f"{'upload_repeated' if result.repeated else 'upload_done'}:{result.subtask_id}"


def _local_date(now: datetime, zone: str) -> str:
    return now.astimezone(ZoneInfo(zone)).strftime("%d.%m.%Y")
