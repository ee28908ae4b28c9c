"""The worker's timetable: APScheduler 3.x, one process, no job store state.

Every job runs with ``max_instances=1`` (a slow step is never run twice at once) and
``coalesce=True`` (missed runs collapse into one). All durable state lives in our tables.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from .registry import Cron, Interval, JobSpec, Trigger, get_jobs

if TYPE_CHECKING:
    from b24app.wiring import Services

log = logging.getLogger(__name__)


def _trigger(trigger: Trigger) -> Any:
    if isinstance(trigger, Interval):
        return IntervalTrigger(seconds=trigger.seconds)
    if isinstance(trigger, Cron):
        return CronTrigger(timezone=trigger.timezone, **trigger.fields)
    raise TypeError(f"unknown trigger {trigger!r}")


def _runner(services: Services, spec: JobSpec) -> Any:
    def run() -> None:
        done = spec.run_once(services, services.clock.now())
        if done:
            log.info("job %s: %d", spec.name, done)

    return run


def build_scheduler(services: Services, names: list[str] | None = None) -> BlockingScheduler:
    """Return the worker's blocking scheduler with every job (or the named ones)."""
    scheduler = BlockingScheduler(timezone="UTC")
    add_jobs(scheduler, services, names)
    return scheduler


def build_background_scheduler(services: Services) -> BackgroundScheduler:
    """Return a scheduler on its own thread, for the all-in-one demo process only."""
    scheduler = BackgroundScheduler(timezone="UTC")
    add_jobs(scheduler, services)
    return scheduler


def add_jobs(scheduler: BaseScheduler, services: Services, names: list[str] | None = None) -> None:
    """Add every job (or the named ones) to ``scheduler``."""
    for name, spec in get_jobs().items():
        if names is not None and name not in names:
            continue
        # Interval jobs run once at start too: a worker restarted after an outage catches up
        # at once instead of waiting a whole interval (the org sync's is five minutes).
        first_run = datetime.now(timezone.utc) if isinstance(spec.trigger, Interval) else None
        scheduler.add_job(_runner(services, spec), _trigger(spec.trigger), id=name, name=name,
                          replace_existing=True, max_instances=1, coalesce=True,
                          next_run_time=first_run)


def run_job(services: Services, name: str, now: datetime) -> int:
    """Run one bounded step of job ``name`` at instant ``now``; return its count."""
    jobs = get_jobs()
    if name not in jobs:
        raise KeyError(f"unknown job {name!r}; known: {', '.join(sorted(jobs))}")
    return jobs[name].run_once(services, now)


def job_names() -> list[str]:
    """Return the names of all jobs (``run-job --list``)."""
    return sorted(get_jobs())
