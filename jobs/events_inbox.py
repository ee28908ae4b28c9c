"""Jobs of the app's edge: the events inbox, offline events, portal setup, own-write cleanup."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from b24app.inbox import process_pending
from b24app.offline_events import pull_offline_events
from b24app.own_writes import forget_old_writes
from b24app.portal_setup import run_portal_setup

from .registry import Interval, JobSpec

if TYPE_CHECKING:
    from b24app.wiring import Services


def run_events_inbox(services: Services, now: datetime) -> int:
    """Dispatch one page of stored events to the handlers routines registered."""
    return process_pending(services, now)


def run_events_offline(services: Services, now: datetime) -> int:
    """Move queued offline events into the inbox (only when B24_EVENTS_MODE=offline)."""
    return pull_offline_events(services, now)


def run_portal_setup_job(services: Services, now: datetime) -> int:
    """Bind events and placements where install or an update asked for it (or a check is due)."""
    return run_portal_setup(services, now)


def run_own_writes_cleanup(services: Services, now: datetime) -> int:
    """Forget own-write notes whose echo window has passed."""
    with services.session_factory.begin() as session:
        return forget_old_writes(session, now)


JOBS = [
    JobSpec("events_inbox", run_events_inbox, Interval(2),
            "hand stored Bitrix24 events to the routines' handlers"),
    JobSpec("events_offline", run_events_offline, Interval(15),
            "read event.offline.get into the inbox (offline events mode only)"),
    JobSpec("portal_setup", run_portal_setup_job, Interval(30),
            "bind events and placements after install/update; re-check every 6 h"),
    JobSpec("own_writes_cleanup", run_own_writes_cleanup, Interval(600),
            "drop expired notes of the app's own writes"),
]
