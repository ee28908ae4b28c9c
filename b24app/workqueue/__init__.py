"""Work items: each write to Bitrix24 that must happen exactly once.

A routine enqueues an item under a deterministic idempotency key (unique per portal) inside
its own transaction; ``run_once`` then, for a bounded number of ready items:

1. claims them in a short transaction (pending and due, or running with an expired lease)
   → running, with a lease and ``attempts + 1``;
2. with no transaction open: for an item an earlier attempt may have written, asks its kind
   to look up what it created (``find_existing``, by the key stamped on it) and treats a hit
   as done; sends the commands of all other items of a portal together in full 50-command
   batches (``PortalClient.run_commands``);
3. records each outcome in its own short transaction: done with the result; a transient
   error → pending with backoff; a permanent error or too many attempts → parked (an admin
   can ``retry_parked``). An unexpected exception on one item pushes that item's next attempt
   forward, so one bad item cannot crash-loop the worker.
"""
from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .kinds import Results, WorkKind, get_kind, register_kind
from .models import CANCELLED, DONE, PARKED, PENDING, RUNNING, WorkItem
from .runner import run_claimed

if TYPE_CHECKING:
    from ..wiring import Services


def enqueue(session: Session, portal_id: int, kind: str, key: str, payload: Mapping[str, Any],
            not_before: datetime | None = None, *, now: datetime | None = None) -> WorkItem:
    """Add a work item, or return the existing one with the same key (never a second row)."""
    existing = find_item(session, portal_id, key)
    if existing is not None:
        return existing
    stamp = now or datetime.now(timezone.utc)
    item = WorkItem(portal_id=portal_id, kind=kind, key=key, payload=dict(payload),
                    status=PENDING, attempts=0, not_before=not_before, claimed_by="",
                    last_error="", created_at=stamp, updated_at=stamp)
    try:
        with session.begin_nested():
            session.add(item)
    except IntegrityError:
        # Another transaction enqueued the same key between our lookup and insert.
        existing = find_item(session, portal_id, key)
        if existing is None:
            raise
        return existing
    return item


def enqueue_many(session: Session, portal_id: int, kind: str,
                 items: Iterable[tuple[str, Mapping[str, Any]]],
                 not_before: datetime | None = None, *, now: datetime | None = None) -> int:
    """Enqueue many (key, payload) pairs at once; return how many new items were added."""
    wanted = dict(items)
    known: set[str] = set()
    keys = list(wanted)
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        known.update(session.scalars(select(WorkItem.key).where(
            WorkItem.portal_id == portal_id, WorkItem.key.in_(chunk))))
    added = 0
    for key, payload in wanted.items():
        if key not in known:
            enqueue(session, portal_id, kind, key, payload, not_before, now=now)
            added += 1
    return added


def find_item(session: Session, portal_id: int, key: str) -> WorkItem | None:
    """Return the work item with this idempotency key, if any."""
    return session.scalar(select(WorkItem).where(WorkItem.portal_id == portal_id,
                                                 WorkItem.key == key))


def cancel(session: Session, portal_id: int, key: str, now: datetime) -> bool:
    """Cancel a pending or parked item (no longer wanted); return True if it was cancelled."""
    item = find_item(session, portal_id, key)
    if item is None or item.status not in (PENDING, PARKED):
        return False
    item.status = CANCELLED
    item.updated_at = now
    return True


def retry_parked(session: Session, portal_id: int, item_id: int, *,
                 now: datetime | None = None) -> bool:
    """Put a parked item back in the queue with fresh attempts; return False if not parked.

    Its ``last_error`` stays, which makes the next attempt look up before sending again.
    """
    item = session.get(WorkItem, item_id)
    if item is None or item.portal_id != portal_id or item.status != PARKED:
        return False
    item.status = PENDING
    item.attempts = 0
    item.next_attempt_at = None
    item.lease_until = None
    if now is not None:
        item.updated_at = now
    return True


def parked_items(session: Session, portal_id: int, *, kind: str | None = None) -> list[WorkItem]:
    """Return the portal's parked items, oldest first, for the admin page."""
    query = select(WorkItem).where(WorkItem.portal_id == portal_id, WorkItem.status == PARKED)
    if kind is not None:
        query = query.where(WorkItem.kind == kind)
    return list(session.scalars(query.order_by(WorkItem.updated_at, WorkItem.id)))


def status_counts(session: Session, portal_id: int, *, kind: str | None = None,
                  key_prefix: str | None = None) -> dict[str, int]:
    """Count items by status (e.g. a fan-out's progress bar, by key prefix)."""
    query = select(WorkItem.status, func.count()).where(WorkItem.portal_id == portal_id)
    if kind is not None:
        query = query.where(WorkItem.kind == kind)
    if key_prefix is not None:
        query = query.where(WorkItem.key.startswith(key_prefix, autoescape=True))
    rows = session.execute(query.group_by(WorkItem.status))
    return {status: int(count) for status, count in rows}


def default_worker_id() -> str:
    """Return host:pid:thread, which tells apart workers and threads in ``claimed_by``."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def run_once(services: Services, now: datetime, *, limit: int = 500,
             worker_id: str | None = None, lease_seconds: float = 600.0) -> int:
    """Claim, send and record up to ``limit`` ready items; return how many were claimed."""
    return run_claimed(services, now, limit=limit, worker_id=worker_id or default_worker_id(),
                       lease_seconds=lease_seconds)


__all__ = ["WorkItem", "WorkKind", "Results", "register_kind", "get_kind", "enqueue",
           "enqueue_many", "find_item", "cancel", "retry_parked", "parked_items", "status_counts",
           "run_once", "default_worker_id", "PENDING", "RUNNING", "DONE", "PARKED", "CANCELLED"]
