"""Sandbox-only routes for apps, placement pages, registration and Drive downloads.

- ``POST /_sandbox/apps`` {install_url, handler_base, scopes[, code]} → client_id/secret/token
- ``POST /_sandbox/apps/<client_id>/install|update|uninstall``
- ``GET  /_sandbox/open?user_id=ID&placement=CODE[&options=JSON][&client_id=..][&binding_id=..]``
- ``POST /_sandbox/users/<id>/register`` (an invited user completes registration: ONUSERADD)
- ``GET  /_sandbox/disk/file/<id>/download``, ``/_sandbox/disk/attached/<id>/download``,
  ``POST /_sandbox/disk/upload/<token>`` (the two-step upload URL of disk.*.uploadfile)
"""
from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from flask import Blueprint, current_app, request
from werkzeug.wrappers import Response

from . import app_lifecycle as lifecycle
from .envelope import json_response
from .errors import RestError
from .methods.disk import PENDING_UPLOADS, file_to_wire, store_file
from .placement_page import placement_fields, resolve_target, self_submitting_form
from .runtime import Sandbox

bp = Blueprint("sandbox_apps", __name__, url_prefix="/_sandbox")


def current_sandbox() -> Sandbox:
    sandbox: Sandbox = current_app.extensions["sandbox"]
    return sandbox


@bp.errorhandler(RestError)
def rest_error(error: RestError) -> Response:
    return json_response(error.envelope(), error.status)


def _json_body() -> dict[str, Any]:
    if not request.data:
        return dict(request.form)
    try:
        body = json.loads(request.data)
    except ValueError:
        raise lifecycle.bad_request("the body must be JSON") from None
    if not isinstance(body, dict):
        raise lifecycle.bad_request("the body must be a JSON object")
    return body


@bp.route("/apps", methods=["GET"])
def list_apps() -> Response:
    apps = current_sandbox().portal.apps.values()
    return json_response({"apps": [{"client_id": a.client_id, "installed": a.installed,
                                    "version": a.version, "scopes": a.scopes,
                                    "install_url": a.install_url, "handler_base": a.handler_base}
                                   for a in apps]})


@bp.route("/apps", methods=["POST"])
def register_app() -> Response:
    app = lifecycle.register_app(current_sandbox(), _json_body())
    return json_response({"client_id": app.client_id, "client_secret": app.client_secret,
                          "application_token": app.application_token, "scopes": app.scopes,
                          "install_url": app.install_url, "handler_base": app.handler_base}, 201)


@bp.route("/apps/<client_id>/install", methods=["POST"])
def install_app(client_id: str) -> Response:
    sandbox = current_sandbox()
    body = _json_body()
    return json_response(lifecycle.install(sandbox, lifecycle.find_app(sandbox, client_id),
                                           body.get("user_id")))


@bp.route("/apps/<client_id>/update", methods=["POST"])
def update_app(client_id: str) -> Response:
    sandbox = current_sandbox()
    body = _json_body()
    return json_response(lifecycle.update(sandbox, lifecycle.find_app(sandbox, client_id),
                                          body.get("user_id")))


@bp.route("/apps/<client_id>/uninstall", methods=["POST"])
def uninstall_app(client_id: str) -> Response:
    sandbox = current_sandbox()
    clean = str(_json_body().get("clean", 0)).strip().lower() in ("1", "true", "y")
    return json_response(lifecycle.uninstall(sandbox, lifecycle.find_app(sandbox, client_id), clean))


@bp.route("/users/<int:user_id>/register", methods=["POST"])
def register_user(user_id: int) -> Response:
    return json_response(lifecycle.complete_registration(current_sandbox(), user_id, _json_body()))


def _options(raw: str | None) -> dict[str, Any]:
    if not raw:
        return {}
    try:
        options = json.loads(raw)
    except ValueError:
        raise lifecycle.bad_request("options must be a JSON object") from None
    if not isinstance(options, dict):
        raise lifecycle.bad_request("options must be a JSON object")
    return options


@bp.route("/open", methods=["GET"])
def open_placement() -> Response:
    """A self-submitting form that POSTs the placement payload to the app's handler."""
    sandbox = current_sandbox()
    user_id = request.args.get("user_id", "")
    if not user_id.isdigit():
        raise lifecycle.bad_request("user_id is required")
    target = resolve_target(sandbox, request.args.get("placement", "DEFAULT"),
                            request.args.get("client_id", ""), request.args.get("binding_id", ""))
    action, fields = placement_fields(sandbox, target, int(user_id),
                                      _options(request.args.get("options")))
    page = Response(self_submitting_form(action, fields), mimetype="text/html")
    page.headers["Cache-Control"] = "no-store"      # the page carries fresh tokens
    return page


def _file_response(object_id: int) -> Response:
    obj = current_sandbox().portal.disk_objects.get(object_id)
    if obj is None or obj.type != "file":
        raise RestError("ERROR_NOT_FOUND", f"Could not find entity with id `{object_id}`", 404)
    response = Response(obj.content, mimetype=obj.content_type)
    response.headers["Content-Disposition"] = "attachment; filename*=UTF-8''" + quote(obj.name, safe="")
    return response


@bp.route("/disk/file/<int:object_id>/download", methods=["GET"])
def download_file(object_id: int) -> Response:
    return _file_response(object_id)


@bp.route("/disk/file/<int:object_id>", methods=["GET"])
def file_detail(object_id: int) -> Response:
    return _file_response(object_id)


@bp.route("/disk/attached/<int:attached_id>/download", methods=["GET"])
def download_attached(attached_id: int) -> Response:
    attached = current_sandbox().portal.attached_objects.get(attached_id)
    if attached is None:
        raise RestError("ERROR_NOT_FOUND", f"Could not find entity with id `{attached_id}`", 404)
    return _file_response(attached.object_id)


@bp.route("/disk/upload/<token>", methods=["POST"])
def upload(token: str) -> Response:
    """Step two of an upload without fileContent: a multipart POST with field ``file``."""
    sandbox = current_sandbox()
    pending = PENDING_UPLOADS.pop(token, None)
    upload_file = request.files.get("file")
    if pending is None or upload_file is None:
        raise RestError("ERROR_ARGUMENT", "Unknown upload token or no field `file`", 400)
    folder_id, user_id, generate = pending
    with sandbox.portal.lock:
        folder = sandbox.portal.disk_objects.get(folder_id)
        if folder is None:
            raise RestError("ERROR_NOT_FOUND", f"Could not find entity with id `{folder_id}`", 400)
        obj = store_file(sandbox.portal, folder, upload_file.filename or "file", upload_file.read(),
                         user_id, sandbox.clock.now(), generate)
        return json_response({"result": file_to_wire(sandbox.base_url, obj)})
