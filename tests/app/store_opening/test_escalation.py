"""Red and escalation: one comment and one notification per store per day; the day-end policy."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select

from b24app import ledger
from b24app.store_opening.escalation import get_settings
from b24app.store_opening.models import CLOSE_MISSED, CLOSED_MISSED, OPEN, ROUTINE, OpeningTask
from b24app.store_opening.task_plan import slot_key
from b24app.store_opening.ticks import escalation_tick, reconcile_tick
from b24app.workqueue import WorkItem

from .conftest import MOSCOW_8, Env

AFTER_DEADLINE = datetime(2026, 12, 4, 7, 1, tzinfo=timezone.utc)        # 10:01 Moscow


def start_day(env: Env) -> OpeningTask:
    env.generate_at(MOSCOW_8)
    return env.task_of(10)


def test_late_task_is_commented_and_escalated_once(env: Env) -> None:
    task = start_day(env)
    first = env.items(task.task_id)[0]
    env.as_user(110, "task.checklistitem.complete", {"TASKID": task.task_id, "ITEMID": first})
    reconcile_tick(env.services, MOSCOW_8)
    assert escalation_tick(env.services, MOSCOW_8) == 0               # not late yet
    env.set_now(AFTER_DEADLINE)
    assert escalation_tick(env.services, AFTER_DEADLINE) == 2         # stores 10 and 11
    assert escalation_tick(env.services, AFTER_DEADLINE + timedelta(minutes=1)) == 0
    env.run_queue()
    comments = [c for c in env.portal.comments.values() if c.task_id == task.task_id]
    assert len(comments) == 1
    assert "Проверить кассу" in comments[0].message and "Включить свет" not in comments[0].message
    to_city_head = [n for n in env.portal.notifications.values() if n.user_id == 103]
    assert len(to_city_head) == 2                                    # one per store
    # Bitrix24 shows it red: the overdue meta-status.
    overdue = env.as_user(103, "tasks.task.list", {"filter": {"STATUS": -1}, "select": ["ID"]})
    assert str(task.task_id) in {t["id"] for t in overdue["tasks"]}
    with env.session() as session:
        keys = list(session.scalars(select(WorkItem.key).where(WorkItem.kind == "store_opening.escalate")))
    assert sorted(keys) == ["store_opening_escalation:10:2026-12-04:comment",
                            "store_opening_escalation:10:2026-12-04:notify",
                            "store_opening_escalation:11:2026-12-04:comment",
                            "store_opening_escalation:11:2026-12-04:notify"]


def test_unfinished_day_stays_open_and_red_by_default(env: Env) -> None:
    task = start_day(env)
    next_day = datetime(2026, 12, 4, 21, 30, tzinfo=timezone.utc)     # 00:30 on the 5th, Moscow
    env.set_now(next_day)
    escalation_tick(env.services, next_day)
    env.run_queue()
    with env.session() as session:
        slot = ledger.get_slot(session, env.portal_id, ROUTINE, slot_key(10, date(2026, 12, 4)))
        assert slot is not None and slot.outcome == ledger.MISSED
        assert session.get(OpeningTask, task.id).state == OPEN          # type: ignore[union-attr]
    assert env.portal.tasks[task.task_id].status == 2
    # Finished late the next morning: the ledger says late, not missed.
    env.tick_all(task.task_id, 110)
    reconcile_tick(env.services, next_day)
    with env.session() as session:
        slot = ledger.get_slot(session, env.portal_id, ROUTINE, slot_key(10, date(2026, 12, 4)))
        assert slot is not None and slot.outcome == ledger.DONE_LATE


def test_policy_close_as_missed(env: Env) -> None:
    task = start_day(env)
    with env.services.session_factory.begin() as session:
        get_settings(session, env.portal_id).overdue_policy = CLOSE_MISSED
    next_day = datetime(2026, 12, 4, 21, 30, tzinfo=timezone.utc)
    env.set_now(next_day)
    escalation_tick(env.services, next_day)
    env.run_queue()
    assert env.portal.tasks[task.task_id].status == 5
    assert any("пропущенная" in c.message for c in env.portal.comments.values()
               if c.task_id == task.task_id)
    reconcile_tick(env.services, next_day)
    with env.session() as session:
        assert session.get(OpeningTask, task.id).state == CLOSED_MISSED   # type: ignore[union-attr]
        slot = ledger.get_slot(session, env.portal_id, ROUTINE, slot_key(10, date(2026, 12, 4)))
        assert slot is not None and slot.outcome == ledger.MISSED
    # Berlin's day is not over yet at 22:30 Berlin time: its task is untouched.
    with env.session() as session:
        berlin = session.scalar(select(OpeningTask).where(OpeningTask.store_id == 13))
    assert berlin is None or berlin.state == OPEN
