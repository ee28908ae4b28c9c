"""The manager's side: propose, amend and withdraw cards for the people of their own store.

A saved card is only a row here (pending, shown red with its difference from the portal's
current data); nothing is sent to Bitrix24 before HR approves it (approval.py). Every
function checks the caller's scope itself, so a guessed store, user or card ID of another
store raises ``NotAllowed`` whatever page it came through.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..org import queries as org
from ..org.models import OrgUser
from ..roles import ADMIN, STORE_MANAGER, Caller
from . import audit
from .models import (DISMISSAL, KINDS, NEW, OPEN_STATUSES, PENDING, REHIRE, WITHDRAWN,
                     StaffCard)
from .validation import Lookups, Subject, validate_card

EDITOR_ROLES = (STORE_MANAGER, ADMIN)


class NotAllowed(Exception):
    """The caller may not see or change this store, person or card."""


@dataclass
class CardResult:
    """A saved card, or the per-field errors that stopped it (nothing saved then)."""
    card: StaffCard | None = None
    errors: dict[str, str] = field(default_factory=dict)


def can_edit_store(caller: Caller, store_id: int) -> bool:
    """Return True if the caller manages ``store_id`` (or is an admin)."""
    return caller.has_role(*EDITOR_ROLES) and caller.can_see_store(store_id, *EDITOR_ROLES)


def require_store(session: Session, caller: Caller, store_id: int) -> None:
    """Raise NotAllowed unless ``store_id`` is a known store the caller manages."""
    if org.store(session, caller.portal_id, store_id) is None or not can_edit_store(caller, store_id):
        raise NotAllowed(f"store {store_id}")


def current_fields(user: OrgUser | None, store_id: int) -> dict[str, Any]:
    """Return a person's current portal data in card form (empty for a new hire)."""
    if user is None:
        return {}
    return {"last_name": user.last_name, "first_name": user.name, "middle_name": user.second_name,
            "email": user.email.lower(), "mobile": user.personal_mobile,
            "position": user.work_position, "store_id": store_id,
            "birth_date": user.personal_birthday, "employment_date": user.employment_date,
            "dismissal_date": ""}


def former_staff(session: Session, portal_id: int, store_id: int) -> list[OrgUser]:
    """Return dismissed people who last belonged to the store (candidates for rehire)."""
    rows = session.scalars(select(OrgUser).where(OrgUser.portal_id == portal_id,
                                                 OrgUser.active.is_(False)))
    return sorted((u for u in rows if store_id in (u.departments or [])),
                  key=lambda u: (u.last_name, u.name, u.b24_id))


def lookups_for(session: Session, caller: Caller) -> Lookups:
    """Build the validation lookups on the org model and the open cards of the portal."""
    portal_id = caller.portal_id

    def email_owner(email: str) -> int | None:
        return session.scalar(select(OrgUser.b24_id).where(
            OrgUser.portal_id == portal_id, func.lower(OrgUser.email) == email).limit(1))

    def email_pending(email: str) -> int | None:
        return session.scalar(select(StaffCard.id).where(
            StaffCard.portal_id == portal_id, StaffCard.email_key == email,
            StaffCard.status.in_(OPEN_STATUSES)).limit(1))

    return Lookups(email_owner=email_owner, email_pending=email_pending,
                   store_exists=lambda sid: org.store(session, portal_id, sid) is not None,
                   store_allowed=lambda sid: can_edit_store(caller, sid))


def open_card_for(session: Session, portal_id: int, user_id: int) -> StaffCard | None:
    """Return the person's card that still waits for HR or the portal, if any."""
    return session.scalar(select(StaffCard).where(
        StaffCard.portal_id == portal_id, StaffCard.target_user_id == user_id,
        StaffCard.status.in_(OPEN_STATUSES)).limit(1))


def open_cards(session: Session, portal_id: int, store_ids: list[int] | None) -> list[StaffCard]:
    """Return the open cards of some stores (None: all), oldest first."""
    query = select(StaffCard).where(StaffCard.portal_id == portal_id,
                                    StaffCard.status.in_(OPEN_STATUSES))
    if store_ids is not None:
        query = query.where(StaffCard.store_id.in_(store_ids))
    return list(session.scalars(query.order_by(StaffCard.created_at, StaffCard.id)))


def target_user(session: Session, caller: Caller, kind: str, store_id: int,
                user_id: int | None) -> OrgUser | None:
    """Return the card's person, checking they belong to the store; NotAllowed otherwise."""
    if kind not in KINDS:
        raise NotAllowed(f"kind {kind}")
    if kind == NEW:
        return None
    person = org.user(session, caller.portal_id, user_id) if user_id is not None else None
    if person is None:
        raise NotAllowed(f"user {user_id}")
    if kind == REHIRE:
        if person.active or store_id not in (person.departments or []):
            raise NotAllowed(f"user {user_id}")
    elif not person.active or store_id not in (person.departments or []):
        raise NotAllowed(f"user {user_id}")
    return person


def _form_for(kind: str, form: Mapping[str, str], current: dict[str, Any]) -> dict[str, str]:
    if kind == DISMISSAL:
        # A dismissal changes nothing but the date: the person's data stays as the portal has it.
        merged = {k: str(v or "") for k, v in current.items()}
        merged["dismissal_date"] = str(form.get("dismissal_date", ""))
        return merged
    merged = {k: str(v) for k, v in form.items()}
    if not merged.get("employment_date", "").strip() and current.get("employment_date"):
        # The portal cannot clear a hire date (approval sends no empty one): blank keeps it.
        merged["employment_date"] = str(current["employment_date"])
    return merged


def create_card(session: Session, caller: Caller, kind: str, store_id: int,
                user_id: int | None, form: Mapping[str, str], now: datetime) -> CardResult:
    """Validate and save a new pending card; nothing is saved when any field is invalid."""
    require_store(session, caller, store_id)
    person = target_user(session, caller, kind, store_id, user_id)
    if person is not None and open_card_for(session, caller.portal_id, person.b24_id) is not None:
        return CardResult(errors={"target": "err_card_open"})
    current = current_fields(person, store_id)
    fields, errors = validate_card(_form_for(kind, form, current),
                                   Subject(kind, person.b24_id if person else None),
                                   lookups_for(session, caller), now.date())
    if fields is None:
        return CardResult(errors=errors)
    card = StaffCard(portal_id=caller.portal_id, store_id=int(fields["store_id"]) if kind == NEW else store_id, kind=kind,
                     target_user_id=person.b24_id if person else None, fields=fields,
                     email_key=fields["email"], status=PENDING, author_id=caller.user_id,
                     created_at=now, updated_at=now)
    session.add(card)
    session.flush()
    audit.log(session, card, caller.user_id, audit.CREATED, now,
              changes=audit.difference(current, fields))
    return CardResult(card=card)


def editable_card(session: Session, caller: Caller, card_id: int) -> StaffCard:
    """Return a pending card of a store the caller manages; NotAllowed otherwise."""
    card = session.get(StaffCard, card_id)
    if card is None or card.portal_id != caller.portal_id or not can_edit_store(caller, card.store_id):
        raise NotAllowed(f"card {card_id}")
    return card


def amend_card(session: Session, caller: Caller, card_id: int, form: Mapping[str, str],
               now: datetime) -> CardResult:
    """Change a pending card's fields (re-validated); an approved card can no longer change."""
    card = editable_card(session, caller, card_id)
    if card.status != PENDING:
        return CardResult(card=card, errors={"card": "err_not_pending"})
    person = (org.user(session, caller.portal_id, card.target_user_id)
              if card.target_user_id is not None else None)
    current = current_fields(person, card.store_id)
    fields, errors = validate_card(_form_for(card.kind, form, current),
                                   Subject(card.kind, card.target_user_id, card.id),
                                   lookups_for(session, caller), now.date())
    if fields is None:
        return CardResult(card=card, errors=errors)
    changes = audit.difference(card.fields, fields)
    card.fields, card.email_key = fields, fields["email"]
    if card.kind == NEW:
        card.store_id = int(fields["store_id"])
    card.error, card.updated_at = "", now
    audit.log(session, card, caller.user_id, audit.AMENDED, now, changes=changes)
    return CardResult(card=card)


def withdraw_card(session: Session, caller: Caller, card_id: int, now: datetime) -> bool:
    """Withdraw a pending card; return False when it is no longer pending."""
    card = editable_card(session, caller, card_id)
    if card.status != PENDING:
        return False
    card.status, card.updated_at = WITHDRAWN, now
    audit.log(session, card, caller.user_id, audit.WITHDRAWN, now)
    return True
