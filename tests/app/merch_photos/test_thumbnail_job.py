"""The thumbnails job against the sandbox: open weeks found in batched reads, photos on the week
task itself as well as in subtasks, a bound per run, unreadable files given up once."""
from __future__ import annotations

import base64
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from b24app.merch_photos import thumbnail_job
from b24app.merch_photos.calendar import IsoWeek
from b24app.merch_photos.discovery import discover_photos
from b24app.merch_photos.models import MerchPhoto, MerchPool, MerchWeekTask
from b24app.merch_photos.reminders import reminder_tick
from b24app.merch_photos.review import board
from b24app.merch_photos.thumbnail_job import open_week_tasks, thumbnails_tick
from b24app.merch_photos.ticks import build_week
from b24app.merch_photos.upload import Photo, send_photos

from .conftest import MOSCOW, SPB, MerchEnv, WebhookClient, jpeg

WEEK = IsoWeek(2026, 49)                                   # deadline Thu 03.12 18:00 Moscow
MONDAY = datetime(2026, 11, 30, 7, 0, tzinfo=timezone.utc)
AFTER_DEADLINE = datetime(2026, 12, 3, 16, 0, tzinfo=timezone.utc)


def _row(env: MerchEnv, store_id: int) -> MerchWeekTask:
    with env.session_factory() as session:
        row = session.scalar(select(MerchWeekTask).where(MerchWeekTask.store_id == store_id))
        assert row is not None
        return row


def _upload(env: MerchEnv, store_id: int, count: int, nonce: str) -> None:
    manager = env.manager_of(store_id)
    send_photos(env.as_user(manager), folder_id=env.folder_id,
                week_task_id=int(_row(env, store_id).task_id or 0), manager_id=manager,
                title="Фото", nonce=nonce,
                photos=[Photo(f"IMG_{i}.jpg", jpeg((i * 30, 60, 90))) for i in range(count)])


def _attach_to_week_task(env: MerchEnv, store_id: int, name: str, content: bytes) -> None:
    """Attach a file straight to the store's week task (no subtask), as the portal admin."""
    admin = WebhookClient(env.sandbox.admin_webhook)
    uploaded = admin.call("disk.folder.uploadfile", {
        "id": env.folder_id, "data": {"NAME": name},
        "fileContent": [name, base64.b64encode(content).decode("ascii")],
        "generateUniqueName": True})
    admin.call("tasks.task.files.attach", {"taskId": _row(env, store_id).task_id,
                                           "fileId": int(uploaded["ID"])})


def _photos(env: MerchEnv) -> list[MerchPhoto]:
    with env.session_factory() as session:
        return list(session.scalars(select(MerchPhoto).order_by(MerchPhoto.id)))


def test_job_finds_photos_of_open_weeks_and_caches_thumbnails_a_bounded_number_per_run(
        merch_env: MerchEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    pool = merch_env.make_pool([MOSCOW, SPB])
    merch_env.set_clock(MONDAY)
    build_week(merch_env.services, pool, WEEK, MONDAY)
    _upload(merch_env, 8, 3, "job-upload-01")
    _upload(merch_env, 11, 2, "job-upload-02")
    monkeypatch.setattr(thumbnail_job, "MAX_PER_RUN", 3)
    client = merch_env.services.bitrix.for_portal(merch_env.portal_id)
    sent = client.requests_sent
    assert thumbnails_tick(merch_env.services, MONDAY) == 5 + 3        # 5 found, 3 made
    # One batch of task lists, one of attachment metadata (the fresh URLs are used at once).
    assert client.requests_sent - sent == 2
    assert sum(p.thumbnail is not None for p in _photos(merch_env)) == 3
    assert thumbnails_tick(merch_env.services, MONDAY) == 2            # the other two
    assert all(p.thumbnail is not None for p in _photos(merch_env))
    sent = client.requests_sent
    assert thumbnails_tick(merch_env.services, MONDAY) == 0            # nothing left to do
    assert client.requests_sent - sent == 1                            # the task lists only
    with merch_env.session_factory() as session:
        assert {r.store_id: r.photo_count for r in session.scalars(select(MerchWeekTask))} == {8: 3, 11: 2}


def test_weeks_two_weeks_old_or_accepted_are_not_open(merch_env: MerchEnv) -> None:
    pool = merch_env.make_pool([MOSCOW])
    build_week(merch_env.services, pool, WEEK, MONDAY)
    with merch_env.session_factory() as session:
        assert len(open_week_tasks(session, merch_env.portal_id, MONDAY)) == 1
        next_week = datetime(2026, 12, 8, 9, tzinfo=timezone.utc)
        two_weeks_on = datetime(2026, 12, 15, 9, tzinfo=timezone.utc)
        assert len(open_week_tasks(session, merch_env.portal_id, next_week)) == 1
        assert open_week_tasks(session, merch_env.portal_id, two_weeks_on) == []
    with merch_env.session_factory.begin() as session:
        for row in session.scalars(select(MerchWeekTask)):
            row.status = "accepted"
    with merch_env.session_factory() as session:
        assert open_week_tasks(session, merch_env.portal_id, MONDAY) == []


def test_photos_attached_to_the_week_task_itself_count_show_and_spare_a_reminder(
        merch_env: MerchEnv) -> None:
    pool = merch_env.make_pool([MOSCOW, SPB])
    merch_env.set_clock(MONDAY)
    build_week(merch_env.services, pool, WEEK, MONDAY)
    _attach_to_week_task(merch_env, 8, "vitrina.jpg", jpeg((200, 10, 10)))
    thumbnails_tick(merch_env.services, MONDAY)
    photos = _photos(merch_env)
    week_task = int(_row(merch_env, 8).task_id or 0)
    assert [(p.week_task_id, p.subtask_id, p.name) for p in photos] == [(week_task, week_task, "vitrina.jpg")]
    assert photos[0].thumbnail is not None
    with merch_env.session_factory() as session:
        pool_row = session.get(MerchPool, pool)
        assert pool_row is not None
        rows = {r.store_id: r for r in board(session, pool_row, WEEK, AFTER_DEADLINE).rows}
    assert [p.has_thumbnail for p in rows[8].photos] == [True] and not rows[8].red
    assert rows[11].red
    assert reminder_tick(merch_env.services, AFTER_DEADLINE) == 1      # only store 11
    assert _row(merch_env, 8).reminded_at is None


def test_a_file_that_is_not_an_image_is_given_up_once_and_shown_as_unavailable(
        merch_env: MerchEnv) -> None:
    pool = merch_env.make_pool([MOSCOW])
    build_week(merch_env.services, pool, WEEK, MONDAY)
    _attach_to_week_task(merch_env, 8, "notes.txt", b"not a photo")
    thumbnails_tick(merch_env.services, MONDAY)
    [photo] = _photos(merch_env)
    assert photo.thumbnail is None and photo.thumb_error.startswith("not an image")
    assert thumbnails_tick(merch_env.services, MONDAY) == 0            # not fetched again
    with merch_env.session_factory() as session:
        pool_row = session.get(MerchPool, pool)
        assert pool_row is not None
        data = board(session, pool_row, WEEK, MONDAY)
    [view] = [p for r in data.rows for p in r.photos]
    assert view.unavailable and not view.pending and data.pending_photos == 0


def test_more_subtasks_than_one_page_are_all_read(merch_env: MerchEnv) -> None:
    pool = merch_env.make_pool([MOSCOW])
    build_week(merch_env.services, pool, WEEK, MONDAY)
    week_task = int(_row(merch_env, 8).task_id or 0)
    admin = WebhookClient(merch_env.sandbox.admin_webhook)
    picture = admin.call("disk.folder.uploadfile", {
        "id": merch_env.folder_id, "data": {"NAME": "p.jpg"},
        "fileContent": ["p.jpg", base64.b64encode(jpeg()).decode("ascii")]})
    commands = {f"t{i}": "tasks.task.add?" + "&".join([
        f"fields[TITLE]=photo{i}", f"fields[PARENT_ID]={week_task}",
        f"fields[RESPONSIBLE_ID]={merch_env.manager_of(8)}",
        f"fields[UF_TASK_WEBDAV_FILES][0]=n{picture['ID']}"]) for i in range(57)}
    for start in (0, 50):
        admin.call("batch", {"halt": 0, "cmd": dict(list(commands.items())[start:start + 50])})
    with merch_env.session_factory() as session:
        tasks = list(session.scalars(select(MerchWeekTask)))
    found = discover_photos(merch_env.services, merch_env.portal_id, tasks, MONDAY)
    assert found.new == 57
    assert _row(merch_env, 8).photo_count == 57


def test_photos_posted_in_a_comment_on_the_week_task_count_and_comments_are_reread_on_change(
        merch_env: MerchEnv) -> None:
    pool = merch_env.make_pool([MOSCOW])
    build_week(merch_env.services, pool, WEEK, MONDAY)
    week_task = int(_row(merch_env, 8).task_id or 0)
    manager = merch_env.as_user(merch_env.manager_of(8))
    uploaded = manager.call("disk.folder.uploadfile", {
        "id": merch_env.folder_id, "data": {"NAME": "polka.jpg"},
        "fileContent": ["polka.jpg", base64.b64encode(jpeg((5, 200, 5))).decode("ascii")]})
    manager.call("task.commentitem.add", [week_task, {"POST_MESSAGE": "Фотоотчёт",
                                                      "UF_FORUM_MESSAGE_DOC": [f"n{uploaded['ID']}"]}])
    with merch_env.session_factory() as session:
        tasks = list(session.scalars(select(MerchWeekTask)))
    assert discover_photos(merch_env.services, merch_env.portal_id, tasks, MONDAY).new == 1
    [photo] = _photos(merch_env)
    assert (photo.week_task_id, photo.name) == (week_task, "polka.jpg") and photo.comment_id
    assert _row(merch_env, 8).photo_count == 1
    client = merch_env.services.bitrix.for_portal(merch_env.portal_id)
    sent = client.requests_sent
    assert discover_photos(merch_env.services, merch_env.portal_id, tasks, MONDAY).new == 0
    assert client.requests_sent - sent == 1                # count unchanged: comments not read
    merch_env.as_user(merch_env.merchandiser).call("task.commentitem.add",
                                                   [week_task, {"POST_MESSAGE": "Вижу"}])
    sent = client.requests_sent
    found = discover_photos(merch_env.services, merch_env.portal_id, tasks, MONDAY)
    assert (found.new, found.gone) == (0, 0) and client.requests_sent - sent == 2
    assert _row(merch_env, 8).photo_count == 1
    assert thumbnails_tick(merch_env.services, MONDAY) == 1
