"""Background jobs: a timetable (APScheduler, one process) of bounded ``run_once`` steps."""
from __future__ import annotations
