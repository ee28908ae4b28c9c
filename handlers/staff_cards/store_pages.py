"""The store manager's pages: the store's staff and pending cards, the card forms, confirm."""
from __future__ import annotations

from flask import abort, g, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from b24app.org import queries as org
from b24app.org.models import OrgDepartment, OrgUser
from b24app.roles import ADMIN, HR, STORE_MANAGER
from b24app.staff_cards import actualization, cards
from b24app.staff_cards.cards import NotAllowed
from b24app.staff_cards.models import FIELD_NAMES, KINDS
from b24app.staff_cards.pages import store_page

from ..auth import page
from .common import back, bp, go, notice, require_nonce, services

VIEW_ROLES = (STORE_MANAGER, HR, ADMIN)


def _visible_store(session: Session, store_id: int) -> OrgDepartment:
    """Return the store if the caller edits it or reviews it (HR division); NotAllowed else."""
    caller = g.caller
    store = org.store(session, caller.portal_id, store_id)
    if store is None or not (cards.can_edit_store(caller, store_id)
                             or (caller.has_role(HR, ADMIN) and caller.can_see_store(store_id, HR, ADMIN))):
        raise NotAllowed(f"store {store_id}")
    return store


@bp.route("", methods=["GET", "POST"])
@page()
def index() -> ResponseReturnValue:
    """LEFT_MENU entry: managers land on their store, HR on the approval page."""
    caller = g.caller
    if caller.managed_store_ids:
        return go("staff_cards.store", store_id=min(caller.managed_store_ids))
    if caller.has_role(HR, ADMIN):
        return go("staff_cards.review")
    return render_template("staff_cards/no_role.html"), 403


@bp.route("/store/<int:store_id>", methods=["GET"])
@page(roles=VIEW_ROLES)
def store(store_id: int) -> ResponseReturnValue:
    """The store's active staff, pending cards in red, former staff, the confirm button."""
    with services().session_factory() as session:
        shown = store_page(session, g.caller, _visible_store(session, store_id))
        return render_template("staff_cards/store.html", page_data=shown, notice=notice(),
                               now=services().clock.now(), tab="")


def _form_values(person: OrgUser | None, store_id: int) -> dict[str, object]:
    current = cards.current_fields(person, store_id) if person is not None else {"store_id": store_id}
    return {name: str(current.get(name, "") or "") for name in FIELD_NAMES}


@bp.route("/store/<int:store_id>/card/<kind>", methods=["GET", "POST"])
@page(roles=(STORE_MANAGER, ADMIN))
def card_form(store_id: int, kind: str) -> ResponseReturnValue:
    """Add, change, dismiss or rehire someone: a pending card on a valid post."""
    if kind not in KINDS:
        abort(404)
    svc, caller = services(), g.caller
    user_id = request.values.get("user", "")
    target = int(user_id) if user_id.isdigit() else None
    errors: dict[str, str] = {}
    if request.method == "POST":
        require_nonce()
    with svc.session_factory.begin() as session:
        cards.require_store(session, caller, store_id)
        person = cards.target_user(session, caller, kind, store_id, target)
        values = _form_values(person, store_id)
        if request.method == "POST":
            result = cards.create_card(session, caller, kind, store_id, target,
                                       request.form.to_dict(), svc.clock.now())
            if result.card is not None:
                return back(store_id, done="saved")
            errors = result.errors
            values.update({k: v for k, v in request.form.items() if k in FIELD_NAMES})
        return render_template("staff_cards/card_form.html", kind=kind, values=values,
                               errors=errors, person=person, store_id=store_id,
                               stores=_editable_stores(session),
                               positions=org.positions(session, caller.portal_id),
                               action=request.path, tab=request.values.get("tab", "")), (
            400 if errors else 200)


def _editable_stores(session: Session) -> list[OrgDepartment]:
    caller = g.caller
    return [s for s in org.stores(session, caller.portal_id)
            if cards.can_edit_store(caller, s.b24_id)]


@bp.route("/cards/<int:card_id>/amend", methods=["GET", "POST"])
@page(roles=(STORE_MANAGER, ADMIN))
def amend(card_id: int) -> ResponseReturnValue:
    """Change a pending card before HR decides."""
    svc, caller = services(), g.caller
    errors: dict[str, str] = {}
    if request.method == "POST":
        require_nonce()
    with svc.session_factory.begin() as session:
        card = cards.editable_card(session, caller, card_id)
        values: dict[str, object] = {name: str(card.fields.get(name, "") or "") for name in FIELD_NAMES}
        if request.method == "POST":
            result = cards.amend_card(session, caller, card_id, request.form.to_dict(),
                                      svc.clock.now())
            if not result.errors:
                return back(card.store_id, done="saved")
            errors = result.errors
            values.update({k: v for k, v in request.form.items() if k in FIELD_NAMES})
        person = (org.user(session, caller.portal_id, card.target_user_id)
                  if card.target_user_id is not None else None)
        return render_template("staff_cards/card_form.html", kind=card.kind, values=values,
                               errors=errors, person=person, store_id=card.store_id,
                               stores=_editable_stores(session),
                               positions=org.positions(session, caller.portal_id),
                               action=request.path, tab=request.values.get("tab", ""),
                               amending=True), 400 if errors else 200


@bp.route("/cards/<int:card_id>/withdraw", methods=["POST"])
@page(roles=(STORE_MANAGER, ADMIN))
def withdraw(card_id: int) -> ResponseReturnValue:
    """Withdraw a pending card."""
    require_nonce()
    svc = services()
    with svc.session_factory.begin() as session:
        card = cards.editable_card(session, g.caller, card_id)
        cards.withdraw_card(session, g.caller, card_id, svc.clock.now())
        store_id = card.store_id
    return back(store_id, done="withdrawn")


@bp.route("/store/<int:store_id>/confirm", methods=["POST"])
@page(roles=(STORE_MANAGER, ADMIN))
def confirm(store_id: int) -> ResponseReturnValue:
    """The manager confirms the staff list; the actualization task completes via the queue."""
    require_nonce()
    svc = services()
    with svc.session_factory.begin() as session:
        actualization.confirm(session, g.caller, store_id, svc.clock.now())
    return back(store_id, done="confirm_done")

