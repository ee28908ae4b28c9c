"""Job table, scheduler wiring, and one bounded step run by name."""
from __future__ import annotations

from typing import Any

import pytest

from b24app import workqueue
from jobs.registry import Interval, get_jobs
from jobs.scheduler import build_scheduler, job_names, run_job

from fake_bitrix import FakeHub


def test_foundation_jobs_are_in_the_table() -> None:
    jobs = get_jobs()
    assert {"work_queue", "org_sync"} <= set(jobs)
    assert isinstance(jobs["work_queue"].trigger, Interval)
    assert job_names() == sorted(jobs)


def test_scheduler_holds_every_job_once_with_safe_options(make_services: Any) -> None:
    scheduler = build_scheduler(make_services(bitrix=FakeHub()))
    scheduled = {job.id: job for job in scheduler.get_jobs()}
    assert set(scheduled) == set(get_jobs())
    for job in scheduled.values():
        assert job.max_instances == 1 and job.coalesce is True
    assert not scheduler.running


def test_run_job_runs_one_bounded_step(make_services: Any, portal_id: int) -> None:
    services = make_services(bitrix=FakeHub())
    with services.session_factory.begin() as session:
        workqueue.enqueue(session, portal_id, "no.such.kind", "k", {})
    assert run_job(services, "work_queue", services.clock.now()) == 1
    assert run_job(services, "work_queue", services.clock.now()) == 0


def test_unknown_job_names_the_known_ones(make_services: Any) -> None:
    with pytest.raises(KeyError, match="work_queue"):
        run_job(make_services(bitrix=FakeHub()), "nope", make_services(bitrix=FakeHub()).clock.now())
