"""The dashboard page and its Excel export: today by country → region → city → store."""
from __future__ import annotations

from datetime import timedelta

from flask import Response, g, render_template, request
from flask.typing import ResponseReturnValue

from b24app.i18n import translate
from b24app.models import Portal
from b24app.roles import ADMIN, STORE_MANAGER, SUPERIOR
from b24app.store_opening import dashboard as board
from b24app.store_opening.excel import dashboard_workbook
from b24app.store_opening.ticks import task_url

from ..auth import page
from ..context import current_services
from . import bp

VIEWERS = (ADMIN, SUPERIOR, STORE_MANAGER)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _scope() -> frozenset[int] | None:
    return g.caller.store_scope(*VIEWERS)   # type: ignore[no-any-return]


def _filtered(rows: list[board.StoreToday]) -> list[board.StoreToday]:
    status = request.args.get("status", "")
    return [r for r in rows if not status or r.status == status]


@bp.route("/", methods=["GET", "POST"])
@page(roles=VIEWERS)
def dashboard() -> ResponseReturnValue:
    """Show today's status of every store the viewer may see, and the history."""
    services = current_services()
    now = services.clock.now()
    days = 30 if request.args.get("days") == "30" else 7
    with services.session_factory() as session:
        scope = _scope()
        rows = board.today(session, g.caller.portal_id, now, scope)
        per_store, per_superior = board.history(session, g.caller.portal_id,
                                                now.date() - timedelta(days=1), days, scope)
        portal = session.get(Portal, g.caller.portal_id)
        link = task_url(portal) if portal is not None else ""
    shown = _filtered(rows)
    return render_template("store_opening/dashboard.html", tree=board.tree(shown), rows=shown,
                           all_counts=board.tree(rows).counts, statuses=board.STATUSES,
                           per_store=per_store, per_superior=per_superior, days=days,
                           task_link=link, status=request.args.get("status", ""))


@bp.route("/export.xlsx")
@page(roles=VIEWERS)
def dashboard_export() -> ResponseReturnValue:
    """Download what the dashboard shows (the same filter) as Excel."""
    services = current_services()
    lang = g.caller.lang
    with services.session_factory() as session:
        rows = _filtered(board.today(session, g.caller.portal_id, services.clock.now(), _scope()))
    headers = [translate(lang, f"store_opening.col_{name}") for name in (
        "country", "region", "city", "store_id", "store", "date", "status", "reason", "task")]
    labels = {s: translate(lang, f"store_opening.status_{s}") for s in
              (*board.STATUSES, board.NO_TASK_TODAY)}
    return Response(dashboard_workbook(rows, headers, labels), mimetype=XLSX, headers={
        "Content-Disposition": "attachment; filename=store-opening-today.xlsx"})
