"""The events inbox: verified events are stored once, then dispatched to routine handlers.

Request side (``accept_event``): verify the caller → store the event under a dedupe key, without
its ``auth`` block → the caller commits and answers 200. No Bitrix24 call happens there, and an
ordinary event takes two Core statements on one connection (no ORM unit of work, no cache).
Bitrix24 never re-sends a failed delivery (rest-facts §9 "Delivery mechanics"), so answering
fast and storing first is what keeps events from being lost.

Worker side (``process_pending``): each pending event is claimed, handed to the handlers that
routines registered for its name, and marked done, ignored or failed. Events are hints: they
carry only IDs, so handlers re-read the real state from Bitrix24 and make their writes through
the work queue; running a handler twice for one event is therefore harmless.

Routine authors::

    register_event_handler("ONTASKUPDATE", on_task_update)   # fn(services, portal_id, event_row)
    note_own_write(session, portal_id, "task", task_id, now)  # after the app writes a task

Events about an object the app itself wrote a moment ago are skipped (see own_writes.py)
unless the handler is registered with ``include_own_writes=True``.
"""
from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable, Mapping

from sqlalchemy import Connection, select, update
from sqlalchemy.orm import Session

from .bitrix.errors import B24Error
from .bitrix.events import InboundEventPayload
from .callers import verified_portal_id
from .install import request_binding, uninstall
from .models import InboundEvent, Portal
from .own_writes import is_own_write
from .upsert import insert_ignoring_conflict

if TYPE_CHECKING:
    from .wiring import Services

log = logging.getLogger(__name__)

# The docs' OnAppUninstall example spells the event ONAPPSUNINSTALL; accept both spellings.
UNINSTALL_EVENTS = frozenset({"ONAPPUNINSTALL", "ONAPPSUNINSTALL"})
UPDATE_EVENTS = frozenset({"ONAPPUPDATE"})
_ENTITY_BY_EVENT = {"ONTASKADD": "task", "ONTASKUPDATE": "task", "ONTASKDELETE": "task",
                    "ONTASKCOMMENTADD": "task_comment", "ONTASKCOMMENTUPDATE": "task_comment",
                    "ONUSERADD": "user"}

EventHandlerFn = Callable[["Services", int, InboundEvent], None]


@dataclass(frozen=True)
class EventHandler:
    fn: EventHandlerFn
    include_own_writes: bool = False


@dataclass
class EventHandlers:
    """A registry of event name → handlers; routines register, the inbox job dispatches."""
    by_event: dict[str, list[EventHandler]] = field(default_factory=dict)

    def register(self, event_name: str, fn: EventHandlerFn, *, include_own_writes: bool = False) -> None:
        """Add ``fn`` for ``event_name``; registering the same function twice keeps one."""
        handlers = self.by_event.setdefault(event_name.upper(), [])
        if all(existing.fn is not fn for existing in handlers):
            handlers.append(EventHandler(fn, include_own_writes))

    def for_event(self, event_name: str) -> list[EventHandler]:
        return list(self.by_event.get(event_name.upper(), []))


EVENT_HANDLERS = EventHandlers()


def register_event_handler(event_name: str, fn: EventHandlerFn, *,
                           include_own_writes: bool = False) -> None:
    """Register ``fn(services, portal_id, event_row)`` for events named ``event_name``."""
    EVENT_HANDLERS.register(event_name, fn, include_own_writes=include_own_writes)


@dataclass(frozen=True)
class AcceptedEvent:
    portal_id: int
    event: str
    stored: bool          # False: an identical delivery was stored before


def dedupe_key(event: str, handler_id: Any, ts: Any, data: Mapping[str, Any]) -> str:
    """Return the hash that makes a replay of the same delivery collide with the original."""
    canonical = json.dumps([event.upper(), str(handler_id or ""), str(ts or ""), data],
                           sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def event_object(event: str, data: Mapping[str, Any]) -> tuple[str, str]:
    """Return (entity, id) of the object an event is about; the id is "" when absent."""
    entity = _ENTITY_BY_EVENT.get(event.upper(), "")
    for part in ("FIELDS_AFTER", "FIELDS_BEFORE"):
        fields = data.get(part)
        # Task events send the literal "undefined" for the missing side (rest-facts §9).
        if isinstance(fields, Mapping) and fields.get("ID"):
            return entity, str(fields["ID"])
    return entity, str(data.get("ID") or "")


def store_event(session: Session | Connection, portal_id: int, event: str, data: Mapping[str, Any], key: str,
                user_id: int | None, now: datetime, status: str = "pending") -> bool:
    """Insert one inbound event unless its dedupe key is known; return True if inserted."""
    _, object_id = event_object(event, data)
    return insert_ignoring_conflict(session, InboundEvent.__table__, {  # type: ignore[arg-type]
        "portal_id": portal_id, "event": event.upper(), "dedupe_key": key, "object_id": object_id,
        "user_id": user_id, "payload": dict(data), "received_at": now, "status": status,
        "attempts": 0, "error": "",
    }, conflict_columns=["portal_id", "dedupe_key"])


def accept_event(connection: Connection, payload: InboundEventPayload, now: datetime) -> AcceptedEvent:
    """Verify and store one event delivery in the caller's transaction; apply app events at once.

    Raises ``CallerRejected`` (nothing stored) when the portal or its token is wrong.
    """
    portal_id = verified_portal_id(connection, payload.member_id, payload.application_token)
    key = dedupe_key(payload.event, payload.handler_id, payload.ts, payload.data)
    event = payload.event.upper()
    if event in UNINSTALL_EVENTS or event in UPDATE_EVENTS:
        # Rare and ORM-shaped (uninstall edits the portal and its jobs): a session that joins
        # the caller's transaction, so everything still commits or rolls back together.
        with Session(bind=connection, join_transaction_mode="rollback_only") as session:
            portal = session.get(Portal, portal_id)
            assert portal is not None
            stored = take_event(session, portal, event, payload.data, key, payload.user_id, now)
            session.flush()
    else:
        stored = store_event(connection, portal_id, event, payload.data, key, payload.user_id, now)
    return AcceptedEvent(portal_id, event, stored)


def take_event(session: Session, portal: Portal, event: str, data: Mapping[str, Any], key: str,
               user_id: int | None, now: datetime) -> bool:
    """Store one verified event once; apply app lifecycle events at once (DB only, no REST)."""
    event = event.upper()
    app_event = event in UNINSTALL_EVENTS or event in UPDATE_EVENTS
    stored = store_event(session, portal.id, event, data, key, user_id, now,
                         status="done" if app_event else "pending")
    if stored and event in UNINSTALL_EVENTS:
        uninstall(session, portal, now)
    elif stored and event in UPDATE_EVENTS:
        # Bitrix24 removes an app's event handlers on update (rest-facts §9 "Events"): rebind.
        request_binding(session, portal.id, version=_int_or_none(data.get("VERSION")))
    return stored


def process_pending(services: Services, now: datetime, limit: int = 100,
                    handlers: EventHandlers | None = None) -> int:
    """Dispatch up to ``limit`` pending events of active portals; return how many were handled.

    1. Read a page of pending events (short transaction).
    2. For each: claim it by bumping ``attempts`` from the value read (another worker that read
       the same value loses the race and skips it).
    3. Run the handlers with no transaction open (they call Bitrix24).
    4. Record done / ignored / pending-for-retry / failed (second short transaction).
    """
    registry = handlers if handlers is not None else EVENT_HANDLERS
    with services.session_factory.begin() as session:
        page = session.execute(
            select(InboundEvent.id, InboundEvent.attempts)
            .join(Portal, Portal.id == InboundEvent.portal_id)
            .where(InboundEvent.status == "pending", Portal.status == "active")
            .order_by(InboundEvent.id).limit(limit)).all()
    handled = 0
    for event_id, attempts in page:
        row = _claim(services, event_id, attempts)
        if row is not None:
            _dispatch(services, row, now, registry)
            handled += 1
    return handled


def _claim(services: Services, event_id: int, seen_attempts: int) -> InboundEvent | None:
    with services.session_factory.begin() as session:
        claimed = session.execute(
            update(InboundEvent)
            .where(InboundEvent.id == event_id, InboundEvent.status == "pending",
                   InboundEvent.attempts == seen_attempts)
            .values(attempts=seen_attempts + 1))
        if getattr(claimed, "rowcount", 0) != 1:
            return None
        return session.get(InboundEvent, event_id)


def _dispatch(services: Services, row: InboundEvent, now: datetime, registry: EventHandlers) -> None:
    registered = registry.for_event(row.event)
    with services.session_factory.begin() as session:
        entity, object_id = event_object(row.event, row.payload)
        own = bool(entity and object_id) and is_own_write(session, row.portal_id, entity, object_id,
                                                          row.received_at)
    to_run = [handler for handler in registered if handler.include_own_writes or not own]
    if not to_run:
        _record(services, row.id, "ignored", now, "own write" if own and registered else "")
        return
    try:
        for handler in to_run:
            handler.fn(services, row.portal_id, row)
    except Exception as exc:
        give_up = row.attempts >= services.settings.max_attempts or (
            isinstance(exc, B24Error) and exc.permanent)
        log.warning("event %s (%s, portal %s) failed on attempt %s: %s", row.id, row.event,
                    row.portal_id, row.attempts, type(exc).__name__, exc_info=not isinstance(exc, B24Error))
        _record(services, row.id, "failed" if give_up else "pending",
                now if give_up else None, f"{type(exc).__name__}: {exc}"[:2000])
        return
    _record(services, row.id, "done", now, "")


def _record(services: Services, event_id: int, status: str, processed_at: datetime | None,
            error: str) -> None:
    with services.session_factory.begin() as session:
        session.execute(update(InboundEvent).where(InboundEvent.id == event_id)
                        .values(status=status, processed_at=processed_at, error=error))


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
