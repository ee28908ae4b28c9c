"""Managers upload as themselves; the board caches thumbnails; verdicts and reminders."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from b24app.merch_photos import verdicts
from b24app.merch_photos.calendar import IsoWeek
from b24app.merch_photos.models import MerchPhoto, MerchPool, MerchWeekTask
from b24app.merch_photos.reminders import reminder_tick
from b24app.merch_photos.discovery import discover_photos
from b24app.merch_photos.review import board, full_photo, week_tasks
from b24app.merch_photos.thumbnail_job import thumbnails_tick
from b24app.merch_photos.ticks import build_week
from b24app.merch_photos.upload import Photo, UploadRejected, send_photos
from b24app.workqueue import run_once

from .conftest import MOSCOW, SPB, MerchEnv, jpeg

WEEK = IsoWeek(2026, 49)                 # deadline Thursday 03.12 18:00 Moscow
BEFORE = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
AFTER_DEADLINE = datetime(2026, 12, 3, 16, 0, tzinfo=timezone.utc)


def _week_row(env: MerchEnv, store_id: int) -> MerchWeekTask:
    with env.session_factory() as session:
        row = session.scalar(select(MerchWeekTask).where(MerchWeekTask.store_id == store_id))
        assert row is not None
        return row


def _upload(env: MerchEnv, store_id: int, nonce: str, count: int = 3) -> int:
    row = _week_row(env, store_id)
    manager = env.manager_of(store_id)
    result = send_photos(env.as_user(manager), folder_id=env.folder_id,
                         week_task_id=int(row.task_id or 0), manager_id=manager,
                         title="Фото выкладки", nonce=nonce,
                         photos=[Photo(f"IMG_{i}.jpg", jpeg((i * 40, 80, 160))) for i in range(count)])
    return result.subtask_id


def _board(env: MerchEnv, pool_id: int, now: datetime):  # type: ignore[no-untyped-def]
    with env.session_factory() as session:
        tasks = week_tasks(session, env.portal_id, pool_id, WEEK.key)
    discover_photos(env.services, env.portal_id, tasks, now)
    thumbnails_tick(env.services, now)
    with env.session_factory() as session:
        pool = session.get(MerchPool, pool_id)
        assert pool is not None
        return board(session, pool, WEEK, now)


def test_manager_upload_makes_one_subtask_with_drive_files_even_if_posted_twice(merch_env: MerchEnv) -> None:
    pool = merch_env.make_pool([MOSCOW])
    build_week(merch_env.services, pool, WEEK, BEFORE)
    subtask = _upload(merch_env, 8, "nonce-abcdef01")
    again = _upload(merch_env, 8, "nonce-abcdef01")
    assert again == subtask
    task = merch_env.tasks()[subtask]
    assert task.parent_id == _week_row(merch_env, 8).task_id
    assert task.responsible_id == merch_env.manager_of(8)
    assert len(task.attachments) == 3
    with pytest.raises(UploadRejected):
        send_photos(merch_env.as_user(merch_env.manager_of(8)), folder_id=merch_env.folder_id,
                    week_task_id=1, manager_id=1, title="x", nonce="nonce-zzzzzzzz",
                    photos=[Photo("notes.txt", b"hello")])


def test_board_caches_thumbnails_and_marks_stores_without_photos_red(merch_env: MerchEnv) -> None:
    pool = merch_env.make_pool([MOSCOW, SPB])
    merch_env.set_clock(BEFORE)
    build_week(merch_env.services, pool, WEEK, BEFORE)
    _upload(merch_env, 8, "nonce-first001")
    first = _board(merch_env, pool, AFTER_DEADLINE)
    rows = {r.store_id: r for r in first.rows}
    assert len(rows[8].photos) == 3 and all(p.has_thumbnail for p in rows[8].photos)
    assert not rows[8].red and rows[11].red
    assert [r.store_id for r in first.red_rows] == [11]
    client = merch_env.services.bitrix.for_portal(merch_env.portal_id)
    sent = client.requests_sent
    with merch_env.session_factory() as session:
        tasks = week_tasks(session, merch_env.portal_id, pool, WEEK.key)
    assert discover_photos(merch_env.services, merch_env.portal_id, tasks, AFTER_DEADLINE).new == 0
    assert client.requests_sent - sent == 1            # one batch of task lists, no attachments
    assert thumbnails_tick(merch_env.services, AFTER_DEADLINE) == 0
    data, _ = full_photo(merch_env.services, merch_env.portal_id, rows[8].photos[0].attachment_id)
    assert data[:2] == b"\xff\xd8"


def test_comment_accept_and_fix_reach_the_task_and_the_manager_once(merch_env: MerchEnv) -> None:
    pool = merch_env.make_pool([MOSCOW])
    build_week(merch_env.services, pool, WEEK, BEFORE)
    row = _week_row(merch_env, 8)
    portal = merch_env.sandbox.portal
    notes_before = len(portal.notifications)
    for _ in range(2):   # a double post of the same form sends once
        verdicts.give_verdict(merch_env.services, row.id, verdicts.COMMENT, "Поправьте ценники",
                              merch_env.merchandiser, "form-000001", BEFORE)
    task = portal.tasks[int(row.task_id or 0)]
    comments = [c for c in portal.comments.values() if c.task_id == task.id]
    assert [c.message for c in comments] == ["Поправьте ценники"]
    assert comments[0].author_id == merch_env.merchandiser
    assert len(portal.notifications) == notes_before + 1
    verdicts.give_verdict(merch_env.services, row.id, verdicts.ACCEPT, "", merch_env.merchandiser,
                          "form-000002", BEFORE)
    assert portal.tasks[task.id].status == 5
    assert _week_row(merch_env, 8).status == "accepted"
    verdicts.give_verdict(merch_env.services, row.id, verdicts.FIX, "Нет фото витрины",
                          merch_env.merchandiser, "form-000003", BEFORE)
    assert portal.tasks[task.id].status == 2
    assert _week_row(merch_env, 8).status == "needs_fix"


def test_reminder_goes_once_to_stores_without_photos_at_the_deadline(merch_env: MerchEnv) -> None:
    pool = merch_env.make_pool([MOSCOW, SPB])
    build_week(merch_env.services, pool, WEEK, BEFORE)
    _upload(merch_env, 8, "nonce-remind01")
    portal = merch_env.sandbox.portal
    assert reminder_tick(merch_env.services, BEFORE) == 0          # not yet due
    assert reminder_tick(merch_env.services, AFTER_DEADLINE) == 1  # only store 11
    assert reminder_tick(merch_env.services, AFTER_DEADLINE + timedelta(hours=1)) == 0
    run_once(merch_env.services, AFTER_DEADLINE + timedelta(hours=2))
    spb_manager = merch_env.manager_of(11)
    reminders = [n for n in portal.notifications.values() if n.user_id == spb_manager]
    assert len(reminders) == 1
    assert _week_row(merch_env, 11).reminded_at is not None
    assert _week_row(merch_env, 8).reminded_at is None
    with merch_env.session_factory() as session:
        assert session.scalar(select(MerchPhoto).limit(1)) is not None
