"""Merchandising: a first build's REST cost against its minimum; the review board's render time.

- first build of a pool of 100 stores (every city's four tree nodes + one task per store):
  HTTP requests used ≤ 1.1 × the minimum, ceil(commands / 50) (the project is created at setup);
- the review board (100 stores × 3 photos) renders in < 1 s once thumbnails are cached
  (the full page request: task lists from the portal, database, template).
Also printed: the first visit (photos listed, none downloaded: placeholders and a progress
bar) and the thumbnails job making the 300 thumbnails in bounded runs.

Run: python bench/bench_merch_photos.py   (in-process sandbox, limits off, SQLite in a temp dir)
"""
from __future__ import annotations

import math
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

# Imported before the app: support puts the project root on sys.path.
from support import add_webhook_portal, services_in

from sandbox.limits import Limits
from sandbox.runtime import Sandbox
from sandbox.seed import build_portal
from sandbox.server import RunningServer

from b24app.clock import FixedClock
from b24app.merch_photos.calendar import IsoWeek
from b24app.merch_photos.models import MODE_SELECTION, MerchWeekTask
from b24app.merch_photos.pools import get_settings, save_pool
from b24app.merch_photos.project import ensure_project
from b24app.merch_photos import thumbnail_job
from b24app.merch_photos.thumbnail_job import thumbnails_tick
from b24app.merch_photos.ticks import build_week
from b24app.merch_photos.upload import Photo, send_photos
from b24app.org.queries import stores
from b24app.page_auth import PageSession, PageTokens
from tests.support.merch import WebhookClient, jpeg, mirror_org

STORES = 100
PHOTOS = 3
TARGET_RATIO = 1.1
TARGET_BOARD_SECONDS = 1.0
WEEK = IsoWeek(2026, 49)
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)


def main() -> int:
    sandbox = Sandbox(build_portal(stores=STORES, seed=7))
    server = RunningServer(sandbox, "127.0.0.1", 0, Limits("off", sandbox.clock.timestamp))
    server.start()
    folder_tmp = tempfile.TemporaryDirectory()
    try:
        return _run(server, Path(folder_tmp.name))
    finally:
        server.stop()
        folder_tmp.cleanup()


def _run(server: RunningServer, tmp: Path) -> int:
    services = services_in(tmp, FixedClock(NOW))
    context = server.context
    admin_hook = context.webhook_url(context.admin_webhook())
    portal = server.sandbox.portal
    common = next(s.root_object_id for s in portal.storages.values() if s.entity_type == "common")
    folder = int(WebhookClient(admin_hook).call("disk.folder.addsubfolder",
                                                {"id": common, "data": {"NAME": "Фото"}})["ID"])
    portal_id = add_webhook_portal(services.session_factory, admin_hook, NOW, domain="bench.test")
    with services.session_factory.begin() as session:
        mirror_org(session, portal_id, portal)
        get_settings(session, portal_id).photo_folder_id = folder
        store_ids = [s.b24_id for s in stores(session, portal_id)]
        merchandiser = int(portal.departments[3].head or 1)
        pool_id = save_pool(session, portal_id, name="Все", merchandiser_id=merchandiser,
                            mode=MODE_SELECTION, ids=store_ids, time_zone="Europe/Moscow", now=NOW).id
    client = services.bitrix.for_portal(portal_id)
    ensure_project(services, portal_id)
    setup_requests = client.requests_sent

    report = build_week(services, pool_id, WEEK, NOW)
    used = client.requests_sent - setup_requests
    minimum = math.ceil(report.sent_commands / 50)
    ratio = used / minimum
    print(f"first build: {used} HTTP requests for {report.sent_commands} commands, minimum "
          f"{minimum} → {ratio:.2f} × minimum (target ≤ {TARGET_RATIO})  "
          f"[{len(store_ids)} stores; project find-or-create at setup: {setup_requests} requests]")

    with services.session_factory() as session:
        rows = list(session.query(MerchWeekTask).filter(MerchWeekTask.iso_week == WEEK.key))
    picture = [Photo(f"IMG_{i}.jpg", jpeg((i * 70, 90, 30), (1600, 1200))) for i in range(PHOTOS)]

    def upload(week_row: MerchWeekTask) -> None:
        manager = int(week_row.manager_id or 0)
        hook = context.webhook_url(context.create_webhook(manager, []))
        send_photos(WebhookClient(hook), folder_id=folder, week_task_id=int(week_row.task_id or 0),
                    manager_id=manager, title="Фото", photos=picture, nonce=f"bench-{week_row.store_id:05d}")

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(upload, rows))

    from app import create_app
    web = create_app(services.settings, services).test_client()
    tokens = PageTokens(services.settings.secret_key, services.settings.page_token_ttl_seconds, services.clock)
    token = tokens.issue(PageSession(portal_id, merchandiser, False, "ru"))
    query = {"t": token, "pool": pool_id, "week": WEEK.key}
    started = time.perf_counter()
    first = web.get("/app/merch/", query_string=query)
    first_seconds = time.perf_counter() - started
    placeholders = first.get_data(as_text=True).count('class="placeholder pending"')
    print(f"board, first visit (photos listed, none downloaded): {first_seconds:.2f} s  "
          f"[status {first.status_code}, {placeholders} placeholders]")

    started, runs, made = time.perf_counter(), 0, 0
    while (done := thumbnails_tick(services, NOW)) > 0:
        runs += 1
        made += done
    job_seconds = time.perf_counter() - started
    print(f"thumbnails job: {job_seconds:.2f} s in {runs} runs of at most "
          f"{thumbnail_job.MAX_PER_RUN} (worker, not a page request)")

    timings = []
    for _ in range(3):
        started = time.perf_counter()
        answer = web.get("/app/merch/", query_string=query)
        timings.append(time.perf_counter() - started)
    thumbs = answer.get_data(as_text=True).count("/app/merch/thumb/")
    cached = min(timings)
    print(f"board, thumbnails cached: {cached:.3f} s (target < {TARGET_BOARD_SECONDS} s)  "
          f"[{len(rows)} stores, {thumbs} thumbnails, status {answer.status_code}, best of 3]")
    services.close()
    ok = (ratio <= TARGET_RATIO and cached < TARGET_BOARD_SECONDS and thumbs == len(rows) * PHOTOS
          and placeholders == len(rows) * PHOTOS)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
