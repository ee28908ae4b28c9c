"""Excel downloads: a store's staff (its manager), the division's staff and audit log (HR)."""
from __future__ import annotations

import tempfile
from typing import IO, Callable
from urllib.parse import quote

from flask import Response, g, send_file
from flask.typing import ResponseReturnValue

from b24app.i18n import translate
from b24app.org import queries as org
from b24app.roles import ADMIN, HR, STORE_MANAGER
from b24app.staff_cards import approval, audit, cards, excel
from b24app.staff_cards.cards import NotAllowed
from b24app.staff_cards.pages import people_names, store_names

from ..auth import page
from ..templating import current_language
from .common import bp, services

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(write: Callable[[IO[bytes]], object], name: str) -> Response:
    # The workbook is streamed to a temporary file, never held in memory as a whole.
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    write(spool)
    spool.seek(0)
    response = send_file(spool, mimetype=XLSX, as_attachment=True, download_name=name)
    # RFC 6266: an ASCII fallback plus the UTF-8 name (Cyrillic store names).
    ascii_name = name.encode("ascii", "replace").decode().replace("?", "_")
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}")
    return response


@bp.route("/store/<int:store_id>/export.xlsx", methods=["GET"])
@page(roles=(STORE_MANAGER, ADMIN))
def export_store(store_id: int) -> ResponseReturnValue:
    """The manager's store: current staff, pending changes marked."""
    svc, caller, lang = services(), g.caller, current_language()
    with svc.session_factory() as session:
        store = org.store(session, caller.portal_id, store_id)
        if store is None or not cards.can_edit_store(caller, store_id):
            raise NotAllowed(f"store {store_id}")
        rows = list(excel.staff_rows(session, caller.portal_id, [store_id], lang))
        name = excel.file_name(translate(lang, "staff_cards.file_staff"), store.name,
                               svc.clock.now().date())
    return _download(lambda out: excel.write_staff(rows, out, lang, with_place=False), name)


@bp.route("/division/export.xlsx", methods=["GET"])
@page(roles=(HR, ADMIN))
def export_division() -> ResponseReturnValue:
    """HR: every store of the division with region, city and store columns."""
    svc, caller, lang = services(), g.caller, current_language()
    scope = approval.review_scope(caller)
    with svc.session_factory() as session:
        rows = list(excel.staff_rows(session, caller.portal_id, scope, lang))
        root = org.department(session, caller.portal_id, caller.hr_division_root) if (
            caller.hr_division_root is not None) else None
        label = root.name if root is not None else translate(lang, "staff_cards.title")
    name = excel.file_name(translate(lang, "staff_cards.file_staff"), label, svc.clock.now().date())
    return _download(lambda out: excel.write_staff(rows, out, lang, with_place=True), name)


@bp.route("/audit/export.xlsx", methods=["GET"])
@page(roles=(HR, ADMIN))
def export_audit() -> ResponseReturnValue:
    """HR: the division's whole audit log."""
    svc, caller, lang = services(), g.caller, current_language()
    scope = approval.review_scope(caller)
    with svc.session_factory() as session:
        entries = list(audit.iter_entries(session, caller.portal_id, scope))
        people = people_names(session, caller.portal_id, {e.actor_id for e in entries if e.actor_id})
        stores = store_names(session, caller.portal_id)
    name = excel.file_name(translate(lang, "staff_cards.file_audit"), "", svc.clock.now().date())
    return _download(lambda out: excel.write_audit(entries, people, stores, out, lang), name)
