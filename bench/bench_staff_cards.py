"""Staff cards: export 10,000 employees (< 3 s, < 150 MB peak); approve 500 cards at once
(≤ 1.1 × ceil(500/50) HTTP requests to the sandbox portal, standard rate limits).

Run: python bench/bench_staff_cards.py   (exit 1 if a target is missed)
The export runs in a fresh subprocess so its peak (tracemalloc and RSS) is its own.
"""
from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import datetime, timezone
from pathlib import Path

from support import ROOT, add_webhook_portal, peak_rss_mb, services_in, verdict

EXPORT_ROWS = 10_000
EXPORT_RUNS = 3
TARGET_EXPORT_SECONDS = 3.0
TARGET_EXPORT_MB = 150.0
CARDS = 500
STORES = 10
TARGET_RATIO = 1.1
NOW = datetime(2026, 12, 4, 6, 0, tzinfo=timezone.utc)


def seed_child(tmp: Path) -> None:
    """In a subprocess: a database with 10,000 people in 1,000 stores."""
    from b24app.org.models import OrgDepartment, OrgMembership, OrgUser
    from b24app.org.structure import recompute_structure

    services = services_in(tmp)
    factory = services.session_factory
    portal_id = add_webhook_portal(factory, "http://127.0.0.1:9/rest/1/x/", NOW)
    with factory.begin() as session:
        session.add_all([OrgDepartment(portal_id=portal_id, b24_id=1, name="Сеть"),
                         OrgDepartment(portal_id=portal_id, b24_id=2, name="Россия", parent_b24_id=1),
                         OrgDepartment(portal_id=portal_id, b24_id=3, name="Центр", parent_b24_id=2),
                         OrgDepartment(portal_id=portal_id, b24_id=4, name="Москва", parent_b24_id=3)])
        for store in range(1000):
            session.add(OrgDepartment(portal_id=portal_id, b24_id=100 + store,
                                      name=f"Магазин {store}", parent_b24_id=4))
        for n in range(EXPORT_ROWS):
            store_id = 100 + n % 1000
            session.add(OrgUser(portal_id=portal_id, b24_id=10_000 + n, name=f"Имя{n}",
                                last_name=f"Фамилия{n}", second_name="Петрович",
                                email=f"u{n}@example.com", work_position="Продавец-консультант",
                                departments=[store_id], personal_mobile="+79160000000",
                                personal_birthday="1990-05-01",
                                employment_date=f"2020-{n % 12 + 1:02d}-01"))
            session.add(OrgMembership(portal_id=portal_id, department_b24_id=store_id,
                                      user_b24_id=10_000 + n))
        session.flush()
        recompute_structure(session, portal_id)
    services.close()


def export_child(tmp: Path, traced: bool) -> None:
    """In a fresh subprocess: export every store; print time, CPU time, peak RSS and traced peak."""
    from b24app.db import make_engine, make_session_factory
    from b24app.staff_cards import excel

    factory = make_session_factory(make_engine(f"sqlite:///{tmp / 'bench.sqlite3'}"))
    if traced:
        tracemalloc.start()     # slows allocation ~10x: only for the memory figure
    started, cpu = time.perf_counter(), time.process_time()
    with factory() as session, open(tmp / "staff.xlsx", "wb") as out:
        written = excel.write_staff(excel.staff_rows(session, 1, None, "ru"), out, "ru",
                                    with_place=True)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    peak = tracemalloc.get_traced_memory()[1] if traced else 0
    print(json.dumps({"rows": written, "seconds": seconds, "cpu_seconds": cpu_seconds,
                      "traced_mb": peak / 2**20,
                      "rss_mb": peak_rss_mb()}))


def _child(*args: str) -> dict[str, float]:
    answer = subprocess.run([sys.executable, __file__, *args], cwd=ROOT, capture_output=True,
                            text=True, check=True)
    lines = answer.stdout.strip().splitlines()
    return json.loads(lines[-1]) if lines else {}


def bench_export() -> bool:
    """Export 10,000 people three times (fresh processes); judge the median run."""
    tmp = Path(tempfile.mkdtemp(prefix="bench-staff-"))
    try:
        _child("--seed", str(tmp))
        # The machine may be shared: print the load beside the figure, judge the median.
        load = os.getloadavg()[0]
        runs = sorted((_child("--export", str(tmp)) for _ in range(EXPORT_RUNS)),
                      key=lambda run: run["seconds"])
        traced = _child("--export-traced", str(tmp))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    timed = runs[len(runs) // 2]
    ok = (timed["rows"] == EXPORT_ROWS and timed["seconds"] < TARGET_EXPORT_SECONDS
          and max(run["rss_mb"] for run in runs) < TARGET_EXPORT_MB)
    print(f"export {int(timed['rows'])} employees: median {timed['seconds']:.2f} s of "
          f"{EXPORT_RUNS} (best {runs[0]['seconds']:.2f} s, CPU {timed['cpu_seconds']:.2f} s; "
          f"load average {load:.1f} on {os.cpu_count()} CPUs) (target < "
          f"{TARGET_EXPORT_SECONDS:.0f} s); peak RSS of the whole export process "
          f"{timed['rss_mb']:.0f} MB (target < {TARGET_EXPORT_MB:.0f} MB; Python heap peak "
          f"{traced['traced_mb']:.1f} MB by tracemalloc) {verdict(bool(ok))}")
    return bool(ok)


def bench_approval() -> bool:
    """Approve 500 new-hire cards from 10 stores at once; count requests to the sandbox."""
    from b24app import workqueue
    from b24app.clock import FixedClock
    from b24app.org.sync import sync_org
    from b24app.page_auth import PageSession
    from b24app.roles import caller_for
    from b24app.staff_cards import approval, cards
    from b24app.staff_cards.models import NEW
    from sandbox.limits import Limits
    from sandbox.runtime import Sandbox
    from sandbox.server import RunningServer
    from sandbox.state import Department, Portal, User, Webhook

    portal = Portal(member_id="benchstaff000000000000000000000a", domain="bench.bitrix24.test")
    for dep_id, name, parent, head in [(1, "Сеть", None, 2), (2, "Россия", 1, 2), (3, "Центр", 2, 2),
                                       (4, "Москва", 3, 2), (5, "HR", 1, 3)]:
        portal.departments[dep_id] = Department(id=dep_id, name=name, parent=parent, head=head)
    portal.users[1] = User(id=1, email="admin@example.com", name="Админ", last_name="Админов",
                           departments=[1], is_admin=True, date_register=NOW)
    portal.users[2] = User(id=2, email="boss@example.com", name="Босс", last_name="Главный",
                           departments=[1], date_register=NOW)
    portal.users[3] = User(id=3, email="hr@example.com", name="Зоя", last_name="Кадрова",
                           departments=[5], date_register=NOW)
    for store in range(STORES):
        portal.departments[100 + store] = Department(id=100 + store, name=f"Магазин {store}",
                                                     parent=4, head=200 + store)
        portal.users[200 + store] = User(id=200 + store, email=f"m{store}@example.com",
                                         name="Управляющий", last_name=f"Магазинов{store}",
                                         departments=[100 + store], date_register=NOW)
    portal.next_ids.update({"department": 200, "user": 1000})
    portal.webhooks["benchstaffhook01"] = Webhook(code="benchstaffhook01", user_id=1, scopes=[])
    sandbox = Sandbox(portal)
    server = RunningServer(sandbox, "127.0.0.1", 0, Limits("standard", sandbox.clock.timestamp)).start()
    tmp = Path(tempfile.mkdtemp(prefix="bench-approve-"))
    services = services_in(tmp, FixedClock(NOW))
    factory = services.session_factory
    try:
        portal_id = add_webhook_portal(factory, f"{server.base_url}/rest/1/benchstaffhook01/", NOW)
        client = services.bitrix.for_portal(portal_id)
        sync_org(factory, client, portal_id, NOW)
        from b24app.org.settings import get_org_settings
        with factory.begin() as session:
            get_org_settings(session, portal_id).hr_department_ids = [5]
        ids: list[int] = []
        with factory.begin() as session:
            for n in range(CARDS):
                store = n % STORES
                manager = caller_for(session, PageSession(portal_id, 200 + store, False, "ru"))
                result = cards.create_card(session, manager, NEW, 100 + store, None, {
                    "last_name": "Новикова", "first_name": "Сотрудница", "email": f"new{n}@example.com",
                    "position": "Продавец-консультант", "store_id": str(100 + store),
                    "employment_date": "2026-12-07"}, NOW)
                assert result.card is not None, result.errors
                ids.append(result.card.id)
        before = client.requests_sent
        with factory.begin() as session:
            hr = caller_for(session, PageSession(portal_id, 3, False, "ru"))
            decision = approval.approve(session, hr, ids, NOW)
        while workqueue.run_once(services, NOW):
            pass
        requests_used = client.requests_sent - before
    finally:
        services.close()
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    created = sum(1 for u in portal.users.values() if u.email.startswith("new"))
    bound = math.ceil(CARDS / 50)
    ok = created == CARDS and len(decision.approved) == CARDS and requests_used <= TARGET_RATIO * bound
    print(f"approve {CARDS} cards (10 managers notified): {requests_used} HTTP requests, "
          f"{created} users invited; lower bound ceil({CARDS}/50) = {bound}, target ≤ "
          f"{TARGET_RATIO * bound:.0f} ({requests_used / bound:.2f}×) {verdict(ok)}")
    return ok


def main() -> int:
    results = [bench_export(), bench_approval()]
    return 0 if all(results) else 1


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] in ("--seed", "--export", "--export-traced"):
        if sys.argv[1] == "--seed":
            seed_child(Path(sys.argv[2]))
        else:
            export_child(Path(sys.argv[2]), traced=sys.argv[1] == "--export-traced")
        sys.exit(0)
    sys.exit(main())
