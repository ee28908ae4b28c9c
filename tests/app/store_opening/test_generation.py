"""Generation against the sandbox portal: one task per store and local date, people, snapshot."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select

from b24app import ledger
from b24app.store_opening.generation import generate
from b24app.store_opening.models import ROUTINE, OpeningTask
from b24app.store_opening.task_plan import slot_key, task_tag
from b24app.store_opening.templates_admin import TemplateInput, save_template
from b24app.workqueue import WorkItem

from .conftest import ITEMS, MOSCOW_8, Env


def generate_now(env: Env, now: datetime) -> int:
    env.set_now(now)
    with env.services.session_factory.begin() as session:
        count = generate(session, env.portal_id, now, dashboard_url="https://app.test/d")
    env.run_queue()
    return count


def tasks_of(env: Env) -> dict[int, OpeningTask]:
    with env.session() as session:
        return {t.store_id: t for t in session.scalars(select(OpeningTask))}


def test_each_store_gets_one_task_at_its_local_time_with_people(env: Env) -> None:
    assert generate_now(env, MOSCOW_8) == 2                     # Moscow stores 10 and 11
    tasks = tasks_of(env)
    assert set(tasks) == {10, 11}
    task = env.portal.tasks[tasks[10].task_id]
    assert task.responsible_id == 110
    assert sorted(task.accomplices) == [111, 112]
    assert task.auditors == [103, 102, 101, 1]                  # every head up the chain
    assert task.tags == [task_tag(slot_key(10, date(2026, 12, 4)))]
    assert task.deadline is not None
    assert task.deadline.astimezone(timezone.utc) == datetime(2026, 12, 4, 7, 0, tzinfo=timezone.utc)
    assert "https://app.test/d" in task.description
    titles = [i.title for i in sorted(env.portal.checklist_items.values(), key=lambda i: i.sort_index)
              if i.task_id == task.id and i.parent_id != 0]
    assert titles == [i["title"] for i in ITEMS]
    # Berlin's 08:00 comes two hours later (UTC+1 in December).
    assert generate_now(env, datetime(2026, 12, 4, 7, 0, tzinfo=timezone.utc)) == 1
    assert set(tasks_of(env)) == {10, 11, 13}
    # Running again creates nothing more.
    assert generate_now(env, datetime(2026, 12, 4, 9, 0, tzinfo=timezone.utc)) == 0
    assert len(env.portal.tasks) == 3


def test_vacant_manager_falls_back_to_deputy_and_empty_store_is_skipped(env: Env) -> None:
    generate_now(env, MOSCOW_8)
    vacant = tasks_of(env)[11]
    assert vacant.vacant_manager and vacant.responsible_id == 121
    assert env.portal.tasks[vacant.task_id].accomplices == [122]
    with env.session() as session:
        slot = ledger.get_slot(session, env.portal_id, ROUTINE, slot_key(12, date(2026, 12, 4)))
        assert slot is not None and slot.outcome == ledger.SKIPPED and slot.reason == "no_manager"
        flagged = ledger.get_slot(session, env.portal_id, ROUTINE, slot_key(11, date(2026, 12, 4)))
        assert flagged is not None and flagged.reason == "vacant_manager"


def test_worker_down_catches_up_the_same_day_but_never_back_fills(env: Env) -> None:
    # Down all of 4 December; back at 22:00 UTC: 01:00 on the 5th in Moscow (the 4th is not
    # back-filled), still 23:00 on the 4th in Berlin (caught up the same local day).
    assert generate_now(env, datetime(2026, 12, 4, 22, 0, tzinfo=timezone.utc)) == 1
    assert {(t.store_id, t.local_date) for t in tasks_of(env).values()} == {(13, date(2026, 12, 4))}
    with env.session() as session:
        assert session.scalars(select(ledger.LedgerSlot).where(
            ledger.LedgerSlot.local_date == date(2026, 12, 4),
            ledger.LedgerSlot.store_id.in_([10, 11, 12]))).all() == []
    # The same day, late: 15:00 Moscow on the 5th catches up the 5th.
    assert generate_now(env, datetime(2026, 12, 5, 12, 0, tzinfo=timezone.utc)) == 3
    with env.session() as session:
        days = {(t.store_id, t.local_date) for t in session.scalars(select(OpeningTask))}
    assert days == {(13, date(2026, 12, 4)), (10, date(2026, 12, 5)), (11, date(2026, 12, 5)),
                    (13, date(2026, 12, 5))}


def test_editing_the_template_never_changes_tasks_already_out(env: Env) -> None:
    env.set_now(MOSCOW_8)
    with env.services.session_factory.begin() as session:
        generate(session, env.portal_id, MOSCOW_8)
        # edited after the task was planned but before it was sent: the snapshot still wins
        save_template(session, env.portal_id, TemplateInput("Открытие", ["Новый пункт"]), MOSCOW_8,
                      template_id=env.template_id)
    env.run_queue()
    task_id = tasks_of(env)[10].task_id
    titles = {i.title for i in env.portal.checklist_items.values()
              if i.task_id == task_id and i.parent_id != 0}
    assert titles == {i["title"] for i in ITEMS}
    generate_now(env, datetime(2026, 12, 5, 5, 0, tzinfo=timezone.utc))
    next_day = [t for t in tasks_of(env).values() if t.local_date == date(2026, 12, 5)]
    new_titles = {i.title for i in env.portal.checklist_items.values()
                  if i.task_id == next_day[0].task_id and i.parent_id != 0}
    assert new_titles == {"Новый пункт"}


def test_people_are_read_from_the_org_model_at_creation_time(env: Env) -> None:
    generate_now(env, MOSCOW_8)
    from b24app.org.models import OrgDepartment
    with env.services.session_factory.begin() as session:
        store = session.scalar(select(OrgDepartment).where(OrgDepartment.b24_id == 10))
        assert store is not None
        store.head_user_id = 111                                  # a new manager tomorrow
    generate_now(env, datetime(2026, 12, 5, 5, 0, tzinfo=timezone.utc))
    with env.session() as session:
        tomorrow = session.scalar(select(OpeningTask).where(
            OpeningTask.store_id == 10, OpeningTask.local_date == date(2026, 12, 5)))
        assert tomorrow is not None and tomorrow.responsible_id == 111


def test_crash_between_creation_and_record_heals_by_tag(env: Env) -> None:
    from b24app.workqueue.runner import send_items
    from b24app.workqueue.store import claim_ready
    env.set_now(MOSCOW_8)
    with env.services.session_factory.begin() as session:
        generate(session, env.portal_id, MOSCOW_8)
    claimed = claim_ready(env.services.session_factory, MOSCOW_8, limit=10, worker_id="crashy",
                          lease_seconds=60)
    assert len(claimed) == 2
    client = env.services.bitrix.for_portal(env.portal_id)
    send_items(client, claimed)                     # tasks exist in Bitrix24 ...
    # ... and the worker dies before recording; delete one item to mimic a half-sent batch.
    first_task = max(env.portal.tasks)
    with env.portal.lock:
        victim = max(i.id for i in env.portal.checklist_items.values()
                     if i.task_id == first_task and i.parent_id != 0)
        del env.portal.checklist_items[victim]
    assert len(env.portal.tasks) == 2
    later = datetime(2026, 12, 4, 5, 5, tzinfo=timezone.utc)     # the lease has expired
    env.set_now(later)
    env.run_queue()
    assert len(env.portal.tasks) == 2                           # no duplicate
    assert set(tasks_of(env)) == {10, 11}
    assert len(env.items(first_task)) == len(ITEMS)             # the missing item was added
    with env.session() as session:
        statuses = set(session.scalars(select(WorkItem.status)))
        assert statuses == {"done"}


def test_dst_change_day_gives_one_task_at_local_time(env: Env) -> None:
    # Europe/Berlin springs forward on 2026-03-29: 08:00 local is 06:00 UTC (07:00 the day before).
    start = datetime(2026, 3, 28, 23, 30, tzinfo=timezone.utc)   # 00:30 in Berlin on the 29th
    created_at = {}
    for minutes in range(0, 24 * 60, 30):                      # a worker ticking all day long
        now = start + timedelta(minutes=minutes)
        if generate_now(env, now) and 13 not in created_at and 13 in tasks_of(env):
            created_at[13] = now
    berlin = [t for t in tasks_of(env).values() if t.store_id == 13]
    assert created_at[13] == datetime(2026, 3, 29, 6, 0, tzinfo=timezone.utc)
    assert [t.local_date for t in berlin] == [date(2026, 3, 29)]
    assert berlin[0].due_at == datetime(2026, 3, 29, 8, 0, tzinfo=timezone.utc)
    tagged = [t for t in env.portal.tasks.values()
              if t.tags == [task_tag(slot_key(13, date(2026, 3, 29)))]]
    assert len(tagged) == 1


def test_bulk_snapshot_resolves_people_like_the_org_queries(env: Env) -> None:
    from b24app.store_opening.generation import people_for
    from b24app.store_opening.people import load_snapshot
    with env.session() as session:
        snapshot = load_snapshot(session, env.portal_id)
        for store_id in (10, 11, 12, 13):
            for positions in ([], ["Администратор магазина"]):
                assert snapshot.people(store_id, positions) == people_for(
                    session, env.portal_id, store_id, positions)
