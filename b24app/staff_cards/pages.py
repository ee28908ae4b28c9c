"""What the staff pages show, gathered in one read: people, cards with their differences."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from ..org import queries as org
from ..org.models import OrgDepartment, OrgUser
from ..roles import Caller
from . import actualization, audit
from .cards import can_edit_store, current_fields, former_staff, open_cards
from .models import ActualizationTask, StaffCard


@dataclass
class CardRow:
    """A card as the pages show it: who, what kind, before → after, its state."""
    card: StaffCard
    name: str
    store: str
    author: str
    changes: list[dict[str, Any]]


@dataclass
class StorePage:
    """Everything of one store's staff page (also the actualization task's tab)."""
    store: OrgDepartment
    staff: list[OrgUser]
    cards: list[CardRow]
    former: list[OrgUser]
    task: ActualizationTask | None
    can_edit: bool
    pending_user_ids: set[int] = field(default_factory=set)


def _name(session: Session, portal_id: int, user_id: int | None) -> str:
    person = org.user(session, portal_id, user_id) if user_id is not None else None
    return person.full_name if person is not None else (str(user_id) if user_id else "")


def card_rows(session: Session, portal_id: int, cards: Sequence[StaffCard]) -> list[CardRow]:
    """Return display rows for cards, with the difference from the portal's current data."""
    rows = []
    for card in cards:
        person = (org.user(session, portal_id, card.target_user_id)
                  if card.target_user_id is not None else None)
        store = org.department(session, portal_id, card.store_id)
        rows.append(CardRow(card, audit.subject_name(card.fields), store.name if store else "",
                            _name(session, portal_id, card.author_id),
                            audit.difference(current_fields(person, card.store_id), card.fields)))
    return rows


def store_page(session: Session, caller: Caller, store: OrgDepartment) -> StorePage:
    """Gather one store's page: active staff, open cards, former staff, actualization task."""
    cards = open_cards(session, caller.portal_id, [store.b24_id])
    return StorePage(store=store, staff=org.store_staff(session, caller.portal_id, store.b24_id),
                     cards=card_rows(session, caller.portal_id, cards),
                     former=former_staff(session, caller.portal_id, store.b24_id),
                     task=actualization.latest_task(session, caller.portal_id, store.b24_id),
                     can_edit=can_edit_store(caller, store.b24_id),
                     pending_user_ids={c.target_user_id for c in cards if c.target_user_id})


def display_date(iso: str | None) -> str:
    """Return an ISO date (as the org model and the cards keep it) as DD.MM.YYYY; "" if none."""
    text = (iso or "")[:10]
    try:
        return date.fromisoformat(text).strftime("%d.%m.%Y") if text else ""
    except ValueError:
        return text


def people_names(session: Session, portal_id: int, user_ids: set[int]) -> dict[int, str]:
    """Return full names of users by ID (for the audit log)."""
    return {uid: _name(session, portal_id, uid) for uid in user_ids}


def store_names(session: Session, portal_id: int) -> dict[int, str]:
    """Return store names by department ID."""
    return {s.b24_id: s.name for s in org.stores(session, portal_id)}
