"""Foundation jobs: the work queue and the periodic org sync."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from b24app import workqueue
from b24app.org.periodic import sync_due_portals

from .registry import Interval, JobSpec

if TYPE_CHECKING:
    from b24app.wiring import Services


def run_work_queue(services: Services, now: datetime) -> int:
    """Send one bounded round of ready work items."""
    return workqueue.run_once(services, now)


def run_org_sync(services: Services, now: datetime) -> int:
    """Sync the org model of the portals that are due (every 6 h, on install, on request)."""
    return sync_due_portals(services, now)


JOBS = [
    JobSpec("work_queue", run_work_queue, Interval(5),
            "send ready work items in 50-command batches"),
    JobSpec("org_sync", run_org_sync, Interval(300),
            "sync departments and users of due portals (every 6 h per portal, on install)"),
]
