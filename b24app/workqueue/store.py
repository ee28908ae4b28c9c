"""The work queue's database steps: claim ready items, then record each outcome.

Each function is one short transaction of its own; nothing here talks to Bitrix24.
Claiming is one conditional ``UPDATE ... WHERE id IN (ready ids) AND <still ready>``:
on PostgreSQL the inner SELECT takes ``FOR UPDATE SKIP LOCKED`` so two workers skip each
other's rows; on SQLite the statement itself holds the only write lock. Either way a row
moves to ``running`` for exactly one worker.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from ..models import Portal
from .models import PARKED, PENDING, RUNNING, WorkItem


def _ready(now: datetime) -> ColumnElement[bool]:
    due = and_(
        WorkItem.status == PENDING,
        or_(WorkItem.next_attempt_at.is_(None), WorkItem.next_attempt_at <= now),
        or_(WorkItem.not_before.is_(None), WorkItem.not_before <= now))
    lease_expired = and_(WorkItem.status == RUNNING, WorkItem.lease_until < now)
    active_portals = select(Portal.id).where(Portal.status == "active")
    return and_(or_(due, lease_expired), WorkItem.portal_id.in_(active_portals))


def claim_ready(session_factory: sessionmaker[Session], now: datetime, *, limit: int,
                worker_id: str, lease_seconds: float) -> list[WorkItem]:
    """Move up to ``limit`` ready items to running for this worker and return them."""
    with session_factory.begin() as session:
        candidates = select(WorkItem.id).where(_ready(now)).order_by(WorkItem.id).limit(limit)
        if session.get_bind().dialect.name == "postgresql":
            candidates = candidates.with_for_update(skip_locked=True)
        claim = (update(WorkItem)
                 .where(WorkItem.id.in_(candidates.scalar_subquery()), _ready(now))
                 .values(status=RUNNING, attempts=WorkItem.attempts + 1,
                         lease_until=now + timedelta(seconds=lease_seconds),
                         claimed_by=worker_id, updated_at=now)
                 .returning(WorkItem.id)
                 .execution_options(synchronize_session=False))
        ids = list(session.scalars(claim))
        if not ids:
            return []
        return list(session.scalars(select(WorkItem).where(WorkItem.id.in_(ids))
                                    .order_by(WorkItem.id)))


def load_claimed(session: Session, item_id: int, worker_id: str) -> WorkItem | None:
    """Return the item if this worker still holds its claim (the lease may have been taken)."""
    item = session.get(WorkItem, item_id, with_for_update=True)
    if item is None or item.status != RUNNING or item.claimed_by != worker_id:
        return None
    return item


def release_for_retry(item: WorkItem, now: datetime, retry_at: datetime, error: str) -> None:
    """Put a claimed item back to pending, due again at ``retry_at``."""
    item.status = PENDING
    item.next_attempt_at = retry_at
    item.lease_until = None
    item.last_error = error
    item.updated_at = now


def park(item: WorkItem, now: datetime, error: str) -> None:
    """Park a claimed item with its error until an admin retries it."""
    item.status = PARKED
    item.lease_until = None
    item.last_error = error
    item.updated_at = now
