"""Store opening jobs: generate every minute, reconcile every 20 s, escalate every minute."""
from __future__ import annotations

from b24app.store_opening.ticks import escalation_tick, generate_tick, reconcile_tick

from .registry import Interval, JobSpec

# 20 s keeps the time from the last tick to completion well under a minute (p95 is about
# one interval plus one pass); a pass costs ≤ 21 requests per 1,000 open tasks.
RECONCILE_SECONDS = 20

JOBS = [
    JobSpec("store_opening_generate", generate_tick, Interval(60),
            "enqueue opening tasks due at each store's local creation time"),
    JobSpec("store_opening_reconcile", reconcile_tick, Interval(RECONCILE_SECONDS),
            "close opening tasks whose checklists are fully ticked"),
    JobSpec("store_opening_escalate", escalation_tick, Interval(60),
            "comment and notify at the deadline; settle tasks of finished days"),
]
