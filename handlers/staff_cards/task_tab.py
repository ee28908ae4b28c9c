"""The TASK_VIEW_TAB of an actualization task: that store's staff and cards, in the task card.

Bitrix24 opens the tab with PLACEMENT_OPTIONS {"taskId": "31"} (rest-facts §9); the page
decorator carries ``taskId`` over as a query argument. The manager edits there and HR
approves there; the forms come back to the tab (``tab=<taskId>``).
"""
from __future__ import annotations

from flask import g, render_template, request
from flask.typing import ResponseReturnValue

from b24app.org import queries as org
from b24app.roles import ADMIN, HR
from b24app.staff_cards import actualization, cards
from b24app.staff_cards.pages import store_page

from ..auth import page
from .common import bp, notice, services


@bp.route("/task-tab", methods=["GET", "POST"])
@page()
def task_tab() -> ResponseReturnValue:
    """Show the actualization task's store, for its manager and for HR of that store."""
    caller = g.caller
    task_id = request.args.get("taskId", "")
    with services().session_factory() as session:
        row = (actualization.by_task_id(session, caller.portal_id, int(task_id))
               if task_id.isdigit() else None)
        store = org.store(session, caller.portal_id, row.store_id) if row is not None else None
        reviewer = store is not None and caller.has_role(HR, ADMIN) and caller.can_see_store(
            store.b24_id, HR, ADMIN)
        if store is None or not (cards.can_edit_store(caller, store.b24_id) or reviewer):
            return render_template("staff_cards/task_tab_none.html"), 200 if row is None else 403
        shown = store_page(session, caller, store)
        return render_template("staff_cards/task_tab.html", page_data=shown, notice=notice(),
                               reviewer=reviewer, tab=task_id, now=services().clock.now(),
                               refused=request.args.getlist("refused"))
