"""The audit log of staff cards: write one entry per decision, read and export them."""
from __future__ import annotations

from collections.abc import Collection, Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import FIELD_NAMES, StaffCard, StaffCardAudit

CREATED = "created"
AMENDED = "amended"
WITHDRAWN = "withdrawn"
APPROVED = "approved"
REJECTED = "rejected"
APPLIED = "applied"
FAILED = "failed"
HANDED_OVER = "handed_over"
CONFIRMED = "confirmed"


def difference(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    """Return [{field, before, after}] for every card field whose value changes."""
    changes = []
    for name in FIELD_NAMES:
        old, new = before.get(name, ""), after.get(name, "")
        if name in after and str(old or "") != str(new or ""):
            changes.append({"field": name, "before": old or "", "after": new or ""})
    return changes


def subject_name(fields: dict[str, Any]) -> str:
    """Return "Last First Middle" of a card's person."""
    return " ".join(str(fields.get(k) or "") for k in ("last_name", "first_name", "middle_name")
                    if fields.get(k)).strip()


def log(session: Session, card: StaffCard, actor_id: int, action: str, now: datetime, *,
        changes: list[dict[str, Any]] | None = None, note: str = "") -> StaffCardAudit:
    """Add one audit entry for ``card``."""
    entry = StaffCardAudit(portal_id=card.portal_id, card_id=card.id, store_id=card.store_id,
                           actor_id=actor_id, action=action, subject=subject_name(card.fields),
                           changes=list(changes or []), note=note[:2000], at=now)
    session.add(entry)
    return entry


def entries(session: Session, portal_id: int, store_ids: Collection[int] | None, *,
            limit: int | None = 200, offset: int = 0) -> list[StaffCardAudit]:
    """Return the newest entries of the given stores (None: every store)."""
    query = select(StaffCardAudit).where(StaffCardAudit.portal_id == portal_id)
    if store_ids is not None:
        query = query.where(StaffCardAudit.store_id.in_(list(store_ids)))
    query = query.order_by(StaffCardAudit.at.desc(), StaffCardAudit.id.desc()).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def iter_entries(session: Session, portal_id: int,
                 store_ids: Collection[int] | None) -> Iterator[StaffCardAudit]:
    """Yield every entry of the given stores, newest first, without loading them all at once."""
    query = select(StaffCardAudit).where(StaffCardAudit.portal_id == portal_id)
    if store_ids is not None:
        query = query.where(StaffCardAudit.store_id.in_(list(store_ids)))
    query = query.order_by(StaffCardAudit.at.desc(), StaffCardAudit.id.desc())
    yield from session.scalars(query.execution_options(yield_per=1000))
