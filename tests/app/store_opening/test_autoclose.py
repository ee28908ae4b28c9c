"""Auto-close: all items ticked by people → the app completes the task; photos; events."""
from __future__ import annotations

import math
from datetime import date, datetime, timedelta

from sqlalchemy import select

from b24app import ledger
from b24app.models import InboundEvent
from b24app.store_opening.autoclose import poll_commands, reconcile
from b24app.store_opening.generation import generate
from b24app.store_opening.models import AWAITING_APPROVAL, DONE, OPEN, ROUTINE, OpeningTask
from b24app.store_opening.task_plan import slot_key
from b24app.store_opening.templates_admin import TemplateInput, save_template
from b24app.store_opening.ticks import on_task_event

from .conftest import MOSCOW_8, Env


def created(env: Env, now: datetime = MOSCOW_8) -> dict[int, OpeningTask]:
    env.set_now(now)
    with env.services.session_factory.begin() as session:
        generate(session, env.portal_id, now)
    env.run_queue()
    with env.session() as session:
        return {t.store_id: t for t in session.scalars(select(OpeningTask))}


def row(env: Env, store_id: int) -> OpeningTask:
    with env.session() as session:
        found = session.scalar(select(OpeningTask).where(OpeningTask.store_id == store_id))
        assert found is not None
        return found


def outcome(env: Env, store_id: int, day: date = date(2026, 12, 4)) -> str:
    with env.session() as session:
        slot = ledger.get_slot(session, env.portal_id, ROUTINE, slot_key(store_id, day))
        assert slot is not None
        return slot.outcome


def test_ticked_by_the_manager_closes_on_the_next_pass(env: Env) -> None:
    task = created(env)[10]
    env.set_now(MOSCOW_8 + timedelta(minutes=30))
    items = env.items(task.task_id)
    for item in items[:-1]:
        env.as_user(110, "task.checklistitem.complete", {"TASKID": task.task_id, "ITEMID": item})
    assert reconcile(env.services, env.portal_id, env.clock.now()) == 0
    assert row(env, 10).unticked == ["Сфотографировать витрину"]
    env.as_user(111, "task.checklistitem.complete", {"TASKID": task.task_id, "ITEMID": items[-1]})
    assert reconcile(env.services, env.portal_id, env.clock.now()) == 1
    assert env.portal.tasks[task.task_id].status == 5
    assert row(env, 10).state == DONE
    assert outcome(env, 10) == ledger.DONE_ON_TIME
    # Unticking after closing does not reopen it, and the task is no longer polled.
    env.as_user(110, "task.checklistitem.renew", {"TASKID": task.task_id, "ITEMID": items[0]})
    assert reconcile(env.services, env.portal_id, env.clock.now()) == 0
    assert env.portal.tasks[task.task_id].status == 5 and row(env, 10).state == DONE


def test_finished_after_the_deadline_is_done_late(env: Env) -> None:
    task = created(env)[10]
    env.set_now(MOSCOW_8 + timedelta(hours=3))              # deadline was 10:00 Moscow
    env.tick_all(task.task_id, 110)
    reconcile(env.services, env.portal_id, env.clock.now())
    assert outcome(env, 10) == ledger.DONE_LATE


def test_photo_item_waits_for_an_attached_photo(env: Env) -> None:
    with env.services.session_factory.begin() as session:
        save_template(session, env.portal_id, TemplateInput(
            "Открытие", [{"title": "Фото витрины", "photo": True}, "Касса"]), MOSCOW_8,
            template_id=env.template_id)
    task = created(env)[10]
    env.tick_all(task.task_id, 110)
    assert reconcile(env.services, env.portal_id, env.clock.now()) == 0
    assert env.portal.tasks[task.task_id].status == 2
    from sandbox.methods.disk import user_storage
    with env.portal.lock:
        storage = user_storage(env.portal, 110, env.clock.now())
    upload = env.as_user(110, "disk.storage.uploadfile", {
        "id": storage.id, "data": {"NAME": "shelf.jpg"}, "fileContent": ["shelf.jpg", "aGVsbG8="]})
    # Attaching needs edit rights on the task (the sandbox follows Bitrix24); the creator has them.
    env.as_user(1, "tasks.task.files.attach", {"taskId": task.task_id, "fileId": upload["ID"]})
    assert reconcile(env.services, env.portal_id, env.clock.now()) == 1
    assert env.portal.tasks[task.task_id].status == 5


def test_task_control_leaves_it_awaiting_approval(env: Env) -> None:
    task = created(env)[10]
    with env.portal.lock:
        env.portal.tasks[task.task_id].task_control = True
        env.portal.tasks[task.task_id].created_by = 103        # a superior created it
    env.tick_all(task.task_id, 110)
    reconcile(env.services, env.portal_id, env.clock.now())
    assert env.portal.tasks[task.task_id].status == 4
    assert row(env, 10).state == AWAITING_APPROVAL
    assert outcome(env, 10) == ledger.DONE_ON_TIME


def test_task_event_checks_that_task_at_once(env: Env) -> None:
    tasks = created(env)
    env.tick_all(tasks[10].task_id, 110)
    env.tick_all(tasks[11].task_id, 121)
    event = InboundEvent(portal_id=env.portal_id, event="ONTASKUPDATE",
                         object_id=str(tasks[10].task_id), payload={}, dedupe_key="x",
                         received_at=env.clock.now())
    on_task_event(env.services, env.portal_id, event)
    assert row(env, 10).state == DONE
    assert row(env, 11).state == OPEN                       # only the task of the event


def test_a_pass_costs_at_most_21_requests_per_thousand_tasks() -> None:
    from b24app.store_opening.autoclose import OpenTask
    tasks = [OpenTask(i, 10_000 + i, False, MOSCOW_8) for i in range(1000)]
    commands = poll_commands(tasks)
    assert math.ceil(len(commands) / 50) == 21
