"""The app's own recent writes, so that the echo events of those writes are ignored.

Why a table of writes and not a look at who made the change: Bitrix24 delivers an event with
the token of the user who caused it, and the app writes with the installing admin's token.
So a change made by the app and a change made by that admin by hand look identical (same
user, same event, same data: only IDs). The one thing the app knows for sure is what it
wrote itself and when; an event about that same object shortly afterwards is almost surely
the echo. The window is short, and routines re-read the real state in their reconcile loops,
so an admin's hand edit that falls inside the window is seen late, never lost.
(Offline events could exclude the app's writes with ``auth_connector``, but only on
Professional plans and above: rest-facts §9 "Offline events".)
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .install_models import OwnWrite
from .upsert import insert_or_update

# Bitrix24 delivers events through a queue server with small delays (rest-facts §9
# "Delivery mechanics"); two minutes covers the echo without hiding later hand edits long.
OWN_WRITE_WINDOW = timedelta(minutes=2)


def note_own_write(session: Session, portal_id: int, entity: str, entity_id: int | str,
                   now: datetime, window: timedelta = OWN_WRITE_WINDOW) -> None:
    """Record that the app just wrote ``entity`` ``entity_id`` (task, task_comment, user)."""
    insert_or_update(
        session, OwnWrite.__table__,  # type: ignore[arg-type]
        {"portal_id": portal_id, "entity": entity, "entity_id": str(entity_id), "until": now + window},
        conflict_columns=["portal_id", "entity", "entity_id"], update_columns=["until"])


def is_own_write(session: Session, portal_id: int, entity: str, entity_id: str,
                 at: datetime) -> bool:
    """Return True if the app wrote this object recently enough that an event at ``at`` is its echo."""
    until = session.scalar(select(OwnWrite.until).where(
        OwnWrite.portal_id == portal_id, OwnWrite.entity == entity, OwnWrite.entity_id == entity_id))
    return until is not None and at <= until


def forget_old_writes(session: Session, now: datetime) -> int:
    """Delete entries whose window has passed; return how many."""
    result = session.execute(delete(OwnWrite).where(OwnWrite.until < now))
    return int(getattr(result, "rowcount", 0) or 0)
