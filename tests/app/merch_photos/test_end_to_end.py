"""End to end against the sandbox over HTTP: a month of weekly ticks across a month and a year
boundary for two cities, managers upload as themselves, the merchandiser comments and accepts,
and every step run twice creates nothing twice."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from b24app.merch_photos import verdicts
from b24app.merch_photos.calendar import IsoWeek
from b24app.merch_photos.models import MerchTreeNode, MerchWeekTask
from b24app.merch_photos.reminders import reminder_tick
from b24app.merch_photos.discovery import discover_photos
from b24app.merch_photos.thumbnail_job import thumbnails_tick
from b24app.merch_photos.ticks import weekly_tick
from b24app.merch_photos.upload import Photo, send_photos
from b24app.workqueue import run_once

from .conftest import MOSCOW, SPB, MerchEnv, jpeg

# Mondays 09:00 Moscow (06:00 UTC), the default send time: weeks 48, 49, 53 of 2026, 1 of 2027.
TICKS = [datetime(2026, 11, 23, 6, 5, tzinfo=timezone.utc), datetime(2026, 11, 30, 6, 5, tzinfo=timezone.utc),
         datetime(2026, 12, 28, 6, 5, tzinfo=timezone.utc), datetime(2027, 1, 4, 6, 5, tzinfo=timezone.utc)]


def _count(env: MerchEnv) -> tuple[int, int, int, int]:
    portal = env.sandbox.portal
    return (len(portal.tasks), len(portal.comments), len(portal.notifications), len(portal.groups))


def test_a_month_of_photo_reports_end_to_end(merch_env: MerchEnv) -> None:
    env = merch_env
    pool = env.make_pool([MOSCOW, SPB])
    # Before Monday 09:00 local nothing goes out.
    assert weekly_tick(env.services, TICKS[0] - timedelta(minutes=10)) == 0
    for tick in TICKS:
        env.set_clock(tick)
        assert weekly_tick(env.services, tick) > 0
        before = _count(env)
        assert weekly_tick(env.services, tick + timedelta(minutes=1)) == 0   # rerun: nothing
        assert _count(env) == before
    with env.session_factory() as session:
        nodes = list(session.scalars(select(MerchTreeNode)))
        rows = {(r.store_id, r.iso_week): r for r in session.scalars(select(MerchWeekTask))}
    assert len(env.sandbox.portal.groups) == 1
    for city in (MOSCOW, SPB):
        mine = {n.period: n for n in nodes if n.city_id == city}
        assert sorted(mine) == ["2026", "2026-11", "2026-12", "2026-W48", "2026-W49", "2026-W53",
                                "2027", "2027-01", "2027-W01", "city"]
    assert len(rows) == 8                                       # 2 stores × 4 weeks

    # Week 53: managers upload as themselves, twice on a flaky connection.
    week = IsoWeek(2026, 53)
    for store in (8, 11):
        row = rows[(store, week.key)]
        manager = env.manager_of(store)
        for _ in range(2):
            send_photos(env.as_user(manager), folder_id=env.folder_id, week_task_id=int(row.task_id or 0),
                        manager_id=manager, title="Фото выкладки", nonce=f"upload-{store}-0001",
                        photos=[Photo(f"IMG_{i}.jpg", jpeg((i * 60, 20, 90))) for i in range(3)])
    subtasks = [t for t in env.sandbox.portal.tasks.values()
                if t.parent_id in {rows[(s, week.key)].task_id for s in (8, 11)}]
    assert len(subtasks) == 2 and all(len(t.attachments) == 3 for t in subtasks)

    # The merchandiser reviews: a comment on Moscow, acceptance of both; each form posted twice.
    moscow = rows[(8, week.key)]
    for _ in range(2):
        verdicts.give_verdict(env.services, moscow.id, verdicts.COMMENT, "Ценники не видно",
                              env.merchandiser, "review-0000001", TICKS[2])
        for store in (8, 11):
            verdicts.give_verdict(env.services, rows[(store, week.key)].id, verdicts.ACCEPT, "",
                                  env.merchandiser, f"accept-{store}-00001", TICKS[2])
    portal = env.sandbox.portal
    assert [c.message for c in portal.comments.values() if c.task_id == moscow.task_id] == ["Ценники не видно"]
    assert all(portal.tasks[int(rows[(s, week.key)].task_id or 0)].status == 5 for s in (8, 11))

    # The board records the six photos once; the thumbnails job makes each thumbnail once.
    with env.session_factory() as session:
        week_rows = list(session.scalars(select(MerchWeekTask).where(MerchWeekTask.iso_week == week.key)))
    assert discover_photos(env.services, env.portal_id, week_rows, TICKS[2]).new == 6
    assert discover_photos(env.services, env.portal_id, week_rows, TICKS[2]).new == 0
    assert thumbnails_tick(env.services, TICKS[2]) == 6
    assert thumbnails_tick(env.services, TICKS[2]) == 0

    # Weeks 48, 49 and 1 got no photos: past week 1's deadline each store-week is reminded once;
    # week 53 (photos, accepted) is not.
    deadline_passed = datetime(2027, 1, 7, 16, 0, tzinfo=timezone.utc)
    notes = len(portal.notifications)
    assert reminder_tick(env.services, deadline_passed) == 6
    assert reminder_tick(env.services, deadline_passed + timedelta(hours=1)) == 0
    run_once(env.services, deadline_passed + timedelta(hours=2))
    assert len(portal.notifications) == notes + 6
    with env.session_factory() as session:
        reminded = {(r.store_id, r.iso_week) for r in session.scalars(select(MerchWeekTask))
                    if r.reminded_at is not None}
    assert reminded == {(s, w) for s in (8, 11) for w in ("2026-W48", "2026-W49", "2027-W01")}
