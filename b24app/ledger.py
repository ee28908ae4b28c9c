"""The ledger of expected work: one row per routine slot with its outcome.

A slot is one unit the chain expects to happen (the opening task of store S on local date D,
the fan-out copy for user U in campaign C). Dashboards and exports count outcomes here
instead of guessing from Bitrix24. Outcomes only move forward (see ``RANK``): a late
"created" record never overwrites "done_on_time", unless the caller passes ``allow_regress``.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import (ColumnElement, Date, ForeignKey, Index, String, Text, UniqueConstraint,
                        func, select)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from .db import Base, UtcDateTime

EXPECTED = "expected"
RETRYING = "retrying"
FAILED = "failed"
CREATED = "created"
SKIPPED = "skipped"
PARKED = "parked"
DONE_ON_TIME = "done_on_time"
DONE_LATE = "done_late"
MISSED = "missed"

# Higher rank = further along. Equal ranks may replace each other (retrying ↔ failed).
RANK = {
    EXPECTED: 0,
    RETRYING: 1, FAILED: 1,
    PARKED: 2, SKIPPED: 2,
    CREATED: 3,
    DONE_ON_TIME: 4, DONE_LATE: 4, MISSED: 4,
}
OUTCOMES = tuple(RANK)
FINAL = frozenset({DONE_ON_TIME, DONE_LATE, MISSED})


class LedgerSlot(Base):
    """One expected unit of a routine and what became of it."""
    __tablename__ = "ledger_slot"
    __table_args__ = (
        UniqueConstraint("portal_id", "routine", "slot_key"),
        Index("ix_ledger_slot_store_date", "portal_id", "routine", "local_date", "store_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portal.id", ondelete="CASCADE"))
    routine: Mapped[str] = mapped_column(String(32))
    slot_key: Mapped[str] = mapped_column(String(255))
    store_id: Mapped[int | None] = mapped_column(nullable=True)
    local_date: Mapped[date | None] = mapped_column(Date(), nullable=True)
    subject_user_id: Mapped[int | None] = mapped_column(nullable=True)
    outcome: Mapped[str] = mapped_column(String(16), default=EXPECTED)
    reason: Mapped[str] = mapped_column(Text, default="")
    task_id: Mapped[int | None] = mapped_column(nullable=True)
    work_item_id: Mapped[int | None] = mapped_column(nullable=True)
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


@dataclass(frozen=True)
class SlotRef:
    """Where a slot belongs; only the fields given are written on insert."""
    routine: str
    slot_key: str
    store_id: int | None = None
    local_date: date | None = None
    subject_user_id: int | None = None



def record_outcome(session: Session, portal_id: int, ref: SlotRef, outcome: str, now: datetime, *,
                   reason: str | None = None, task_id: int | None = None,
                   work_item_id: int | None = None, due_at: datetime | None = None,
                   done_at: datetime | None = None, allow_regress: bool = False) -> LedgerSlot:
    """Insert or move a slot to ``outcome``; an earlier outcome never replaces a later one.

    Fields given (reason, task_id, ...) are written even when the outcome itself is kept,
    so a late "created" still stores the task id. Returns the slot row.
    """
    if outcome not in RANK:
        raise ValueError(f"unknown ledger outcome {outcome!r}")
    slot = get_slot(session, portal_id, ref.routine, ref.slot_key)
    if slot is None:
        slot = _insert(session, portal_id, ref, now)
    if allow_regress or RANK[outcome] >= RANK[slot.outcome]:
        slot.outcome = outcome
        if reason is not None:
            slot.reason = reason
    for name, value in (("task_id", task_id), ("work_item_id", work_item_id),
                        ("due_at", due_at), ("done_at", done_at)):
        if value is not None:
            setattr(slot, name, value)
    slot.updated_at = now
    return slot


def _insert(session: Session, portal_id: int, ref: SlotRef, now: datetime) -> LedgerSlot:
    """Insert a new slot, tolerating a concurrent insert of the same key."""
    slot = LedgerSlot(portal_id=portal_id, routine=ref.routine, slot_key=ref.slot_key,
                      store_id=ref.store_id, local_date=ref.local_date,
                      subject_user_id=ref.subject_user_id, outcome=EXPECTED, reason="",
                      updated_at=now)
    try:
        with session.begin_nested():
            session.add(slot)
    except IntegrityError:
        existing = get_slot(session, portal_id, ref.routine, ref.slot_key)
        if existing is None:
            raise
        return existing
    return slot


def get_slot(session: Session, portal_id: int, routine: str, slot_key: str) -> LedgerSlot | None:
    """Return the slot with this key, or None."""
    return session.scalar(select(LedgerSlot).where(
        LedgerSlot.portal_id == portal_id, LedgerSlot.routine == routine,
        LedgerSlot.slot_key == slot_key))


def outcome_counts(session: Session, portal_id: int, routine: str, *,
                   store_ids: Collection[int] | None = None, date_from: date | None = None,
                   date_to: date | None = None) -> dict[str, int]:
    """Count slots by outcome for the given stores and local dates (inclusive)."""
    query = (select(LedgerSlot.outcome, func.count())
             .where(*_filters(portal_id, routine, store_ids, date_from, date_to))
             .group_by(LedgerSlot.outcome))
    return {outcome: int(count) for outcome, count in session.execute(query)}


def outcome_counts_by_store(session: Session, portal_id: int, routine: str, *,
                            store_ids: Collection[int] | None = None,
                            date_from: date | None = None,
                            date_to: date | None = None) -> dict[int, dict[str, int]]:
    """Count slots by store and outcome for the given stores and local dates (inclusive)."""
    query = (select(LedgerSlot.store_id, LedgerSlot.outcome, func.count())
             .where(*_filters(portal_id, routine, store_ids, date_from, date_to),
                    LedgerSlot.store_id.is_not(None))
             .group_by(LedgerSlot.store_id, LedgerSlot.outcome))
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for store_id, outcome, count in session.execute(query):
        if store_id is not None:
            counts[store_id][outcome] = int(count)
    return dict(counts)


def _filters(portal_id: int, routine: str, store_ids: Collection[int] | None,
             date_from: date | None, date_to: date | None) -> list[ColumnElement[bool]]:
    filters: list[ColumnElement[bool]] = [LedgerSlot.portal_id == portal_id, LedgerSlot.routine == routine]
    if store_ids is not None:
        filters.append(LedgerSlot.store_id.in_(list(store_ids)))
    if date_from is not None:
        filters.append(LedgerSlot.local_date >= date_from)
    if date_to is not None:
        filters.append(LedgerSlot.local_date <= date_to)
    return filters
