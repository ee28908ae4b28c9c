"""Offline events: pull the portal's event queue instead of receiving POSTs.

For portals that cannot reach the app (real Bitrix24 rejects localhost and private handler
URLs), events are bound with ``event_type=offline`` and read with ``event.offline.get``
(rest-facts §9 "Offline events"). One bounded step per portal:
1. ``event.offline.get`` with ``clear=0`` reserves up to 50 records under a process id; the
   portal's previous process id is passed again, so records reserved by a run that crashed
   before clearing come back instead of waiting out their 30-day reservation;
2. store them in the inbox under a dedupe key (a record seen twice is stored once);
3. ``event.offline.clear`` the stored records by ID; ``event.offline.error`` the malformed ones.
The same inbox job then processes them exactly like online events.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any, Mapping

from .bitrix.errors import B24Error
from .inbox import dedupe_key, take_event
from .install_models import PortalSetup
from .models import Portal
from .portals import active_portals

if TYPE_CHECKING:
    from .wiring import Services

log = logging.getLogger(__name__)
PAGE = 50


def pull_offline_events(services: Services, now: datetime) -> int:
    """Move one page of queued offline events of every active portal into the inbox."""
    if services.settings.events_mode != "offline":
        return 0
    with services.session_factory() as session:
        portals = [(p.id, _process_id(session, p.id)) for p in active_portals(session)
                   if p.auth_kind == "oauth"]
    total = 0
    for portal_id, process_id in portals:
        try:
            total += _pull_portal(services, portal_id, process_id, now)
        except B24Error as exc:
            log.warning("offline events of portal %s not read: %s", portal_id, type(exc).__name__)
    return total


def _pull_portal(services: Services, portal_id: int, process_id: str, now: datetime) -> int:
    client = services.bitrix.for_portal(portal_id)
    params: dict[str, Any] = {"clear": 0, "limit": PAGE}
    if process_id:
        params["process_id"] = process_id
    answer = client.call("event.offline.get", params)
    answer = answer if isinstance(answer, Mapping) else {}
    process_id = str(answer.get("process_id") or process_id or "")
    records = [r for r in answer.get("events") or [] if isinstance(r, Mapping)]
    stored_ids, bad_message_ids = _store(services, portal_id, process_id, records, now)
    if process_id and stored_ids:
        client.call("event.offline.clear", {"process_id": process_id, "id": stored_ids})
    if process_id and bad_message_ids:
        client.call("event.offline.error", {"process_id": process_id, "message_id": bad_message_ids})
    return len(stored_ids)


def _store(services: Services, portal_id: int, process_id: str, records: list[Mapping[str, Any]],
           now: datetime) -> tuple[list[str], list[str]]:
    stored: list[str] = []
    bad: list[str] = []
    with services.session_factory.begin() as session:
        setup = session.get(PortalSetup, portal_id)
        if setup is None:
            setup = PortalSetup(portal_id=portal_id, needs_binding=True, attempts=0, last_error="")
            session.add(setup)
        setup.offline_process_id = process_id
        portal = session.get(Portal, portal_id)
        for record in records:
            name = str(record.get("EVENT_NAME") or "")
            # EVENT_DATA is ``false`` for events without data (docs example of event.offline.get).
            data = record.get("EVENT_DATA")
            data = data if isinstance(data, Mapping) else {}
            if portal is None or not name:
                bad.append(str(record.get("MESSAGE_ID") or ""))
                continue
            key = dedupe_key(name, f"offline:{record.get('ID')}", record.get("TIMESTAMP_X"), data)
            take_event(session, portal, name, data, key, None, now)
            stored.append(str(record.get("ID")))
    return stored, [m for m in bad if m]


def _process_id(session: Any, portal_id: int) -> str:
    setup = session.get(PortalSetup, portal_id)
    return setup.offline_process_id if setup is not None else ""
