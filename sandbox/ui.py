"""A small portal UI for people trying the app: pick a user, see and work their tasks.

Every action runs as the chosen user through ``Sandbox.invoke`` (the same method code as the
REST API), so the rules are Bitrix24's: ticking a checklist item fires no event, adding a
comment fires ONTASKCOMMENTADD, attaching a photo fires ONTASKUPDATE.
"""
from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from .errors import RestError
from .methods.disk import user_storage
from .registry import Auth, Page
from .runtime import Sandbox

bp = Blueprint("sandbox_ui", __name__, template_folder="templates")

STATUS_LABELS = {"1": "Новая", "2": "Ждёт выполнения", "3": "Выполняется",
                 "4": "Ждёт контроля", "5": "Завершена", "6": "Отложена", "7": "Отклонена"}
MAX_PHOTO_BYTES = 10 * 1024 * 1024


def _sandbox() -> Sandbox:
    sandbox: Sandbox = current_app.extensions["sandbox"]
    return sandbox


def _act(user_id: int, method: str, params: dict[str, Any]) -> Any:
    """Call a REST method as ``user_id`` (as if in the portal's own browser session)."""
    result = _sandbox().invoke(method, params, Auth(kind="session", user_id=user_id))
    return result.items if isinstance(result, Page) else result


def _user(user_id: int) -> Any:
    user = _sandbox().portal.users.get(user_id)
    if user is None:
        abort(404)
    return user


def _menu(user_id: int) -> list[dict[str, Any]]:
    portal = _sandbox().portal
    with portal.lock:
        installed = {a.client_id for a in portal.apps.values() if a.installed}
        items = [{"title": p.title or "Приложение", "url": url_for("sandbox_ui.app_page", user_id=user_id, binding_id=p.id)}
                 for p in portal.placements.values() if p.placement == "LEFT_MENU" and p.client_id in installed]
    return items


def _render(template: str, user_id: int | None, **context: Any) -> str:
    user = _user(user_id) if user_id is not None else None
    return render_template(template, current=user, menu=_menu(user_id) if user_id else [], **context)


def _open_url(user_id: int, placement: str, binding_id: int | None = None,
              options: dict[str, Any] | None = None) -> str:
    query: dict[str, Any] = {"user_id": user_id, "placement": placement}
    if binding_id is not None:
        query["binding_id"] = binding_id
    if options:
        query["options"] = json.dumps(options, ensure_ascii=False)
    return f"/_sandbox/open?{urlencode(query)}"


@bp.errorhandler(RestError)
def rest_error(error: RestError) -> tuple[str, int]:
    return render_template("ui/error.html", current=None, menu=[], error=error), 400


@bp.route("/")
def pick_user() -> str:
    portal = _sandbox().portal
    query = request.args.get("q", "").strip().lower()
    with portal.lock:
        users = [u for u in portal.users.values() if u.active and (
            not query or query in f"{u.last_name} {u.name} {u.work_position} {u.email}".lower())]
        users = users[:60]
        departments = {d.id: d.name for d in portal.departments.values()}
    return _render("ui/users.html", None, users=users, departments=departments, q=query)


def _is_overdue(task: dict[str, Any], now: datetime) -> bool:
    deadline = task.get("deadline")
    if not deadline or str(task.get("status")) in ("4", "5"):
        return False
    try:
        return datetime.fromisoformat(str(deadline)) < now
    except ValueError:
        return False


@bp.route("/ui/u/<int:user_id>/tasks")
def tasks(user_id: int) -> str:
    start = request.args.get("start", "0")
    found = _act(user_id, "tasks.task.list", {
        "filter": {"RESPONSIBLE_ID": user_id}, "order": {"DEADLINE": "asc", "ID": "desc"},
        "select": ["ID", "TITLE", "STATUS", "DEADLINE", "PARENT_ID", "CREATED_BY"], "start": start})
    now = _sandbox().clock.now()
    rows = [dict(t, overdue=_is_overdue(t, now), status_label=STATUS_LABELS.get(str(t.get("status")), ""))
            for t in found.get("tasks", [])]
    return _render("ui/tasks.html", user_id, tasks=rows)


def _attachments(user_id: int, attachment_ids: list[Any]) -> list[dict[str, Any]]:
    files = []
    for attachment_id in attachment_ids:
        try:
            files.append(_act(user_id, "disk.attachedObject.get", {"id": attachment_id}))
        except RestError:
            continue
    return files


@bp.route("/ui/u/<int:user_id>/tasks/<int:task_id>")
def task(user_id: int, task_id: int) -> str:
    found = _act(user_id, "tasks.task.get", {"taskId": task_id, "select": ["*", "UF_TASK_WEBDAV_FILES"]})
    if not found:
        abort(404)
    item = found["task"]
    checklist = _act(user_id, "task.checklistitem.getlist", {"TASKID": task_id, "ORDER": {"SORT_INDEX": "ASC"}})
    comments = _act(user_id, "task.commentitem.getlist", {"TASKID": task_id, "ORDER": {"ID": "ASC"}})
    subtasks = _act(user_id, "tasks.task.list", {"filter": {"PARENT_ID": task_id},
                                                 "select": ["ID", "TITLE", "STATUS", "DEADLINE"]})
    now = _sandbox().clock.now()
    portal = _sandbox().portal
    with portal.lock:
        tabs = [{"id": p.id, "title": p.title or "Приложение"} for p in portal.placements.values()
                if p.placement == "TASK_VIEW_TAB" and portal.apps[p.client_id].installed]
    tab = request.args.get("tab", type=int)
    frame = _open_url(user_id, "TASK_VIEW_TAB", tab, {"taskId": str(task_id)}) if tab else None
    return _render("ui/task.html", user_id, task=item, overdue=_is_overdue(item, now),
                   status_label=STATUS_LABELS.get(str(item.get("status")), ""),
                   checklist=checklist, comments=comments, subtasks=subtasks.get("tasks", []),
                   files=_attachments(user_id, item.get("ufTaskWebdavFiles") or []),
                   tabs=tabs, tab=tab, frame=frame)


@bp.route("/ui/u/<int:user_id>/tasks/<int:task_id>/checklist/<int:item_id>", methods=["POST"])
def tick(user_id: int, task_id: int, item_id: int) -> Response:
    method = "task.checklistitem.renew" if request.form.get("action") == "renew" else "task.checklistitem.complete"
    _act(user_id, method, {"TASKID": task_id, "ITEMID": item_id})
    return redirect(url_for("sandbox_ui.task", user_id=user_id, task_id=task_id))


@bp.route("/ui/u/<int:user_id>/tasks/<int:task_id>/comments", methods=["POST"])
def comment(user_id: int, task_id: int) -> Response:
    _act(user_id, "task.commentitem.add", {"TASKID": task_id,
                                           "FIELDS": {"POST_MESSAGE": request.form.get("message", "")}})
    return redirect(url_for("sandbox_ui.task", user_id=user_id, task_id=task_id))


@bp.route("/ui/u/<int:user_id>/tasks/<int:task_id>/photos", methods=["POST"])
def photo(user_id: int, task_id: int) -> Response:
    upload = request.files.get("photo")
    content = upload.read(MAX_PHOTO_BYTES + 1) if upload else b""
    if not upload or not content or len(content) > MAX_PHOTO_BYTES:
        raise RestError("ERROR_ARGUMENT", "Выберите файл до 10 МБ", 400)
    sandbox = _sandbox()
    with sandbox.portal.lock:
        folder_id = user_storage(sandbox.portal, user_id, sandbox.clock.now()).root_object_id
    name = upload.filename or "photo.jpg"
    stored = _act(user_id, "disk.folder.uploadfile", {
        "id": folder_id, "data": {"NAME": name}, "generateUniqueName": True,
        "fileContent": [name, base64.b64encode(content).decode()]})
    try:
        _act(user_id, "tasks.task.files.attach", {"taskId": task_id, "fileId": stored["ID"]})
    except RestError:
        # Without edit rights on the task (a responsible usually has none), Bitrix24 users
        # post photo reports as a comment with the file attached.
        _act(user_id, "task.commentitem.add", {"TASKID": task_id, "FIELDS": {
            "POST_MESSAGE": "Фотоотчёт", "UF_FORUM_MESSAGE_DOC": [f"n{stored['ID']}"]}})
    return redirect(url_for("sandbox_ui.task", user_id=user_id, task_id=task_id))


@bp.route("/ui/u/<int:user_id>/app/<int:binding_id>")
def app_page(user_id: int, binding_id: int) -> str:
    binding = _sandbox().portal.placements.get(binding_id)
    if binding is None:
        abort(404)
    return _render("ui/app.html", user_id, title=binding.title or "Приложение",
                   frame=_open_url(user_id, binding.placement, binding_id))
