"""The table of jobs: name → what one bounded step runs and when the scheduler runs it.

Each routine adds a module under jobs/ with a ``JOBS`` list and one import line in
``_modules`` below. ``run_once(services, now) -> int`` processes at most a bounded batch and
returns how many things it did; tests and ``python app.py run-job NAME --now ISO`` call it
directly, the worker calls it on its trigger.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import ModuleType
from typing import TYPE_CHECKING, Union

if TYPE_CHECKING:
    from b24app.wiring import Services


@dataclass(frozen=True)
class Interval:
    """Run every ``seconds``."""
    seconds: float


@dataclass(frozen=True)
class Cron:
    """Run on a cron schedule (APScheduler CronTrigger fields, UTC unless ``timezone``)."""
    fields: dict[str, str] = field(default_factory=dict)
    timezone: str = "UTC"


Trigger = Union[Interval, Cron]
RunOnce = Callable[["Services", datetime], int]


@dataclass(frozen=True)
class JobSpec:
    """One job: its unique name, its bounded step and its trigger."""
    name: str
    run_once: RunOnce
    trigger: Trigger
    description: str = ""


def _modules() -> Sequence[ModuleType]:
    from . import core, events_inbox, merch_photos, position_fanout, staff_cards, store_opening
    return (core, events_inbox, store_opening, position_fanout, staff_cards, merch_photos)


def build_jobs() -> dict[str, JobSpec]:
    """Collect the JOBS lists of every job module into one table; names must be unique."""
    table: dict[str, JobSpec] = {}
    for module in _modules():
        specs: list[JobSpec] = getattr(module, "JOBS")
        for spec in specs:
            if spec.name in table:
                raise ValueError(f"job {spec.name!r} is declared twice")
            table[spec.name] = spec
    return table


def get_jobs() -> dict[str, JobSpec]:
    """Return the job table (built on first use, nothing happens at import)."""
    global _JOBS
    if _JOBS is None:
        _JOBS = build_jobs()
    return _JOBS


_JOBS: dict[str, JobSpec] | None = None
