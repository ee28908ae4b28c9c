"""Staff cards jobs: actualization tasks, closing the loop after applied cards, nonce cleanup.

Future-dated dismissals need no job of their own: their work items wait in the queue until
``not_before`` (the dismissal date, store-local midnight) and the work_queue job sends them.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from b24app.models import Portal
from b24app.staff_cards import kinds  # noqa: F401 - registers the staff cards' work kinds
from b24app.staff_cards.actualization import plan_tasks
from b24app.staff_cards.loop import close_loop, pending_cards
from b24app.staff_cards.nonces import prune, prune_before

from .registry import Interval, JobSpec

if TYPE_CHECKING:
    from b24app.wiring import Services

log = logging.getLogger(__name__)


def run_actualization(services: Services, now: datetime) -> int:
    """Queue the due "confirm your staff list" tasks of every active portal."""
    with services.session_factory() as session:
        portals = list(session.execute(select(Portal.id, Portal.language).where(
            Portal.status == "active")))
    added = 0
    for portal_id, language in portals:
        with services.session_factory.begin() as session:
            added += plan_tasks(session, portal_id, now, language or "ru")
    return added


def run_loop(services: Services, now: datetime) -> int:
    """Refresh stores and hand tasks over after applied cards, one card at a time."""
    handed = 0
    for card_id in pending_cards(services):
        try:
            handed += close_loop(services, card_id, now)
        except Exception:   # noqa: BLE001 - one card's failure must not stop the others
            log.exception("staff card %s: closing the loop failed; retried next run", card_id)
    return handed


def run_prune(services: Services, now: datetime) -> int:
    """Forget used form nonces older than twice the page token's lifetime."""
    with services.session_factory.begin() as session:
        return prune(session, prune_before(now, services.settings.page_token_ttl_seconds))


JOBS = [
    JobSpec("staff_cards_actualization", run_actualization, Interval(900),
            "give store managers their monthly staff list confirmation task"),
    JobSpec("staff_cards_loop", run_loop, Interval(10),
            "after an applied card: refresh the store, hand a leaver's app tasks over"),
    JobSpec("staff_cards_prune", run_prune, Interval(3600), "forget old form nonces"),
]
