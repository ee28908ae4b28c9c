"""The dashboard counts the ledger; each viewer sees their own subtree."""
from __future__ import annotations

from datetime import date, datetime, timezone

from b24app import ledger
from b24app.store_opening import dashboard as board
from b24app.store_opening.models import ROUTINE
from b24app.store_opening.ticks import escalation_tick, generate_tick, reconcile_tick

from .conftest import MOSCOW_8, Env


def test_today_before_and_after_creation_and_counts_equal_the_ledger(env: Env) -> None:
    early = datetime(2026, 12, 4, 4, 0, tzinfo=timezone.utc)           # 07:00 Moscow
    with env.session() as session:
        rows = {r.store_id: r.status for r in board.today(session, env.portal_id, early)}
    assert rows == {10: board.NOT_DUE_YET, 11: board.NOT_DUE_YET, 12: board.NOT_DUE_YET,
                    13: board.NOT_DUE_YET}
    env.generate_at(MOSCOW_8)
    task = env.task_of(10)
    env.tick_all(task.task_id, 110)
    reconcile_tick(env.services, MOSCOW_8)
    late = datetime(2026, 12, 4, 7, 30, tzinfo=timezone.utc)           # 10:30 Moscow, 08:30 Berlin
    env.set_now(late)
    generate_tick(env.services, late)
    escalation_tick(env.services, late)
    env.run_queue()
    with env.session() as session:
        rows = board.today(session, env.portal_id, late)
        by_store = {r.store_id: r for r in rows}
        assert by_store[10].status == board.DONE_ON_TIME
        assert by_store[11].status == board.OVERDUE
        assert by_store[12].status == board.NOT_CREATED and by_store[12].reason == "no_manager"
        assert by_store[13].status == board.OPEN
        counts = ledger.outcome_counts(session, env.portal_id, ROUTINE,
                                       date_from=date(2026, 12, 4), date_to=date(2026, 12, 4))
    root = board.tree(rows)
    by_status = root.counts.by_status
    assert by_status[board.DONE_ON_TIME] == counts.get(ledger.DONE_ON_TIME, 0) == 1
    assert by_status[board.OPEN] + by_status[board.OVERDUE] == counts.get(ledger.CREATED, 0) == 2
    assert by_status[board.NOT_CREATED] == counts.get(ledger.SKIPPED, 0) == 1
    assert root.counts.percent_on_time == 33                          # 1 of 3 that were due
    moscow = root.children["Россия"].children["Центр"].children["Москва"]
    assert sorted(s.store_id for s in moscow.stores) == [10, 11, 12]
    assert moscow.counts.by_status[board.OVERDUE] == 1


def test_viewer_sees_only_their_subtree_and_history_per_superior(env: Env) -> None:
    env.generate_at(MOSCOW_8)
    with env.session() as session:
        scope = board.visible_store_ids(session, env.portal_id, 103, is_admin=False)
        assert scope == {10, 11, 12}
        assert board.visible_store_ids(session, env.portal_id, 1, is_admin=True) is None
        assert {r.store_id for r in board.today(session, env.portal_id, MOSCOW_8, scope)} == scope
    env.tick_all(min(env.portal.tasks), 110)
    reconcile_tick(env.services, MOSCOW_8)
    with env.session() as session:
        per_store, per_superior = board.history(session, env.portal_id, date(2026, 12, 4), 7,
                                                {10, 11, 12})
    stores = {r.key: r for r in per_store}
    assert stores[10].counts == {ledger.DONE_ON_TIME: 1} and stores[10].percent_on_time == 100
    heads = {r.key: r for r in per_superior}
    assert set(heads) == {1, 101, 102, 103}
    assert heads[103].counts[ledger.DONE_ON_TIME] == 1
    assert heads[103].counts[ledger.SKIPPED] == 1
    assert 104 not in heads                                            # Berlin's head: not in scope
