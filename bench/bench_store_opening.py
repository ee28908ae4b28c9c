"""Benchmark: the store-opening morning run and the reconcile loop at standard limits.

Starts its own sandbox portal (``python -m sandbox serve --stores N --limits standard``), syncs
the org model over REST, gives every store a 12-item checklist at 08:00 local and measures with
the sandbox's own counters, printing each figure beside its target:
- morning run: HTTP requests vs ceil((tasks + items) / 50)      (target ≤ 1.1×)
- rate-limit rejections                                        (target 0)
- wall time (beside the floor the rate limit alone imposes) and the DB-side generate time
- peak memory of the app process (ru_maxrss)                   (target < 300 MB at 2,000)
- reconcile: requests of one pass over all open tasks          (target ≤ 21 per 1,000)
- p95 time from a manager's last tick to the task's completion (target < 60 s), with the
  reconcile loop on its default interval, in real time, on a sample of tasks.

Usage: python bench/bench_store_opening.py [--stores 250 2000] [--limits standard] [--sample 40]
Exit status 1 when a target is missed.
"""
from __future__ import annotations

import argparse
import math
import random
import sys
import threading
import time
from datetime import datetime, timedelta, timezone

import requests
from sqlalchemy import select

# Imported before the app: support puts the project root on sys.path.
from support import SandboxServer, add_sandbox_portal, bench_services, peak_rss_mb, verdict

from b24app import workqueue
from b24app.clock import FixedClock
from b24app.org import queries as org
from b24app.org.sync import sync_org
from b24app.store_opening import ticks  # noqa: F401 - registers the work kinds
from b24app.store_opening.autoclose import MAX_TASKS_PER_PASS, reconcile
from b24app.store_opening.generation import generate
from b24app.store_opening.models import DONE, OpeningTask
from b24app.store_opening.schedule_admin import ScheduleChange, bulk_apply
from b24app.store_opening.templates_admin import TemplateInput, save_template
from b24app.wiring import Services
from jobs.store_opening import RECONCILE_SECONDS

# 06:30 UTC: past 08:00 local in every zone of the chain (Kaliningrad 08:30 ... Vladivostok 16:30).
NOW = datetime(2026, 12, 4, 6, 30, tzinfo=timezone.utc)
ITEMS = [f"Пункт {n}" for n in range(1, 13)]
FACTOR = 1.1
MEMORY_TARGET_MB = 300
PER_THOUSAND = 21
P95_TARGET = 60.0


def setup(services: Services, sandbox: SandboxServer) -> int:
    portal_id = add_sandbox_portal(services, sandbox, NOW)
    synced = sync_org(services.session_factory, services.bitrix.for_portal(portal_id), portal_id, NOW)
    print(f"  org synced over REST: {synced.departments} departments, {synced.users} users")
    with services.session_factory.begin() as session:
        template = save_template(session, portal_id, TemplateInput("Открытие", ITEMS), NOW)
        stores = [s.b24_id for s in org.stores(session, portal_id)]
        errors = bulk_apply(session, portal_id, stores, ScheduleChange(
            enabled=True, template_id=template.id, create_at="08:00", deadline="22:00"), NOW)
        assert not errors, errors
    return portal_id


def morning(services: Services, portal_id: int, sandbox: SandboxServer) -> tuple[bool, int]:
    sandbox.reset_stats()
    started = time.monotonic()
    with services.session_factory.begin() as session:
        enqueued = generate(session, portal_id, NOW)
    generated = time.monotonic() - started
    while workqueue.run_once(services, NOW, limit=5000):
        pass
    wall = time.monotonic() - started
    used, rejections = sandbox.counters()
    with services.session_factory() as session:
        created = len(session.scalars(select(OpeningTask.id)).all())
    floor = math.ceil(created * (1 + len(ITEMS)) / 50)
    ratio = used / floor if floor else float("inf")
    memory = peak_rss_mb()
    print(f"  tasks: {created} of {enqueued} enqueued, {created * len(ITEMS)} checklist items")
    print(f"  morning run: HTTP requests {used} vs ceil((tasks+items)/50) = {floor}: "
          f"{ratio:.3f}x (target <= {FACTOR}x) {verdict(ratio <= FACTOR)}")
    print(f"  rate-limit rejections: {rejections} (target 0) {verdict(rejections == 0)}")
    print(f"  wall time: {wall:.1f} s (generate in the DB {generated:.1f} s; the rate limit alone "
          f"needs {max(0.0, (used - 50) / 2):.1f} s)")
    print(f"  peak memory: {memory:.0f} MB (target < {MEMORY_TARGET_MB} MB) "
          f"{verdict(memory < MEMORY_TARGET_MB)}")
    return (ratio <= FACTOR and rejections == 0 and memory < MEMORY_TARGET_MB
            and created == enqueued), created


def one_pass(services: Services, portal_id: int, sandbox: SandboxServer, open_tasks: int) -> bool:
    checked = min(open_tasks, MAX_TASKS_PER_PASS)
    sandbox.reset_stats()
    started = time.monotonic()
    reconcile(services, portal_id, NOW)
    wall = time.monotonic() - started
    used, rejections = sandbox.counters()
    per_thousand = used * 1000 / checked
    allowed = math.ceil(PER_THOUSAND * checked / 1000)
    print(f"  reconcile pass: {open_tasks} open tasks, {checked} checked per pass (the least "
          f"recently checked first): {used} requests = {per_thousand:.1f} per 1,000 "
          f"(target <= {PER_THOUSAND} per 1,000, i.e. <= {allowed}) "
          f"{verdict(used <= allowed)}, {wall:.1f} s, rejections {rejections}")
    return used <= allowed


def tick_as_manager(base_url: str, task: OpeningTask, hooks: dict[int, str]) -> None:
    """Tick every item of a task in one batch as its responsible person (retrying on 503)."""
    if task.responsible_id not in hooks:
        hooks[task.responsible_id] = requests.get(f"{base_url}/_sandbox/webhook", params={
            "user_id": task.responsible_id}, timeout=30).json()["url"]
    listed = requests.post(hooks[task.responsible_id] + "task.checklistitem.getlist",
                           json={"TASKID": task.task_id}, timeout=30)
    while listed.status_code == 503:
        time.sleep(0.5)
        listed = requests.post(hooks[task.responsible_id] + "task.checklistitem.getlist",
                               json={"TASKID": task.task_id}, timeout=30)
    items = [row["ID"] for row in listed.json()["result"] if str(row["PARENT_ID"]) != "0"]
    cmd = {f"i{n}": f"task.checklistitem.complete?0={task.task_id}&1={item}"
           for n, item in enumerate(items)}
    while requests.post(hooks[task.responsible_id] + "batch", json={"halt": 0, "cmd": cmd},
                        timeout=30).status_code == 503:
        time.sleep(0.5)


def latency(services: Services, portal_id: int, base_url: str, sample: int) -> bool:
    """Managers finish a sample of tasks over a minute; the loop runs every RECONCILE_SECONDS."""
    with services.session_factory() as session:
        chosen = random.Random(7).sample(list(session.scalars(select(OpeningTask))), sample)
    spread = 60.0
    start = time.monotonic()
    offsets = sorted(random.Random(8).uniform(0, spread) for _ in chosen)
    last_tick: dict[int, float] = {}
    hooks: dict[int, str] = {}

    def managers() -> None:
        for offset, task in zip(offsets, chosen):
            time.sleep(max(0.0, start + offset - time.monotonic()))
            tick_as_manager(base_url, task, hooks)
            last_tick[task.task_id] = time.monotonic()

    worker = threading.Thread(target=managers, daemon=True)
    worker.start()
    detected: dict[int, float] = {}
    deadline = start + spread + 6 * RECONCILE_SECONDS
    wanted = {t.task_id for t in chosen}
    next_pass = start
    while time.monotonic() < deadline and not wanted <= set(detected):
        time.sleep(max(0.0, next_pass - time.monotonic()))
        next_pass += RECONCILE_SECONDS
        reconcile(services, portal_id, NOW + timedelta(seconds=time.monotonic() - start))
        with services.session_factory() as session:
            done = session.scalars(select(OpeningTask.task_id).where(OpeningTask.state == DONE))
            for task_id in done:
                detected.setdefault(task_id, time.monotonic())
    worker.join(timeout=60)
    delays = sorted(detected[t] - last_tick[t] for t in wanted if t in detected and t in last_tick)
    if len(delays) < len(wanted):
        print(f"  p95 tick→completion: only {len(delays)} of {len(wanted)} completed MISSED")
        return False
    p95 = delays[max(0, math.ceil(0.95 * len(delays)) - 1)]
    print(f"  p95 last tick → completion over {len(delays)} tasks: {p95:.1f} s "
          f"(median {delays[len(delays) // 2]:.1f} s; reconcile every {RECONCILE_SECONDS} s; "
          f"target < {P95_TARGET:.0f} s) {verdict(p95 < P95_TARGET)}")
    return p95 < P95_TARGET


def run(stores: int, limits: str, sample: int) -> bool:
    print(f"== {stores} stores, limits {limits} ==")
    sandbox = SandboxServer.start(stores, limits, seed=7)
    services = bench_services("bench-opening-", FixedClock(NOW))
    try:
        portal_id = setup(services, sandbox)
        met, created = morning(services, portal_id, sandbox)
        met = one_pass(services, portal_id, sandbox, created) and met
        return latency(services, portal_id, sandbox.base_url, min(sample, created)) and met
    finally:
        services.close()
        sandbox.stop()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stores", type=int, nargs="+", default=[250, 2000])
    parser.add_argument("--limits", default="standard")
    parser.add_argument("--sample", type=int, default=40)
    args = parser.parse_args()
    results = [run(count, args.limits, args.sample) for count in args.stores]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
