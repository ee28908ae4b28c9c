"""HR pages: pending cards of the division (approve, bulk approve, reject), audit, actualization."""
from __future__ import annotations

from flask import g, render_template, request
from flask.typing import ResponseReturnValue

from b24app.org import queries as org
from b24app.roles import ADMIN, HR
from b24app.staff_cards import actualization, approval, audit
from b24app.staff_cards.cards import open_cards
from b24app.staff_cards.pages import card_rows, people_names, store_names

from ..auth import page
from .common import bp, go, ints, notice, require_nonce, services

HR_ROLES = (HR, ADMIN)
AUDIT_PAGE_SIZE = 200


def _scope_list() -> list[int] | None:
    scope = approval.review_scope(g.caller)
    return None if scope is None else sorted(scope)


@bp.route("/review", methods=["GET"])
@page(roles=HR_ROLES)
def review() -> ResponseReturnValue:
    """The division's open cards with before → after; approve, bulk approve, reject."""
    with services().session_factory() as session:
        rows = card_rows(session, g.caller.portal_id, open_cards(session, g.caller.portal_id,
                                                                 _scope_list()))
        return render_template("staff_cards/review.html", rows=rows, notice=notice(),
                               refused=request.args.getlist("refused"), tab="")


@bp.route("/review/approve", methods=["POST"])
@page(roles=HR_ROLES)
def approve() -> ResponseReturnValue:
    """Approve the chosen cards; one card is also checked live in the portal first."""
    require_nonce()
    svc, caller = services(), g.caller
    card_ids = ints(request.form.getlist("card_id"))
    owners: dict[str, int] = {}
    if len(card_ids) == 1:
        # A single approval asks the portal itself whether the e-mail is free (the org model
        # may be hours old); a bulk approval relies on user.add's own duplicate check, which
        # keeps a refused card pending (kinds.apply_failed) and keeps the batch budget.
        with svc.session_factory() as session:
            emails = approval.emails_to_check([approval.reviewable_card(session, caller, card_ids[0])])
        if emails:
            owners = approval.live_email_owners(svc.bitrix.for_portal(caller.portal_id), emails)
    with svc.session_factory.begin() as session:
        decision = approval.approve(session, caller, card_ids, svc.clock.now(), owners)
    tab = request.form.get("tab", "")
    extra = {"done": "approved_n", "n": str(len(decision.approved)),
             "refused": [str(i) for i in decision.refused]}
    if tab.isdigit():
        return go("staff_cards.task_tab", taskId=tab, **extra)
    return go("staff_cards.review", **extra)


@bp.route("/cards/<int:card_id>/reject", methods=["POST"])
@page(roles=HR_ROLES)
def reject(card_id: int) -> ResponseReturnValue:
    """Reject a card with a reason (the manager is notified)."""
    require_nonce()
    svc = services()
    with svc.session_factory.begin() as session:
        error = approval.reject(session, g.caller, card_id, request.form.get("reason", ""),
                                svc.clock.now())
    if error is not None:
        with svc.session_factory() as session:
            rows = card_rows(session, g.caller.portal_id,
                             open_cards(session, g.caller.portal_id, _scope_list()))
            return render_template("staff_cards/review.html", rows=rows, notice=None,
                                   refused=[], reject_error=(card_id, error), tab=""), 400
    tab = request.form.get("tab", "")
    if tab.isdigit():
        return go("staff_cards.task_tab", taskId=tab, done="rejected")
    return go("staff_cards.review", done="rejected")


@bp.route("/audit", methods=["GET"])
@page(roles=HR_ROLES)
def audit_log() -> ResponseReturnValue:
    """The newest entries of the audit log of the division."""
    offset = int(request.args.get("offset", "0")) if request.args.get("offset", "").isdigit() else 0
    with services().session_factory() as session:
        entries = audit.entries(session, g.caller.portal_id, _scope_list(),
                                limit=AUDIT_PAGE_SIZE, offset=offset)
        names = people_names(session, g.caller.portal_id, {e.actor_id for e in entries if e.actor_id})
        return render_template("staff_cards/audit.html", entries=entries, names=names,
                               stores=store_names(session, g.caller.portal_id), offset=offset,
                               page_size=AUDIT_PAGE_SIZE)


@bp.route("/actualization", methods=["GET", "POST"])
@page(roles=HR_ROLES)
def actualization_overview() -> ResponseReturnValue:
    """Actualization tasks by region, overdue ones red; the schedule form."""
    svc, caller = services(), g.caller
    errors: dict[str, str] = {}
    if request.method == "POST":
        require_nonce()
        with svc.session_factory.begin() as session:
            errors = actualization.save_schedule(
                session, caller.portal_id, request.form.get("enabled") == "1",
                request.form.get("day_of_month", ""), request.form.get("deadline_days", ""),
                svc.clock.now())
        if not errors:
            return go("staff_cards.actualization_overview", done="schedule_saved")
    with svc.session_factory() as session:
        scope = approval.review_scope(caller)
        groups = actualization.overview(session, caller.portal_id, scope, svc.clock.now())
        schedule = actualization.get_schedule(session, caller.portal_id)
        return render_template("staff_cards/actualization.html", groups=groups, errors=errors,
                               schedule=schedule, notice=notice(),
                               stores_total=len(org.stores(session, caller.portal_id))), (
            400 if errors else 200)
