"""The routine's bounded steps for every active portal, and its event handlers.

Jobs call these on their triggers; tests call them directly with a fixed ``now``.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from ..inbox import register_event_handler
from ..models import InboundEvent, Portal
from ..portals import active_portals
from . import creation as _creation  # noqa: F401 - registers the work kind
from .autoclose import reconcile
from .escalation import close_finished_days, escalate_overdue
from .generation import generate

if TYPE_CHECKING:
    from ..wiring import Services

log = logging.getLogger(__name__)

DASHBOARD_PATH = "/app/store-opening/"


def dashboard_url(services: Services) -> str:
    """Return the dashboard address written into task descriptions."""
    return services.settings.app_base_url.rstrip("/") + DASHBOARD_PATH


def task_url(portal: Portal) -> str:
    """Return the task card address pattern of a portal (``{user_id}``, ``{task_id}``)."""
    host = portal.domain if "://" in portal.domain else f"https://{portal.domain}"
    return host.rstrip("/") + "/company/personal/user/{user_id}/tasks/task/view/{task_id}/"


def _each_portal(services: Services, now: datetime,
                 step: Callable[[Session, Portal], int]) -> int:
    with services.session_factory() as session:
        portal_ids = [p.id for p in active_portals(session)]
    done = 0
    for portal_id in portal_ids:
        with services.session_factory.begin() as session:
            portal = session.get(Portal, portal_id)
            if portal is not None:
                done += step(session, portal)
    return done


def generate_tick(services: Services, now: datetime) -> int:
    """Enqueue the opening tasks due by ``now`` in every portal."""
    url = dashboard_url(services)
    return _each_portal(services, now, lambda session, portal: generate(
        session, portal.id, now, lang=portal.language or "ru", dashboard_url=url))


def escalation_tick(services: Services, now: datetime) -> int:
    """Escalate overdue tasks and settle the tasks of finished local days."""
    def step(session: Session, portal: Portal) -> int:
        lang = portal.language or "ru"
        client_id = "storeops" if portal.auth_kind == "webhook" else ""
        return (escalate_overdue(session, portal.id, now, lang=lang, task_url=task_url(portal),
                                 webhook_client_id=client_id)
                + close_finished_days(session, portal.id, now, lang=lang))
    return _each_portal(services, now, step)


def reconcile_tick(services: Services, now: datetime) -> int:
    """Poll the open opening tasks of every portal; return how many were closed."""
    with services.session_factory() as session:
        portal_ids = [p.id for p in active_portals(session)]
    closed = 0
    for portal_id in portal_ids:
        try:
            closed += reconcile(services, portal_id, now)
        except Exception:   # noqa: BLE001 - one portal's outage must not stop the others
            log.exception("store opening reconcile failed for portal %s", portal_id)
    return closed


def _task_id_of(row: InboundEvent) -> int | None:
    data: Any = row.payload
    fields = data.get("FIELDS_AFTER") if isinstance(data, dict) else None
    if row.event.upper().startswith("ONTASKCOMMENT"):
        value = fields.get("TASK_ID") if isinstance(fields, dict) else None
    else:
        value = row.object_id
    text = str(value or "")
    return int(text) if text.isdigit() else None


def on_task_event(services: Services, portal_id: int, row: InboundEvent) -> None:
    """Check the task an event is about at once (a photo attached, a comment, a status)."""
    task_id = _task_id_of(row)
    if task_id is not None:
        reconcile(services, portal_id, services.clock.now(), task_ids=[task_id])


register_event_handler("ONTASKUPDATE", on_task_event)
register_event_handler("ONTASKCOMMENTADD", on_task_event)
