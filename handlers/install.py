"""POST /install: both documented install shapes (rest-facts §9 "Tokens and OAuth").

- ONAPPINSTALL (an "uses API only" local app): server to server; answered with JSON.
- The UI app's first opening (PLACEMENT=DEFAULT with AUTH_ID/REFRESH_ID): answered with a
  small page that calls ``BX24.installFinish()``, without which Bitrix24 delivers no events
  and shows no placements (settings/app-installation/installation-finish.md).
Binding events and placements happens afterwards in the ``portal_setup`` job.
"""
from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request
from flask.typing import ResponseReturnValue

from b24app.bitrix.events import parse_install_payload, parse_placement_payload
from b24app.bitrix.user_auth import whoami
from b24app.install import accept_install, grant_from_install_event, grant_from_install_page
from b24app.page_auth import is_placement_post

from .context import current_services

bp = Blueprint("install", __name__)


@bp.post("/install")
def install() -> ResponseReturnValue:
    services = current_services()
    now = services.clock.now()
    if is_placement_post(request.form):
        https = request.args.get("PROTOCOL", request.form.get("PROTOCOL", "1")) != "0"
        grant = grant_from_install_page(parse_placement_payload(request.form, request.args), https, now)
    else:
        grant = grant_from_install_event(parse_install_payload(request.form), now)
    accept_install(services, grant, now, whoami)
    if grant.via_page:
        return render_template("install/finish.html")
    return jsonify(ok=True)
